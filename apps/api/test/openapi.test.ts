import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv } from "@manara/testkit"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
let spec: {
  servers?: Array<{ url: string }>
  info: { license?: { name: string } }
  paths: Record<string, Record<string, { operationId: string; summary?: string; description?: string; responses: Record<string, unknown> }>>
}

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, {}, s3))
  spec = await (await fetch(`${api.url}/api/openapi.json`)).json()
})
afterAll(async () => {
  await api?.close()
})

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"])
const operations = () =>
  Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ method, path, operation }))
  )

interface RedoclyProblem {
  readonly ruleId: string
  readonly severity: "error" | "warn"
  readonly message: string
  readonly location: ReadonlyArray<{ readonly pointer?: string }>
}

/** Redocly CLI's `lint` with its built-in recommended ruleset, as JSON. It exits 1 on any error; the JSON says which. */
const redoclyLint = (file: string) =>
  new Promise<ReadonlyArray<RedoclyProblem>>((resolve, reject) => {
    const cli = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin/cli.js")
    execFile(
      process.execPath,
      [cli, "lint", file, "--extends=recommended", "--format=json"],
      {
        cwd: dirname(file),
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        maxBuffer: 16 * 1024 * 1024
      },
      (error, stdout) => {
        const start = stdout.indexOf("{")
        if (start < 0) return reject(error ?? new Error(`redocly printed no JSON: ${stdout}`))
        resolve((JSON.parse(stdout.slice(start)) as { problems: Array<RedoclyProblem> }).problems)
      }
    )
  })

describe("the served API document is complete", () => {
  it("gives every operation a summary and a description", () => {
    const undocumented = operations()
      .filter(({ operation }) => !operation.summary?.trim() || !operation.description?.trim())
      .map(({ method, path, operation }) => `${method.toUpperCase()} ${path} (${operation.operationId})`)
    expect(operations().length).toBeGreaterThan(40)
    expect(undocumented).toEqual([])
  })

  it("lists each endpoint's errors, so the typed client decodes them by status", () => {
    // What every operation can answer, and what each family adds: a tenant call its door, a capture its limits.
    const expected = (method: string, path: string): Array<string> => [
      "400",
      "404",
      "500",
      "503",
      ...(path.startsWith("/api/v1/tenant/") ? ["401", "403"] : []),
      ...(path.startsWith("/api/v1/auth/") || path.startsWith("/api/v1/admin/") ? ["401"] : []),
      ...(method === "post" && /^\/api\/v1\/public\/(orders|donations|pledges)$/.test(path) ? ["409", "413", "422", "429"] : []),
      ...(path === "/api/v1/tenant/media/uploads" ? ["413", "415"] : []),
      ...(path === "/api/v1/public/assistant/chat" ? ["429"] : []),
      ...(/\/(status|payment|invitations|members\/\{memberId\})$|preferences$|retry$|complete$|^\/api\/v1\/tenant\/catalog$/.test(path) &&
      method !== "get"
        ? ["409"]
        : [])
    ]
    for (const { method, path, operation } of operations()) {
      expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(expected(method, path)))
    }
  })

  it("names its servers and its license", () => {
    expect(spec.servers?.length).toBeGreaterThan(0)
    expect(spec.info.license?.name).toBeTruthy()
  })

  it("passes Redocly's recommended ruleset with no errors", async () => {
    const directory = mkdtempSync(join(tmpdir(), "manara-openapi-"))
    try {
      const file = join(directory, "openapi.json")
      writeFileSync(file, JSON.stringify(spec))
      const problems = await redoclyLint(file)
      const line = (problem: RedoclyProblem) => `${problem.ruleId} at ${problem.location[0]?.pointer ?? "?"}: ${problem.message}`
      const warnings = problems.filter((problem) => problem.severity !== "error")
      // Warnings are allowed, and shown: each is a decision (see docs/testing.md).
      if (warnings.length > 0) console.log(`redocly lint: ${warnings.length} warning(s)\n${warnings.map(line).join("\n")}`)
      expect(problems.filter((problem) => problem.severity === "error").map(line)).toEqual([])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
    // Redocly reads the whole document: seconds on a busy machine.
  }, 60_000)
})
