import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** The role names migrations grant to; fixed so that a migration can name them. */
export const OWNER_ROLE = "manara_owner"
export const RUNTIME_ROLE = "manara_app"
/**
 * Owns only the few SECURITY DEFINER functions that must read tenant tables across tenants (a user's
 * memberships, platform aggregates): RLS is forced on every owner, so those need a role that bypasses
 * it. Nobody can log in as it, the runtime role is not a member, and it has SELECT on what they read.
 */
export const DOORS_ROLE = "manara_doors"

const passwordOf = (url: string): string => decodeURIComponent(new URL(url).password)
const databaseOf = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1))

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

/**
 * How long the runtime role may wait, set on the role in each database. Tenant transactions are not
 * interrupted by design, so without these one stuck statement would hold a pool connection forever.
 */
export const RUNTIME_TIMEOUTS = {
  statement_timeout: "15s",
  lock_timeout: "5s",
  idle_in_transaction_session_timeout: "30s"
} as const

/**
 * Creates (or re-aligns) the two roles. Runs as an administrator, once per cluster; safe to repeat.
 * The runtime role can log in and nothing else: no superuser, no RLS bypass, no CREATEDB, no CREATEROLE.
 */
export const ensureRoles = (urls: { readonly owner: string; readonly runtime: string }) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    for (const [role, url] of [
      [OWNER_ROLE, urls.owner],
      [RUNTIME_ROLE, urls.runtime]
    ] as const) {
      const exists = yield* sql<{ n: number }>`select 1 as n from pg_roles where rolname = ${role}`
      const verb = exists.length === 0 ? "create" : "alter"
      const password = passwordOf(url)
      yield* sql.unsafe(
        `${verb} role ${role} login nosuperuser nobypassrls nocreatedb nocreaterole noreplication` +
          (password === "" ? "" : ` password ${literal(password)}`)
      )
    }
    const doors = yield* sql<{ n: number }>`select 1 as n from pg_roles where rolname = ${DOORS_ROLE}`
    yield* sql.unsafe(`${doors.length === 0 ? "create" : "alter"} role ${DOORS_ROLE} nologin nosuperuser bypassrls nocreatedb nocreaterole`)
    // The owner hands the door functions over to it in migrations.
    yield* sql.unsafe(`grant ${DOORS_ROLE} to ${OWNER_ROLE}`)
  })

/** Creates the application database owned by the owner role, unless it exists. */
export const ensureDatabase = (database: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) return yield* Effect.dieMessage(`bad database name ${database}`)
    const exists = yield* sql<{ n: number }>`select 1 as n from pg_database where datname = ${database}`
    if (exists.length === 0) yield* sql.unsafe(`create database ${database} owner ${OWNER_ROLE}`)
    // The runtime role may connect, and nothing more until migrations grant it: no TEMP either, as a
    // temporary view named like a table is how a definer function would be hijacked.
    yield* sql.unsafe(`revoke all on database ${database} from public`)
    yield* sql.unsafe(`revoke temporary on database ${database} from ${RUNTIME_ROLE}`)
    yield* sql.unsafe(`grant connect on database ${database} to ${RUNTIME_ROLE}`)
    for (const [setting, value] of Object.entries(RUNTIME_TIMEOUTS)) {
      yield* sql.unsafe(`alter role ${RUNTIME_ROLE} in database ${database} set ${setting} = ${literal(value)}`)
    }
  })

export const dropDatabase = (database: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) return yield* Effect.dieMessage(`bad database name ${database}`)
    yield* sql.unsafe(`drop database if exists ${database} with (force)`)
  })

export { databaseOf }
