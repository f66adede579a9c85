import { SqlClient } from "@effect/sql"
import type { TenantId } from "@manara/domain"
import { asOwnerInTenant, createTenant, type TenantFixture, type TestDatabaseUrls, withOwner } from "@manara/testkit"
import { PgClient } from "@effect/sql-pg"
import { Deferred, Effect, Redacted } from "effect"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"

const apiDirectory = fileURLToPath(new URL("../..", import.meta.url))

/** The API as its own process (`src/main.ts`), on a port it picked and reported. */
export interface ApiChild {
  readonly url: string
  readonly child: ChildProcessWithoutNullStreams
  readonly output: () => string
  /** Resolves with the exit code (null when killed by a signal) and when it came. */
  readonly exited: Promise<{ code: number | null; at: number }>
}

export const spawnApi = async (env: Record<string, string>): Promise<ApiChild> => {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: apiDirectory,
    env: { ...process.env, API_PORT: "0", LOG_LEVEL: "Info", ...env },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let output = ""
  child.stderr.on("data", (chunk) => (output += chunk))
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on("exit", (code) => resolve({ code, at: Date.now() }))
  )
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve(match[1]!)
    })
    void exited.then(({ code }) => reject(new Error(`the API exited early with ${code}: ${output}`)))
  })
  return { url, child, output: () => output, exited }
}

/** A tenant that takes donations by bank transfer, with an open project. */
export const donationTenant = async (urls: TestDatabaseUrls): Promise<TenantFixture & { project: string }> => {
  const tenant = await withOwner(urls, createTenant())
  const project = `well-${randomUUID().slice(0, 6)}`
  await withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`update tenants set settings = ${JSON.stringify({
        bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
        donations: { minimum: "1.000", maximum: "5000.000" },
        contact: { email: "office@example.com" }
      })}::jsonb where id = ${tenant.id}`
      yield* asOwnerInTenant(
        tenant.id,
        sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenant.id}, 'project', ${project}, 'بئر ماء', 100000, 'zakat', 'active')`
      )
    })
  )
  return { ...tenant, project }
}

export const donate = (base: string, tenant: TenantFixture & { project: string }, key?: string, init: RequestInit = {}) =>
  fetch(`${base}/api/v1/public/donations`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-host": `${tenant.slug}.manara.test`,
      ...(key === undefined ? {} : { "idempotency-key": key })
    },
    body: JSON.stringify({
      amount: "5.000",
      project: tenant.project,
      donor: { name: "أم محمد", email: "donor@example.com" },
      paymentMethod: "bank_transfer"
    }),
    ...init
  })

/** As the owner inside the tenant: what the database really holds. */
export const ownerRows = <A extends object>(
  urls: TestDatabaseUrls,
  tenantId: TenantId,
  query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>
) => withOwner(urls, asOwnerInTenant(tenantId, Effect.flatMap(SqlClient.SqlClient, query)))

/** Every answered donation has its row, its outbox rows and its audit row; references have no gaps. */
export const everyAnswerKept = async (urls: TestDatabaseUrls, tenantId: TenantId, references: ReadonlyArray<string>) => {
  const rows = await ownerRows(
    urls,
    tenantId,
    (sql) =>
      sql<{ reference: string; outbox: number; audit: number }>`
      select d.reference,
        (select count(*)::int from notification_outbox o where o.payload->>'id' = d.id::text) as outbox,
        (select count(*)::int from audit_log a where a.entity_id = d.id::text and a.action = 'donation.created') as audit
      from donations d order by d.reference`
  )
  const byReference = new Map(rows.map((row) => [row.reference, row]))
  const missing = references.filter((reference) => byReference.get(reference) === undefined)
  const incomplete = rows.filter((row) => row.outbox < 1 || row.audit !== 1)
  const numbers = rows.map((row) => Number(row.reference.split("-").pop()))
  const gaps = numbers.filter((n, index) => n !== index + 1)
  return { count: rows.length, missing, incomplete, gaps }
}

/**
 * Holds the tenant's donation reference counter locked (an open transaction that upserted it, rolled
 * back on release): captures of that tenant wait in Postgres until then, and no number is used.
 */
export const holdCounter = async (urls: TestDatabaseUrls, tenantId: TenantId) => {
  const locked = Effect.runSync(Deferred.make<void>())
  const release = Effect.runSync(Deferred.make<void>())
  const done = withOwner(
    urls,
    asOwnerInTenant(
      tenantId,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`insert into reference_counters (tenant_id, kind, year, next_value)
      values (${tenantId}, 'DON', extract(year from now() at time zone 'Asia/Kuwait')::int, 2)
      on conflict (tenant_id, kind, year) do update set next_value = reference_counters.next_value + 1`
        yield* Deferred.succeed(locked, undefined)
        yield* Deferred.await(release)
        return yield* Effect.fail("roll back")
      })
    ).pipe(Effect.catchAll(() => Effect.void))
  )
  await Effect.runPromise(Deferred.await(locked))
  return async () => {
    await Effect.runPromise(Deferred.succeed(release, undefined))
    await done
  }
}

const asAdmin = <A>(urls: TestDatabaseUrls, query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.provide(
      Effect.flatMap(SqlClient.SqlClient, query),
      PgClient.layer({ url: Redacted.make(urls.adminUrl), maxConnections: 1 })
    ).pipe(Effect.orDie)
  )

/** Ends the sessions waiting on a lock, as a lost machine's connections end: their transactions roll back. */
export const terminateLockWaiters = (urls: TestDatabaseUrls) =>
  asAdmin(
    urls,
    (sql) => sql`select pg_terminate_backend(pid) from pg_stat_activity
    where datname = ${urls.database} and wait_event_type = 'Lock'`
  )

/** Waits until at least `n` sessions wait on a lock (captures stuck behind `holdCounter`). */
export const lockWaiters = async (urls: TestDatabaseUrls, n: number, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    // Only a superuser sees what other roles' sessions wait on.
    const [row] = await asAdmin(
      urls,
      (sql) =>
        sql<{ waiting: number }>`select count(*)::int as waiting from pg_stat_activity
        where datname = ${urls.database} and wait_event_type = 'Lock'`
    )
    if (row!.waiting >= n) return row!.waiting
    if (Date.now() > deadline) throw new Error(`only ${row!.waiting} sessions wait on a lock`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
