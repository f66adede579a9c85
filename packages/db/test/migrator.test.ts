import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { defaultMigrationsDirectory, runMigrations } from "@manara/db"
import { createTestDatabase, dropTestDatabase, type TestDatabaseUrls } from "@manara/testkit"
import { Effect, Exit, Layer, Redacted } from "effect"
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let urls: TestDatabaseUrls

const asOwner = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | NodeContext.NodeContext>) =>
  Effect.runPromise(
    Effect.exit(effect).pipe(
      Effect.provide(Layer.merge(PgClient.layer({ url: Redacted.make(urls.ownerUrl), maxConnections: 1 }), NodeContext.layer))
    )
  )

const tableExists = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ found: string | null }>`select to_regclass(${name})::text as found`).pipe(
    Effect.map((rows) => rows[0]!.found !== null)
  )

const recorded = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) => sql<{ id: number }>`select migration_id as id from effect_sql_migrations order by 1`
).pipe(Effect.map((rows) => rows.map((row) => row.id)))

describe("migrator", () => {
  beforeAll(async () => {
    urls = await createTestDatabase("manara_migrator")
  })
  afterAll(async () => {
    await dropTestDatabase(urls)
  })

  it("applied every file from zero, and is a no-op the second time", async () => {
    const files = readdirSync(defaultMigrationsDirectory).filter((name) => name.endsWith(".sql"))
    const ids = await asOwner(recorded)
    expect(Exit.isSuccess(ids) && ids.value).toEqual(files.map((name) => Number(name.split("_")[0])))
    const again = await asOwner(runMigrations())
    expect(Exit.isSuccess(again) && again.value).toEqual([])
  })

  it("fails loudly on a broken migration and leaves nothing of it behind", async () => {
    const directory = mkdtempSync(join(tmpdir(), "manara-migrations-"))
    cpSync(defaultMigrationsDirectory, directory, { recursive: true })
    writeFileSync(join(directory, "9001_half_good.sql"), "create table half_good (id int);")
    writeFileSync(join(directory, "9002_broken.sql"), "create table broken_part (id int);\nselect 1 / 0;")
    const result = await asOwner(runMigrations(directory))
    expect(Exit.isFailure(result)).toBe(true)
    expect(String(Exit.isFailure(result) && result.cause)).toContain("9002_broken")
    const after = await asOwner(Effect.all([tableExists("half_good"), tableExists("broken_part"), recorded]))
    // The whole run is one transaction: the good file before the broken one is rolled back too.
    const shipped = readdirSync(defaultMigrationsDirectory)
      .filter((name) => name.endsWith(".sql"))
      .map((name) => Number(name.split("_")[0]))
    expect(Exit.isSuccess(after) && after.value).toEqual([false, false, shipped])
  })
})
