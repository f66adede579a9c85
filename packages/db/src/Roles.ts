import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** The role names migrations grant to; fixed so that a migration can name them. */
export const OWNER_ROLE = "manara_owner"
export const RUNTIME_ROLE = "manara_app"

const passwordOf = (url: string): string => decodeURIComponent(new URL(url).password)
const databaseOf = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1))

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

/**
 * Creates (or re-aligns) the two roles. Runs as an administrator, once per cluster; safe to repeat.
 * The runtime role can log in and nothing else: no superuser, no RLS bypass, no CREATEDB, no CREATEROLE.
 */
export const ensureRoles = (urls: { readonly owner: string; readonly runtime: string }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const [role, url] of [[OWNER_ROLE, urls.owner], [RUNTIME_ROLE, urls.runtime]] as const) {
      const exists = yield* sql<{ n: number }>`select 1 as n from pg_roles where rolname = ${role}`
      const verb = exists.length === 0 ? "create" : "alter"
      const password = passwordOf(url)
      yield* sql.unsafe(
        `${verb} role ${role} login nosuperuser nobypassrls nocreatedb nocreaterole noreplication` +
          (password === "" ? "" : ` password ${literal(password)}`)
      )
    }
  })

/** Creates the application database owned by the owner role, unless it exists. */
export const ensureDatabase = (database: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) return yield* Effect.dieMessage(`bad database name ${database}`)
    const exists = yield* sql<{ n: number }>`select 1 as n from pg_database where datname = ${database}`
    if (exists.length === 0) yield* sql.unsafe(`create database ${database} owner ${OWNER_ROLE}`)
    // The runtime role may connect, and nothing more until migrations grant it.
    yield* sql.unsafe(`revoke all on database ${database} from public`)
    yield* sql.unsafe(`grant connect, temporary on database ${database} to ${RUNTIME_ROLE}`)
  })

export const dropDatabase = (database: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) return yield* Effect.dieMessage(`bad database name ${database}`)
    yield* sql.unsafe(`drop database if exists ${database} with (force)`)
  })

export { databaseOf }
