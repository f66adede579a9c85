/**
 * The backup runbook's check (docs/ops/backup-restore.md): a database dumped with pg_dump and restored
 * into a new one has the same rows in every table, passes the tenancy audit, and keeps one tenant's
 * rows from another through the runtime role, as the original did.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { auditTenancy, dropDatabase, dumpDatabase, restoreDatabase, rowCounts, TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { asOwnerInTenant, createTenant, createTestDatabase, dropTestDatabase, type TenantFixture, withDatabase } from "@manara/testkit"
import { Effect, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })
const on = <A, E>(url: string, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, client(url)) as Effect.Effect<A, never>)

// A database of this file's own: nothing else writes to it between the dump and the counts.
let source: Awaited<ReturnType<typeof createTestDatabase>>
const restored = `manara_restored_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`
const folder = mkdtempSync(join(tmpdir(), "manara-backup-"))
let tenants: [TenantFixture, TenantFixture]

beforeAll(async () => {
  source = await createTestDatabase("manara_backup")
  tenants = (await on(
    source.ownerUrl,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const made = yield* Effect.all([createTenant(), createTenant()])
      for (const [index, tenant] of made.entries()) {
        yield* asOwnerInTenant(
          tenant.id,
          Effect.gen(function* () {
            yield* sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
              values (${tenant.id}, 'project', ${`well-${index}`}, 'بئر ماء', 1000, 'general', 'active')`
            yield* sql`insert into donations (tenant_id, reference, amount, category, payment_method, receipt_token)
              values (${tenant.id}, ${`DON-2026-00000${index + 1}`}, 12.5, 'general', 'bank_transfer', ${randomBytes(24).toString("hex")})`
          })
        )
      }
      return made
    })
  )) as [TenantFixture, TenantFixture]
}, 120_000)

afterAll(async () => {
  await Effect.runPromise(dropDatabase(restored).pipe(Effect.provide(client(source.adminUrl)))).catch(() => undefined)
  if (source !== undefined) await dropTestDatabase(source)
  rmSync(folder, { recursive: true, force: true })
})

describe("backup and restore", () => {
  it("restores into a new database with every table's rows, the tenancy audit green and RLS holding", async () => {
    const file = join(folder, "manara.dump")
    await Effect.runPromise(dumpDatabase(withDatabase(source.adminUrl, source.database), file))
    await Effect.runPromise(restoreDatabase(source.adminUrl, restored, file).pipe(Effect.provide(client(source.adminUrl))))

    // Counted as the administrator: RLS hides tenant rows from every other role.
    const before = await on(withDatabase(source.adminUrl, source.database), rowCounts)
    const after = await on(withDatabase(source.adminUrl, restored), rowCounts)
    expect(after).toEqual(before)
    expect(before["catalog_items"]).toBe(2)
    expect(before["donations"]).toBe(2)

    expect(await on(withDatabase(source.ownerUrl, restored), auditTenancy)).toEqual([])

    // The runtime role on the copy sees the current tenant's rows only.
    const seen = await Effect.runPromise(
      Effect.gen(function* () {
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        return yield* tenantSql.withTenant(tenants[0].id as TenantId, sql<{ slug: string }>`select slug from catalog_items`)
      }).pipe(
        Effect.provide(TenantSql.Default.pipe(Layer.provideMerge(client(withDatabase(source.runtimeUrl, restored)))))
      ) as Effect.Effect<ReadonlyArray<{ slug: string }>, never>
    )
    expect(seen.map((row) => row.slug)).toEqual(["well-0"])
    const unscoped = await on(
      withDatabase(source.runtimeUrl, restored),
      SqlClient.SqlClient.pipe(Effect.flatMap((sql) => sql`select * from donations`))
    )
    expect(unscoped).toEqual([])
  }, 120_000)

  it("fails with pg_restore's message, and no password, on a file that is not a dump", async () => {
    const file = join(folder, "not-a-dump")
    writeFileSync(file, "hello")
    const name = `${restored}_bad`
    const error = (await Effect.runPromise(
      Effect.flip(restoreDatabase(source.adminUrl, name, file)).pipe(Effect.provide(client(source.adminUrl))) as Effect.Effect<
        unknown,
        never
      >
    )) as { step: string; message: string }
    await Effect.runPromise(dropDatabase(name).pipe(Effect.provide(client(source.adminUrl))))
    expect(error.step).toBe("restore")
    expect(error.message).toMatch(/pg_restore/)
    const password = new URL(source.adminUrl).password
    if (password !== "") expect(error.message).not.toContain(password)
  }, 60_000)
})
