import { SqlClient } from "@effect/sql"
import { Data, Effect, Option, Redacted } from "effect"
import { execFile } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { databaseTls, withTls } from "./DbConfig.js"
import { ensureDatabase } from "./Roles.js"

/** pg_dump or pg_restore failed: its message (never a URL: the password would be in it). */
export class BackupFailed extends Data.TaggedError("BackupFailed")<{ readonly step: "dump" | "restore"; readonly message: string }> {}

/**
 * libpq's side of DATABASE_CA (pg_dump and pg_restore never see the pools' Node TLS options): set, the tool
 * runs with PGSSLMODE=verify-full and PGSSLROOTCERT, a private temp copy of the same CAs (the `rds` bundle
 * lives in an npm package, not a file), removed after; the URL's own TLS parameters go, since libpq lets
 * them win over the environment. Unset (development, tests): the URL as given.
 */
const libpqConnection = (step: "dump" | "restore", url: string) =>
  Effect.gen(function* () {
    const tls = yield* databaseTls
    if (Option.isNone(tls)) return { url, env: process.env }
    const ca = tls.value.ca
    const pem = Array.isArray(ca) ? ca.join("\n") : String(ca)
    const directory = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => mkdtemp(join(tmpdir(), "manara-libpq-ca-")),
        catch: (error) => new BackupFailed({ step, message: `the CA file for ${step}: ${String(error)}` })
      }),
      (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true }))
    )
    const caFile = join(directory, "ca.pem")
    yield* Effect.tryPromise({
      try: () => writeFile(caFile, pem, { mode: 0o600 }),
      catch: (error) => new BackupFailed({ step, message: `the CA file for ${step}: ${String(error)}` })
    })
    return {
      url: Redacted.value(withTls(Redacted.make(url), tls).url),
      env: { ...process.env, PGSSLMODE: "verify-full", PGSSLROOTCERT: caFile }
    }
  })

const run = (step: "dump" | "restore", command: string, url: string, args: ReadonlyArray<string>) =>
  Effect.scoped(
    Effect.flatMap(libpqConnection(step, url), (connection) => spawn(step, command, ["--dbname", connection.url, ...args], connection.env))
  )

const spawn = (step: "dump" | "restore", command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  Effect.async<void, BackupFailed>((resume) => {
    const child = execFile(command, [...args], { env, maxBuffer: 16 * 1024 * 1024 }, (error, _out, stderr) =>
      // stderr, not error.message: the latter repeats the command line, URL and password included.
      resume(
        error === null
          ? Effect.void
          : Effect.fail(new BackupFailed({ step, message: `${command}: ${stderr.trim() || `exit ${error.code}`}` }))
      )
    )
    return Effect.sync(() => child.kill())
  })

/** The whole database at `url` (schema, data, owners, grants, policies) into `file`, pg_dump's custom format; over verified TLS with DATABASE_CA. */
export const dumpDatabase = (url: string, file: string) => run("dump", "pg_dump", url, ["--format=custom", "--file", file])

/**
 * A new database `name`, made as `ensureDatabase` makes every database (owner, no TEMP for the runtime
 * role, its timeouts), then `file` restored into it as the administrator of `adminUrl`: owners, grants
 * and row-level security come back as they were. Stops at the first error.
 */
export const restoreDatabase = (adminUrl: string, name: string, file: string) =>
  Effect.gen(function* () {
    yield* ensureDatabase(name)
    const target = new URL(adminUrl)
    target.pathname = `/${name}`
    yield* run("restore", "pg_restore", target.toString(), ["--exit-on-error", "--single-transaction", file])
  })

/**
 * Exact rows per table of the public schema, by name: what a restore is compared with. Run it as an
 * administrator: row-level security hides every tenant's rows from the owner and runtime roles.
 */
export const rowCounts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`
  const counts: Record<string, number> = {}
  for (const { name } of tables) {
    const [row] = yield* sql<{ n: number }>`select count(*)::int as n from ${sql(name)}`
    counts[name] = row!.n
  }
  return counts
})
