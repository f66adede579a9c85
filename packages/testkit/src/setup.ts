import { NodeContext } from "@effect/platform-node"
import { ensureDatabase, ensureRoles, dropDatabase, runMigrations } from "@manara/db"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { baseUrls, type TestDatabaseUrls, withDatabase } from "./urls.js"

const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })

/**
 * Makes a database of its own for one test run: roles ensured, a uniquely named database owned by
 * the owner role, migrations applied as the owner. Tests then connect as the runtime role.
 */
export const createTestDatabase = (prefix = "manara_test"): Promise<TestDatabaseUrls> => {
  const base = baseUrls()
  const database = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`
  const urls: TestDatabaseUrls = {
    database,
    adminUrl: base.adminUrl,
    redisUrl: base.redisUrl,
    ownerUrl: withDatabase(base.ownerUrl, database),
    runtimeUrl: withDatabase(base.runtimeUrl, database)
  }
  const program = Effect.gen(function* () {
    yield* Effect.scoped(
      Layer.build(client(base.adminUrl)).pipe(
        Effect.flatMap((ctx) =>
          Effect.provide(Effect.zipRight(ensureRoles({ owner: base.ownerUrl, runtime: base.runtimeUrl }), ensureDatabase(database)), ctx)
        )
      )
    )
    yield* runMigrations().pipe(Effect.provide(Layer.merge(client(urls.ownerUrl), NodeContext.layer)))
  })
  return Effect.runPromise(program).then(() => urls)
}

export const dropTestDatabase = (urls: TestDatabaseUrls): Promise<void> =>
  Effect.runPromise(dropDatabase(urls.database).pipe(Effect.provide(client(urls.adminUrl))))
