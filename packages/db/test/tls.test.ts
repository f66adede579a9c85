import { SqlClient } from "@effect/sql"
import { DbConfig, probePostgres, RuntimeSqlLive } from "@manara/db"
import { makeCertificates, OwnPostgres, type TestCertificates } from "@manara/testkit"
import { Cause, ConfigProvider, Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * DATABASE_CA against a Postgres of the test's own that requires TLS (its pg_hba.conf refuses plain TCP,
 * as RDS's rds.force_ssl does), with a CA and server certificates made here by openssl.
 */
let ca: TestCertificates
let otherCa: TestCertificates
let cluster: OwnPostgres
let plain: OwnPostgres
let rightCert: { cert: string; key: string }

beforeAll(async () => {
  ca = await makeCertificates("Manara test CA")
  otherCa = await makeCertificates("Someone else's CA")
  rightCert = await ca.server(["IP:127.0.0.1", "DNS:db.manara.test"])
  cluster = await OwnPostgres.start({
    files: { "server.crt": rightCert.cert, "server.key": rightCert.key },
    settings: { ssl: "on", ssl_cert_file: "server.crt", ssl_key_file: "server.key" },
    hba: ["hostssl all all 127.0.0.1/32 trust", "hostnossl all all 127.0.0.1/32 reject"]
  })
  plain = await OwnPostgres.start()
}, 120_000)

afterAll(async () => {
  await cluster?.destroy()
  await plain?.destroy()
})

/** The runtime pool exactly as the API and worker build it, from these settings only (not the process's env). */
const withSettings = (settings: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(settings))))

const connectAsApp = (settings: Record<string, string>) =>
  Effect.runPromise(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql<{ ssl: boolean; version: string }>`select ssl, version from pg_stat_ssl where pid = pg_backend_pid()`
    ).pipe(
      Effect.map(([row]) => row!),
      Effect.provide(RuntimeSqlLive.pipe(Layer.provide(withSettings({ DATABASE_ACQUIRE_TIMEOUT: "10 seconds", ...settings })))),
      // The driver's own reason (SqlError wraps it), as the operator would read it in the log.
      Effect.catchAllCause((cause) => Effect.fail(new Error(reasons(Cause.squash(cause)))))
    )
  )

const reasons = (error: unknown): string =>
  error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
    ? [String((error as Error).message), ...("cause" in error && error.cause !== undefined ? [reasons(error.cause)] : [])].join(": ")
    : String(error)

const probe = (settings: Record<string, string>) =>
  Effect.runPromise(Effect.flatten(probePostgres).pipe(Effect.provide(withSettings(settings))))

// The URL's own sslmode would make node-postgres skip verification: DATABASE_CA must win over it.
const url = (port: number, host = "127.0.0.1") => `postgres://postgres@${host}:${port}/postgres?sslmode=no-verify`

describe("Postgres over verified TLS (DATABASE_CA)", () => {
  it("with the right CA the app's pool connects over TLS, even though the URL says sslmode=no-verify; the health probe agrees", async () => {
    const session = await connectAsApp({ DATABASE_URL: url(cluster.port), DATABASE_CA: ca.caFile })
    expect(session.ssl).toBe(true)
    expect(session.version).toMatch(/^TLSv1\.[23]$/)
    expect(await probe({ DATABASE_URL: url(cluster.port), DATABASE_CA: ca.caFile })).toBe(true)
  }, 60_000)

  it("a certificate from another CA is refused (and the RDS bundle does not vouch for it either)", async () => {
    await expect(connectAsApp({ DATABASE_URL: url(cluster.port), DATABASE_CA: otherCa.caFile })).rejects.toThrow(
      /self[- ]signed certificate in certificate chain|unable to (get local issuer|verify)/
    )
    expect(await probe({ DATABASE_URL: url(cluster.port), DATABASE_CA: otherCa.caFile })).toBe(false)
    await expect(connectAsApp({ DATABASE_URL: url(cluster.port), DATABASE_CA: "rds" })).rejects.toThrow(
      /self[- ]signed certificate in certificate chain|unable to (get local issuer|verify)/
    )
  }, 60_000)

  it("the right CA but a certificate for another host name is refused (verify-full, not verify-ca)", async () => {
    const elsewhere = await ca.server(["DNS:elsewhere.example"])
    await cluster.writeFile("server.crt", elsewhere.cert)
    await cluster.writeFile("server.key", elsewhere.key)
    await cluster.reload()
    try {
      await expect(connectAsApp({ DATABASE_URL: url(cluster.port), DATABASE_CA: ca.caFile })).rejects.toThrow(
        /Hostname\/IP does not match certificate's altnames/
      )
    } finally {
      await cluster.writeFile("server.crt", rightCert.cert)
      await cluster.writeFile("server.key", rightCert.key)
      await cluster.reload()
    }
    // Back to the right certificate: the same settings connect again.
    const deadline = Date.now() + 30_000
    for (;;) {
      const session = await connectAsApp({ DATABASE_URL: url(cluster.port), DATABASE_CA: ca.caFile }).catch(() => undefined)
      if (session?.ssl === true) break
      if (Date.now() > deadline) throw new Error("the right certificate was not served again")
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }, 60_000)

  it("no TLS is refused both ways: a plain client by the server that requires TLS, and a server without TLS by the app", async () => {
    await expect(connectAsApp({ DATABASE_URL: `postgres://postgres@127.0.0.1:${cluster.port}/postgres` })).rejects.toThrow(/no encryption/)
    await expect(connectAsApp({ DATABASE_URL: url(plain.port), DATABASE_CA: ca.caFile })).rejects.toThrow(
      /does not support SSL connections/
    )
    // The same server without DATABASE_CA (development): plain, as the URL says.
    const session = await connectAsApp({ DATABASE_URL: `postgres://postgres@127.0.0.1:${plain.port}/postgres` })
    expect(session.ssl).toBe(false)
  }, 60_000)

  it("DATABASE_CA: `rds` is the RDS bundle; a path that holds no certificate is a configuration error, not a silent plain connection", async () => {
    const rds = Effect.runSync(DbConfig.databaseTls.pipe(Effect.provide(withSettings({ DATABASE_CA: "rds" }))))
    expect(rds._tag).toBe("Some")
    const bundle = rds._tag === "Some" ? rds.value : undefined
    expect(Array.isArray(bundle?.ca) && bundle.ca.length).toBeGreaterThan(10)
    expect(bundle?.rejectUnauthorized).toBe(true)
    await expect(connectAsApp({ DATABASE_URL: url(cluster.port), DATABASE_CA: "/nonexistent/ca.pem" })).rejects.toThrow(
      /not "rds" nor a readable PEM file/
    )
    const kept = DbConfig.withTls(Redacted.make(`${url(5432)}&sslrootcert=/x.pem&options=-c%20lock_timeout%3D1`), rds)
    expect(new URL(Redacted.value(kept.url)).search).toBe("?options=-c+lock_timeout%3D1")
  })
})
