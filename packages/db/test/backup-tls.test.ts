import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { dumpDatabase, restoreDatabase } from "@manara/db"
import { makeCertificates, OwnPostgres, startTlsOnlyPostgres, type TestCertificates } from "@manara/testkit"
import { ConfigProvider, Effect, Redacted } from "effect"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * DATABASE_CA for pg_dump and pg_restore (libpq, not the pools' node-postgres) against a Postgres of the test's
 * own that refuses plain TCP, as RDS's rds.force_ssl does: verify-full with the right CA, refused otherwise.
 */
let ca: TestCertificates
let otherCa: TestCertificates
let cluster: OwnPostgres
let plain: OwnPostgres
const folder = mkdtempSync(join(tmpdir(), "manara-backup-tls-"))

const onSocket = <A, E>(cluster: OwnPostgres, effect: Effect.Effect<A, E, SqlClient.SqlClient>, database = "postgres") =>
  Effect.runPromise(
    Effect.provide(effect, PgClient.layer({ url: Redacted.make(cluster.socketUrl(database)), maxConnections: 1 })) as Effect.Effect<
      A,
      never
    >
  )

beforeAll(async () => {
  ca = await makeCertificates("Manara test CA")
  otherCa = await makeCertificates("Someone else's CA")
  cluster = await startTlsOnlyPostgres(ca)
  plain = await OwnPostgres.start()
  // The roles ensureDatabase grants to, and a database with rows to copy.
  await onSocket(
    cluster,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`create role manara_owner`
      yield* sql`create role manara_app login`
      yield* sql`create database shop owner manara_owner`
    })
  )
  await onSocket(
    cluster,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`create table gifts (id int primary key, title text not null)`
      yield* sql`insert into gifts values (1, 'بئر ماء'), (2, 'سلة غذائية')`
    }),
    "shop"
  )
}, 120_000)

afterAll(async () => {
  await cluster?.destroy()
  await plain?.destroy()
  rmSync(folder, { recursive: true, force: true })
})

const withCa = (caSetting: string | undefined) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(caSetting === undefined ? [] : [["DATABASE_CA", caSetting]])))

// An sslmode the URL carries (here: no TLS at all) must not win over DATABASE_CA.
const url = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}?sslmode=disable`

const dump = (port: number, caSetting: string | undefined, file = join(folder, `${Math.random().toString(36).slice(2)}.dump`)) =>
  Effect.runPromise(dumpDatabase(url(port, "shop"), file).pipe(withCa(caSetting), Effect.as(file)))

const failure = (effect: Effect.Effect<unknown, unknown>) => Effect.runPromise(Effect.flip(effect)) as Promise<{ message: string }>

const libpqCaFiles = () => readdirSync(tmpdir()).filter((name) => name.startsWith("manara-libpq-ca-"))

describe("pg_dump and pg_restore over verified TLS (DATABASE_CA)", () => {
  it("with the right CA, a dump and a restore go over TLS even though the URL says sslmode=disable; every row comes back", async () => {
    const file = await dump(cluster.port, ca.caFile)
    await Effect.runPromise(
      restoreDatabase(url(cluster.port, "postgres"), "shop_copy", file).pipe(
        withCa(ca.caFile),
        Effect.provide(PgClient.layer({ url: Redacted.make(cluster.socketUrl()), maxConnections: 1 }))
      )
    )
    const rows = await onSocket(
      cluster,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ title: string }>`select title from gifts order by id`),
      "shop_copy"
    )
    expect(rows.map((row) => row.title)).toEqual(["بئر ماء", "سلة غذائية"])
    // Without DATABASE_CA the URL's sslmode=disable holds, and this server refuses plain connections.
    expect((await failure(dumpDatabase(url(cluster.port, "shop"), join(folder, "plain.dump")).pipe(withCa(undefined)))).message).toMatch(
      /no encryption/
    )
  }, 60_000)

  it("a certificate from another CA is refused, and so is it by the RDS bundle, whose temp file is removed after", async () => {
    expect(
      (await failure(dumpDatabase(url(cluster.port, "shop"), join(folder, "other.dump")).pipe(withCa(otherCa.caFile)))).message
    ).toMatch(/^pg_dump: .*certificate verify failed/)
    const before = libpqCaFiles()
    expect((await failure(dumpDatabase(url(cluster.port, "shop"), join(folder, "rds.dump")).pipe(withCa("rds")))).message).toMatch(
      /^pg_dump: .*certificate verify failed/
    )
    expect(libpqCaFiles()).toEqual(before)
    const file = await dump(cluster.port, ca.caFile)
    const restore = restoreDatabase(url(cluster.port, "postgres"), "shop_refused", file).pipe(
      withCa(otherCa.caFile),
      Effect.provide(PgClient.layer({ url: Redacted.make(cluster.socketUrl()), maxConnections: 1 }))
    )
    expect((await failure(restore)).message).toMatch(/^pg_restore: .*certificate verify failed/)
  }, 60_000)

  it("never falls back to no TLS: a server without TLS is refused, a CA path without a certificate is a configuration error", async () => {
    expect((await failure(dumpDatabase(url(plain.port, "postgres"), join(folder, "plain.dump")).pipe(withCa(ca.caFile)))).message).toMatch(
      /server does not support SSL/
    )
    expect(
      (await failure(dumpDatabase(url(cluster.port, "shop"), join(folder, "bad.dump")).pipe(withCa("/nonexistent/ca.pem")))).message
    ).toMatch(/not "rds" nor a readable PEM file/)
  }, 60_000)
})
