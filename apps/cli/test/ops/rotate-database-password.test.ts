import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { ensureDatabase, ensureRoles, runMigrations, RuntimeSqlLive } from "@manara/db"
import { OwnPostgres } from "@manara/testkit"
import { Cause, ConfigProvider, Effect, Exit, Layer, Redacted, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../..", import.meta.url))

/** A Postgres of the test's own that checks passwords (scram-sha-256) on TCP, as RDS does. */
let cluster: OwnPostgres
let secretFile: string

const tcpUrl = (user: string, password: string) => `postgres://${user}:${password}@127.0.0.1:${cluster.port}/manara`
const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })

beforeAll(async () => {
  cluster = await OwnPostgres.start({
    hba: ["host all all 127.0.0.1/32 scram-sha-256"],
    settings: { password_encryption: "scram-sha-256" }
  })
  const owner = tcpUrl("manara_owner", "owner-password-1")
  const runtime = tcpUrl("manara_app", "app-password-1")
  await Effect.runPromise(
    Effect.zipRight(ensureRoles({ owner, runtime }), ensureDatabase("manara")).pipe(Effect.provide(client(cluster.socketUrl())))
  )
  await Effect.runPromise(runMigrations().pipe(Effect.provide(Layer.merge(client(owner), NodeContext.layer))))
  secretFile = join(mkdtempSync(join(tmpdir(), "manara-secret-")), "database-url.json")
  writeFileSync(secretFile, JSON.stringify({ AWSCURRENT: runtime }))
}, 180_000)

afterAll(async () => {
  await cluster?.destroy()
})

const readSecret = () => JSON.parse(readFileSync(secretFile, "utf8")) as { AWSCURRENT: string; AWSPREVIOUS?: string }

/** A service's database pool as a task builds it at start: DATABASE_URL read from the secret then, never again. */
const startApp = async () => {
  const scope = Effect.runSync(Scope.make())
  const layer = RuntimeSqlLive.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", readSecret().AWSCURRENT]]))))
  )
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const whoAmI = () =>
    Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ user: string }>`select current_user as user`).pipe(
        Effect.map(([row]) => row!.user),
        Effect.provide(context)
      )
    )
  return { whoAmI, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** The driver's own reason under SqlError's, as the log shows it. */
const reasons = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error
    ? [String(error.message), ...("cause" in error && error.cause !== undefined ? [reasons(error.cause)] : [])].join(": ")
    : String(error)

const connects = (url: string) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql`select 1`).pipe(
      Effect.provide(client(url)),
      Effect.as("connects"),
      Effect.catchAllCause((cause) => Effect.succeed(reasons(Cause.squash(cause))))
    )
  )

/** The script as an operator runs it; its lines come in as it goes. */
const runScript = (...args: Array<string>) => {
  let out = ""
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/ops/rotate-database-password.ts", secretFile, ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_ADMIN_URL: cluster.socketUrl("manara") }
  })
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()))
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)))
  const until = async (text: string) => {
    const deadline = Date.now() + 90_000
    while (!out.includes(text)) {
      if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${out}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return { exited, until, output: () => out }
}

/** A task that stays on a login, with a session held open (a pool that does not idle out). */
const holdSession = async (url: string) => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(PgClient.layer({ url: Redacted.make(url), maxConnections: 1, idleTimeout: "10 minutes" }), scope)
  )
  await Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`select 1`).pipe(Effect.provide(context)))
  return () => Effect.runPromise(Scope.close(scope, Exit.void))
}

describe("runbook: rotate the database password (alternating users)", () => {
  it("moves DATABASE_URL to the other login, the old one keeps working until retired, then its password is dead", async () => {
    const first = readSecret().AWSCURRENT
    const oldApp = await startApp()
    expect(await oldApp.whoAmI()).toBe("manara_app")

    const rotation = runScript()
    expect(await rotation.exited, rotation.output()).toBe(0)
    expect(rotation.output()).toMatch(/createSecret[\s\S]*setSecret[\s\S]*testSecret[\s\S]*finishSecret/)
    // A task started now reads the new secret: the alternate login, with the runtime grants.
    const newApp = await startApp()
    expect(await newApp.whoAmI()).toBe("manara_app_alt")
    // The old task keeps working, new connections included, until the old login is retired.
    expect(await oldApp.whoAmI()).toBe("manara_app")
    expect(await connects(first)).toBe("connects")
    const secret = readSecret()
    expect(secret.AWSPREVIOUS).toBe(first)
    expect(new URL(secret.AWSCURRENT).username).toBe("manara_app_alt")
    // The alternate login is the runtime role's equal: it bypasses nothing, and RLS hides every tenant's rows.
    const [row] = await Effect.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ super: boolean; bypass: boolean; rows: number }>`select rolsuper as super, rolbypassrls as bypass,
          (select count(*)::int from notification_outbox) as rows from pg_roles where rolname = current_user`
      ).pipe(Effect.provide(client(secret.AWSCURRENT)))
    )
    expect(row).toEqual({ super: false, bypass: false, rows: 0 })

    // A task still on the old login: retiring waits for it, and changes nothing when it does not end.
    const stillThere = await holdSession(first)
    const early = runScript("--retire-previous", "2")
    expect(await early.exited, early.output()).toBe(3)
    expect(early.output()).toMatch(/\d+ sessions of manara_app still open after 2 s: its password is NOT changed/)
    expect(await connects(first)).toBe("connects")
    await stillThere()
    await oldApp.stop()

    const retire = runScript("--retire-previous", "60")
    expect(await retire.exited, retire.output()).toBe(0)
    expect(retire.output()).toMatch(/retire: manara_app's password changed/)
    expect(await connects(first)).toMatch(/password authentication failed for user "manara_app"/)
    expect(await connects(secret.AWSCURRENT)).toBe("connects")
    expect(await newApp.whoAmI()).toBe("manara_app_alt")

    // The next rotation goes back to manara_app, with a password nobody had before.
    const back = runScript()
    expect(await back.exited, back.output()).toBe(0)
    const third = readSecret()
    expect(new URL(third.AWSCURRENT).username).toBe("manara_app")
    expect(third.AWSCURRENT).not.toBe(first)
    expect(await connects(third.AWSCURRENT)).toBe("connects")
    await newApp.stop()
    expect(await runScript("--retire-previous", "60").exited).toBe(0)
    expect(await connects(secret.AWSCURRENT)).toMatch(/password authentication failed for user "manara_app_alt"/)
  }, 240_000)
})
