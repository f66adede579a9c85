/**
 * Runbook "deploy and roll back" (docs/ops/runbooks.md), tried offline: synthesises the stack for two image
 * tags exactly as `cdk synth` would and shows that moving between them (a deploy, or its roll back)
 * changes only the containers' images in the task definitions: no database, cache, bucket, secret or
 * network resource is touched, so rolling back is a deploy of the previous tag.
 * Usage: node --import tsx scripts/ops/rollback-diff.ts [staging|production] [from-tag] [to-tag]
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const [env = "staging", from = "previous-sha", to = "next-sha"] = process.argv.slice(2)
const infra = join(import.meta.dirname, "../../apps/infra")
const context = (JSON.parse(readFileSync(join(infra, "cdk.json"), "utf8")) as { context: Record<string, unknown> }).context

type Template = { Resources: Record<string, { Type: string; Properties?: unknown }> }

const synth = (tag: string): Template => {
  const outdir = mkdtempSync(join(tmpdir(), `manara-rollback-${tag}-`))
  try {
    execFileSync(process.execPath, ["--import", "tsx", join(infra, "src/main.ts")], {
      cwd: infra,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...context, env, [`${env}.imageTag`]: tag }) },
      stdio: ["ignore", "ignore", "inherit"],
      maxBuffer: 64 * 1024 * 1024
    })
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as {
      artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile: string } }>
    }
    const main = Object.values(manifest.artifacts).find(
      (artifact) => artifact.type === "aws:cloudformation:stack" && !artifact.environment!.endsWith("/us-east-1")
    )!
    return JSON.parse(readFileSync(join(outdir, main.properties!.templateFile), "utf8")) as Template
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

/** Every path where the two values differ. */
const differences = (a: unknown, b: unknown, path: string, out: Array<string>): Array<string> => {
  if (JSON.stringify(a) === JSON.stringify(b)) return out
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    out.push(path)
    return out
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
    differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}/${key}`, out)
  return out
}

const before = synth(from)
const after = synth(to)
const changed = differences(before.Resources, after.Resources, "", [])
const allowed = /^\/[^/]+\/Properties\/ContainerDefinitions\/\d+\/Image(\/|$)/
const images = changed.filter((path) => allowed.test(path) && before.Resources[path.split("/")[1]!]!.Type === "AWS::ECS::TaskDefinition")
const other = changed.filter((path) => !images.includes(path))
console.log(`${env}: ${from} -> ${to}`)
for (const path of images) console.log(`  image   ${path}`)
for (const path of other) console.log(`  OTHER   ${path}  (${before.Resources[path.split("/")[1]!]?.Type ?? "added"})`)
if (images.length === 0 || other.length > 0) {
  console.error("not a clean image-only change: a roll back would touch more than the images")
  process.exit(1)
}
console.log(
  `only the images of ${new Set(images.map((path) => path.split("/")[1])).size} task definitions change: roll back = deploy ${from} again`
)
