/**
 * Runbook "rotate secrets", step 1 (the runtime role's password), tried against a Postgres: the
 * alternating-users rotation of Secrets Manager's managed rotation, in its four steps, and the retirement
 * of the login left behind. Two login roles carry the runtime grants: `manara_app` and `manara_app_alt` (a
 * member of `manara_app`, so it inherits every grant, and RLS applies to it the same). A rotation moves
 * DATABASE_URL to the other login with a fresh password; the login it left keeps working, so tasks still
 * on the old secret (and pools reconnecting in them) are not broken mid-deploy. Once the services have
 * restarted on the new secret, `--retire-previous` waits for the left login's sessions to end and changes
 * its password to one nobody holds: the previous URL is dead.
 *
 * The secret is a JSON file standing in for Secrets Manager: { "AWSCURRENT": url, "AWSPREVIOUS"?: url }.
 * Usage: DATABASE_ADMIN_URL=… node --import tsx scripts/ops/rotate-database-password.ts <secret.json>
 *        DATABASE_ADMIN_URL=… node --import tsx scripts/ops/rotate-database-password.ts <secret.json> --retire-previous [drain seconds]
 * Exit 3: sessions of the previous login were still open after the drain; nothing was changed.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { DbConfig, RUNTIME_ROLE, RUNTIME_TIMEOUTS, RuntimeSqlLive } from "@manara/db"
import { ConfigProvider, Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { readFileSync, renameSync, writeFileSync } from "node:fs"

export const ALTERNATE_ROLE = `${RUNTIME_ROLE}_alt`

interface Secret {
  readonly AWSCURRENT: string
  readonly AWSPREVIOUS?: string
}

const retireOnly = process.argv.includes("--retire-previous")
const [secretFile, drainArg = "60"] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"))
if (secretFile === undefined) {
  console.error("usage: rotate-database-password.ts <secret.json> [drain seconds]")
  process.exit(2)
}
const drainSeconds = Number(drainArg)
const secret = JSON.parse(readFileSync(secretFile, "utf8")) as Secret
const current = new URL(secret.AWSCURRENT)
const database = decodeURIComponent(current.pathname.slice(1))
const leaving = decodeURIComponent((retireOnly ? new URL(secret.AWSPREVIOUS ?? secret.AWSCURRENT) : current).username)
if (retireOnly && leaving === decodeURIComponent(current.username))
  throw new Error("AWSPREVIOUS names the current login: nothing to retire")
if (leaving !== RUNTIME_ROLE && leaving !== ALTERNATE_ROLE) throw new Error(`DATABASE_URL names ${leaving}, not a runtime login`)
const next = leaving === RUNTIME_ROLE ? ALTERNATE_ROLE : RUNTIME_ROLE
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`
/** URL-safe, so the composed URL needs no escaping (as the stack's generated passwords). */
const freshPassword = () => randomBytes(30).toString("base64url")

const step = (name: string, detail: string) => Effect.sync(() => console.log(`${name}: ${detail}`))

const admin = Effect.map(DbConfig.connection(DbConfig.adminUrl), (pg) => PgClient.layer({ ...pg, maxConnections: 1 }))
const asAdmin = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Effect.flatMap(admin, (layer) => Effect.provide(effect, layer))

const rotate = Effect.gen(function* () {
  // 1. createSecret: the pending URL names the other login, with a new password.
  const pending = new URL(secret.AWSCURRENT)
  pending.username = next
  pending.password = freshPassword()
  yield* step("createSecret", `${leaving} -> ${next}`)

  // 2. setSecret: as the administrator, the other login exists with the runtime grants and the new password.
  yield* asAdmin(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      if (next === ALTERNATE_ROLE) {
        const exists = yield* sql`select 1 from pg_roles where rolname = ${ALTERNATE_ROLE}`
        yield* sql.unsafe(
          `${exists.length === 0 ? "create" : "alter"} role ${ALTERNATE_ROLE} login inherit nosuperuser nobypassrls nocreatedb nocreaterole noreplication`
        )
        yield* sql.unsafe(`grant ${RUNTIME_ROLE} to ${ALTERNATE_ROLE}`)
        // Per-role settings are not inherited: the same timeouts as the runtime role.
        for (const [setting, value] of Object.entries(RUNTIME_TIMEOUTS))
          yield* sql.unsafe(`alter role ${ALTERNATE_ROLE} in database ${database} set ${setting} = ${literal(value)}`)
      }
      yield* sql.unsafe(`alter role ${next} password ${literal(decodeURIComponent(pending.password))}`)
    })
  )
  yield* step("setSecret", `${next} has a new password`)

  // 3. testSecret: the app's own pool on the pending URL, and what it may do is the runtime role's, no more.
  const seen = yield* Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ user: string; super: boolean; bypass: boolean; grants: boolean; outbox: number }>`
      select current_user as user, r.rolsuper as super, r.rolbypassrls as bypass,
        pg_has_role(current_user, ${RUNTIME_ROLE}, 'usage') as grants,
        (select count(*)::int from notification_outbox) as outbox
      from pg_roles r where r.rolname = current_user`
  ).pipe(
    Effect.provide(
      RuntimeSqlLive.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", pending.toString()]])))))
    )
  )
  const row = seen[0]!
  if (row.user !== next || row.super || row.bypass || !row.grants || row.outbox !== 0)
    return yield* Effect.dieMessage(`testSecret: ${JSON.stringify(row)} is not a runtime login`)
  yield* step("testSecret", `${next} connects, holds the runtime grants, bypasses nothing (no tenant: 0 outbox rows)`)

  // 4. finishSecret: the pending URL becomes current (atomically: a starting task reads one or the other).
  const written: Secret = { AWSCURRENT: pending.toString(), AWSPREVIOUS: secret.AWSCURRENT }
  writeFileSync(`${secretFile}.tmp`, JSON.stringify(written, null, 2))
  renameSync(`${secretFile}.tmp`, secretFile)
  yield* step("finishSecret", `DATABASE_URL now names ${next}; restart the services so they read it`)
  yield* step("next", `once no task runs on the old secret: --retire-previous changes ${leaving}'s password`)
})

const drainAndRetire = Effect.gen(function* () {
  // 5. Drain: the sessions of the login left behind end as the old tasks stop.
  const deadline = Date.now() + drainSeconds * 1000
  for (;;) {
    const [left] = yield* asAdmin(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where usename = ${leaving} and datname = ${database}`
      )
    )
    if (left!.n === 0) break
    if (Date.now() > deadline) {
      yield* step(
        "drain",
        `${left!.n} sessions of ${leaving} still open after ${drainSeconds} s: its password is NOT changed; run again later`
      )
      return yield* Effect.sync(() => void (process.exitCode = 3))
    }
    yield* Effect.sleep("500 millis")
  }
  yield* step("drain", `no session of ${leaving} is left`)

  // 6. The old password is changed to one nobody holds: the previous URL no longer connects.
  yield* asAdmin(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`alter role ${leaving} password ${literal(freshPassword())}`)))
  yield* step("retire", `${leaving}'s password changed; the previous DATABASE_URL is dead`)
})

Effect.runPromise(retireOnly ? drainAndRetire : rotate).catch((error: unknown) => {
  console.error(String(error))
  process.exitCode = 1
})
