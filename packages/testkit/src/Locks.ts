import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Deferred, Effect, Exit, Fiber, Redacted } from "effect"
import { type TestDatabaseUrls, withDatabase } from "./urls.js"

export interface HeldLock {
  /** Commits the holding transaction (changing nothing) and closes its connection. */
  readonly release: () => Promise<void>
}

/**
 * Holds the reference counters of `tenantIds` (every kind, this Kuwait year) locked, in a superuser
 * transaction on a connection of its own, until `release()`: a capture of those tenants then waits for
 * its reference number, as it would behind a stuck transaction.
 */
export const holdReferenceCounters = async (urls: TestDatabaseUrls, tenantIds: ReadonlyArray<string>): Promise<HeldLock> => {
  const locked = Effect.runSync(Deferred.make<void, unknown>())
  const done = Effect.runSync(Deferred.make<void>())
  const holder = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(
      Effect.gen(function* () {
        for (const tenantId of tenantIds) {
          yield* sql`insert into reference_counters (tenant_id, kind, year, next_value)
          select ${tenantId}::uuid, kind, extract(year from now() at time zone 'Asia/Kuwait')::int, 1
          from unnest(array['ORD', 'DON', 'PLG']) as kind
          on conflict (tenant_id, kind, year) do update set next_value = reference_counters.next_value`
        }
        yield* Deferred.succeed(locked, undefined)
        yield* Deferred.await(done)
      })
    )
  }).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(withDatabase(urls.adminUrl, urls.database)), maxConnections: 1 })),
    Effect.onExit((exit) => (Exit.isFailure(exit) ? Deferred.failCause(locked, exit.cause) : Effect.void))
  )
  const fiber = Effect.runFork(holder)
  await Effect.runPromise(Deferred.await(locked))
  return {
    release: async () => {
      await Effect.runPromise(Deferred.succeed(done, undefined))
      await Effect.runPromise(Fiber.join(fiber))
    }
  }
}
