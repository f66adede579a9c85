import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const root = fileURLToPath(new URL("../../../..", import.meta.url))

const migrate = (directory: string, adminUrl: string) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      "bash",
      ["scripts/ops/migrate.sh", directory],
      { cwd: root, env: { ...process.env, DATABASE_ADMIN_URL: adminUrl, DATABASE_OWNER_URL: urls.ownerUrl }, timeout: 120_000 },
      (error, out, err) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, out: out + err })
    )
  })

describe("runbook: migrations, snapshot first", () => {
  it("scripts/ops/migrate.sh dumps the database, then migrates; without a snapshot it does not migrate", async () => {
    const directory = mkdtempSync(join(tmpdir(), "manara-snapshot-"))
    const done = await migrate(directory, urls.adminUrl)
    expect(done.code, done.out).toBe(0)
    expect(done.out).toMatch(/snapshot .*\.dump: \d+ tables, \d+ rows/)
    expect(done.out).toContain("up to date")
    const [dump] = readdirSync(directory)
    expect(statSync(join(directory, dump!)).size).toBeGreaterThan(10_000)

    // An administrator that cannot connect: no snapshot, so the migration never runs.
    const refused = await migrate(mkdtempSync(join(tmpdir(), "manara-snapshot-")), "postgres://nobody@127.0.0.1:1/postgres")
    expect(refused.code).not.toBe(0)
    expect(refused.out).toContain("snapshot failed")
    expect(refused.out).not.toContain("up to date")
  }, 180_000)
})
