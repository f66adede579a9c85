import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Redacted } from "effect"
import { createRequire } from "node:module"
import { acquireTimeout, poolSize, runtimeUrl, runtimeUrlWithTimeouts } from "./DbConfig.js"
import { TenantSql } from "./TenantSql.js"

/**
 * The runtime role's pool and the tenant door on it: what the API and worker run on. A connection is
 * waited for at most DATABASE_ACQUIRE_TIMEOUT; each session carries its statement and lock timeouts.
 */
export const RuntimeSqlLive = PgClient.layerConfig({
  url: runtimeUrlWithTimeouts,
  maxConnections: poolSize,
  connectTimeout: acquireTimeout,
  applicationName: Config.succeed("manara")
})

export const TenantSqlLive = TenantSql.Default.pipe(Layer.provideMerge(RuntimeSqlLive))

interface ProbeClient {
  connect(): Promise<void>
  query(text: string): Promise<unknown>
  end(): Promise<void>
}
const { Client } = createRequire(import.meta.url)("pg") as { Client: new (config: object) => ProbeClient }

/**
 * Whether Postgres answers the runtime role, on a connection of its own outside the pool (within a
 * second): a saturated pool or a held lock does not make Postgres look down.
 */
export const probePostgres = Effect.map(runtimeUrl, (url) =>
  Effect.tryPromise(async () => {
    const client = new Client({ connectionString: Redacted.value(url), connectionTimeoutMillis: 1000, query_timeout: 1000 })
    try {
      await client.connect()
      await client.query("select 1")
    } finally {
      await client.end().catch(() => undefined)
    }
  }).pipe(
    Effect.timeout("1500 millis"),
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )
)
