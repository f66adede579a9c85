import { makeCertificates, OwnPostgres, startTlsOnlyPostgres, type TestCertificates } from "@manara/testkit"
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * The runbook's snapshot (`pnpm cli db snapshot`, and so `scripts/ops/migrate.sh`) against a Postgres that
 * refuses plain TCP, as RDS does: with DATABASE_CA its pg_dump verifies the certificate like the app's pools.
 */
const root = fileURLToPath(new URL("../../../..", import.meta.url))
let ca: TestCertificates
let otherCa: TestCertificates
let cluster: OwnPostgres
const folder = mkdtempSync(join(tmpdir(), "manara-snapshot-tls-"))

beforeAll(async () => {
  ca = await makeCertificates("Manara test CA")
  otherCa = await makeCertificates("Someone else's CA")
  cluster = await startTlsOnlyPostgres(ca)
  await promisify(execFile)("psql", [
    cluster.socketUrl(),
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    "create table gifts (id int primary key, title text not null)",
    "-c",
    "insert into gifts values (1, 'بئر ماء'), (2, 'سلة غذائية')"
  ])
}, 120_000)

afterAll(async () => {
  await cluster?.destroy()
  rmSync(folder, { recursive: true, force: true })
})

const run = (command: Array<string>, caFile: string) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    // sslmode=disable in the URLs: DATABASE_CA must win over it, as it does for the pools.
    const url = `postgres://postgres@127.0.0.1:${cluster.port}/postgres?sslmode=disable`
    execFile(
      command[0]!,
      command.slice(1),
      { cwd: root, env: { ...process.env, DATABASE_ADMIN_URL: url, DATABASE_OWNER_URL: url, DATABASE_CA: caFile }, timeout: 120_000 },
      (error, out, err) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, out: out + err })
    )
  })

describe("runbook snapshot over verified TLS (DATABASE_CA)", () => {
  it("with the right CA `db snapshot` dumps over TLS; with another CA migrate.sh stops at the snapshot and never migrates", async () => {
    const done = await run(
      ["node", "--import", "tsx", "apps/cli/src/main.ts", "db", "snapshot", "--file", join(folder, "ok.dump")],
      ca.caFile
    )
    expect(done.code, done.out).toBe(0)
    expect(done.out).toContain("1 tables, 2 rows")

    const refused = await run(["bash", "scripts/ops/migrate.sh", join(folder, "refused")], otherCa.caFile)
    expect(refused.code).not.toBe(0)
    expect(refused.out).toMatch(/snapshot failed: pg_dump: .*certificate verify failed/)
    expect(refused.out).not.toContain("up to date")
    expect(readdirSync(folder)).toEqual(["ok.dump", "refused"])
  }, 180_000)
})
