import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Redacted } from "effect"
import { createRequire } from "node:module"
import { acquireTimeout, connection, poolSize, runtimeUrl, runtimeUrlWithTimeouts } from "./DbConfig.js"
import { TenantSql } from "./TenantSql.js"

/**
 * The runtime role's pool and the tenant door on it: what the API and worker run on. A connection is
 * waited for at most DATABASE_ACQUIRE_TIMEOUT; each session carries its statement and lock timeouts; with
 * DATABASE_CA, every connection is verified TLS.
 */
export const RuntimeSqlLive = Layer.unwrapEffect(
  Effect.map(Config.all({ pg: connection(runtimeUrlWithTimeouts), size: poolSize, timeout: acquireTimeout }), ({ pg, size, timeout }) =>
    PgClient.layer({ url: pg.url, ssl: pg.ssl, maxConnections: size, connectTimeout: timeout, applicationName: "manara" })
  )
)

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
export const probePostgres = Effect.map(connection(runtimeUrl), ({ ssl, url }) =>
  Effect.tryPromise(async () => {
    const client = new Client({ connectionString: Redacted.value(url), ssl, connectionTimeoutMillis: 1000, query_timeout: 1000 })
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
