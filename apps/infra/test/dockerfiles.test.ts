/**
 * What can be checked of the images without a Docker engine: each Dockerfile parses and lints clean
 * (dockerfile-utils, the Docker language server's validator), is multi-stage on a pinned Node 24 slim
 * base, runs as a non-root user holding only the build stage's `pnpm deploy --prod` output, has a
 * health check, gets SIGTERM straight to node (exec-form CMD), copies and sets no secrets; and the
 * .dockerignore keeps dependencies, state and secrets out of the build context.
 */
import { DockerfileParser } from "dockerfile-ast"
import { validate, ValidationSeverity } from "dockerfile-utils"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "../../..")
const read = (path: string) => readFileSync(join(root, path), "utf8")

/** Every rule an image of ours keeps, as the problems found in `text` (none: it keeps them all). */
const problemsOf = (text: string): Array<string> => {
  const problems = validate(text)
    .filter((diagnostic) => diagnostic.severity === ValidationSeverity.ERROR || diagnostic.severity === ValidationSeverity.WARNING)
    .map(
      (diagnostic) =>
        `lint ${diagnostic.range.start.line + 1}: ${typeof diagnostic.message === "string" ? diagnostic.message : diagnostic.message.value}`
    )
  const dockerfile = DockerfileParser.parse(text)
  const args = Object.fromEntries(
    dockerfile.getInitialARGs().flatMap((arg) => {
      const match = /^ARG\s+(\w+)=(\S+)/.exec(arg.getTextContent().trim())
      return match === null ? [] : [[match[1]!, match[2]!]]
    })
  )
  const stages = dockerfile.getFROMs()
  if (stages.length < 2) problems.push("single stage")
  for (const from of stages) {
    const image = (from.getImageName() ?? "").replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? "")
    const tag = from.getImageTag()?.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? "")
    const full = from.getImageName()?.startsWith("${") === true ? image : `${image}:${tag ?? ""}`
    if (!/^node:24\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.test(full)) problems.push(`base not pinned to Node 24 slim: ${full}`)
  }
  const lastStart = stages.length === 0 ? 0 : stages[stages.length - 1]!.getRange().start.line
  const final = dockerfile.getInstructions().filter((instruction) => instruction.getRange().start.line >= lastStart)
  const of = (keyword: string) => final.filter((instruction) => instruction.getKeyword() === keyword)

  const users = of("USER").map((instruction) => instruction.getArgumentsContent() ?? "")
  if (users.length === 0 || /^(root|0)(:|$)/.test(users[users.length - 1]!)) problems.push("runs as root")
  for (const copy of of("COPY"))
    if (!/--from=build\b/.test(copy.getTextContent())) problems.push(`copies from the context: ${copy.getTextContent()}`)
  if (!/deploy --prod/.test(text)) problems.push("no pnpm deploy --prod")
  if (of("HEALTHCHECK").length !== 1) problems.push("no health check")
  const cmds = of("CMD")
  if (cmds.length !== 1 || !/^\["node",/.test(cmds[0]!.getArgumentsContent()?.trim() ?? "")) problems.push("CMD not exec-form node")
  if (of("STOPSIGNAL")[0]?.getArgumentsContent() !== "SIGTERM") problems.push("no STOPSIGNAL SIGTERM")
  for (const instruction of dockerfile.getInstructions()) {
    const line = instruction.getTextContent()
    if (["COPY", "ADD"].includes(instruction.getKeyword()) && /(^|[\s/])\.env\b|\.pem\b|id_rsa|\.npmrc/.test(line))
      problems.push(`copies a secret: ${line}`)
    if (["ENV", "ARG"].includes(instruction.getKeyword()) && /(PASSWORD|SECRET|TOKEN|API_KEY|DATABASE_URL|REDIS_URL)\w*\s*=/i.test(line))
      problems.push(`sets a secret: ${line}`)
  }
  return problems
}

describe.each(["api", "worker", "web"])("the %s image", (name) => {
  it("keeps every rule", () => {
    expect(problemsOf(read(`docker/${name}.Dockerfile`))).toEqual([])
  })
})

describe("the worker image's CLI", () => {
  it("carries apps/cli and the migrations beside the worker, where MIGRATIONS_DIRECTORY and the ops task's command look", () => {
    const text = read("docker/worker.Dockerfile")
    const dockerfile = DockerfileParser.parse(text)
    const run = dockerfile
      .getInstructions()
      .filter((instruction) => instruction.getKeyword() === "RUN")
      .map((instruction) => instruction.getTextContent())
      .join("\n")
    // The build stage deploys the worker to /out and the CLI to /out/cli, with the migrations inside it ...
    expect(run).toMatch(/pnpm --filter @manara\/worker deploy --prod --legacy \/out\b/)
    expect(run).toMatch(/pnpm --filter @manara\/cli deploy --prod --legacy \/out\/cli\b/)
    expect(run).toMatch(/cp -r migrations \/out\/cli\/migrations/)
    // ... the runtime stage holds /out at /app ...
    expect(text).toMatch(/^COPY --from=build \S* ?\/out \/app$/m)
    expect(
      dockerfile
        .getInstructions()
        .find((instruction) => instruction.getKeyword() === "WORKDIR" && instruction.getArgumentsContent() === "/app")
    ).toBeDefined()
    // ... and the CLI reads its migrations from there (apps/cli's migrate), started from /app as the stack's ops task does.
    expect(text).toMatch(/MIGRATIONS_DIRECTORY=\/app\/cli\/migrations\b/)
    expect(read("apps/cli/src/main.ts")).toContain('Config.string("MIGRATIONS_DIRECTORY")')
    expect(read("apps/infra/src/manara-stack.ts")).toContain('command: ["node", "--import", "tsx", "cli/src/main.ts", "migrate"]')
    // tsx, which that command imports, is a production dependency of the worker (resolved from /app/node_modules).
    expect(JSON.parse(read("apps/worker/package.json")).dependencies.tsx).toBeDefined()
  })
})

describe("the rules", () => {
  it("catch an image that breaks them", () => {
    const bad = [
      "FROM node:latest",
      "ENV DATABASE_URL=postgres://manara_app:secret@db/manara",
      "COPY .env /app/.env",
      "COPY . /app",
      "CMD node src/main.js"
    ].join("\n")
    const problems = problemsOf(bad).join("\n")
    for (const rule of [
      "single stage",
      "base not pinned",
      "runs as root",
      "copies from the context",
      "no pnpm deploy",
      "no health check",
      "CMD not exec-form",
      "no STOPSIGNAL",
      "copies a secret",
      "sets a secret"
    ])
      expect(problems).toContain(rule)
  })
})

describe("the build context", () => {
  it("leaves dependencies, builds, local state and secrets out", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
    for (const pattern of ["**/node_modules", ".git", ".manara", ".env", "**/.env", "**/*.pem", "**/build"])
      expect(ignored).toContain(pattern)
  })
})
