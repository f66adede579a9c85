import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withDatabase, withOwner } from "@manara/testkit"
import { Deferred, Effect, Fiber, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
const { call, memberOf } = apiPeople(() => api.url, urls, pool)
let home: TenantFixture
let owner: Person
const slug = `lane-${randomUUID().slice(0, 6)}`

const capture = (kind: "donations" | "pledges", body: Record<string, unknown>) =>
  fetch(`${api.url}/api/v1/public/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${home.slug}.manara.test` },
    body: JSON.stringify(body)
  })

/**
 * Locks one pledge row in a superuser transaction of its own until released; `blocked()` counts the
 * sessions waiting on that transaction (by its pid, so no other test file's waiters count).
 */
const holdPledge = async (pledgeId: string) => {
  const locked = Effect.runSync(Deferred.make<number>())
  const done = Effect.runSync(Deferred.make<void>())
  const admin = PgClient.layer({ url: Redacted.make(withDatabase(urls.adminUrl, urls.database)), maxConnections: 1 })
  const fiber = Effect.runFork(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.withTransaction(
        Effect.gen(function* () {
          const [me] = yield* sql<{ pid: number }>`select pg_backend_pid() as pid`
          yield* sql`select id from pledges where id = ${pledgeId} for update`
          yield* Deferred.succeed(locked, me!.pid)
          yield* Deferred.await(done)
        })
      )
    ).pipe(Effect.provide(admin))
  )
  const pid = await Effect.runPromise(Deferred.await(locked))
  const blocked = () =>
    withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where ${pid}::int = any (pg_blocking_pids(pid))`
      )
    ).then((rows) => rows[0]!.n)
  return {
    blocked,
    release: async () => {
      await Effect.runPromise(Deferred.succeed(done, undefined))
      await Effect.runPromise(Fiber.join(fiber))
    }
  }
}

beforeAll(async () => {
  // One reference lane per tenant and no queue behind it: a second reference-taking transaction of the
  // tenant is refused at once while the first holds the lane (four connections of its share are free).
  api = await startApi(apiEnv(urls, pool, { DATABASE_TENANT_REFERENCE_LANES: "1", DATABASE_TENANT_QUEUE_LIMIT: "0" }, s3))
  home = await withOwner(urls, createTenant())
  await withOwner(
    urls,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.zipRight(
        sql`update tenants set settings = ${JSON.stringify({ bankTransfer: { iban: "KW81CBKU0000000000001234560101" } })}::jsonb
          where id = ${home.id}`,
        asOwnerInTenant(
          home.id,
          sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
            values (${home.id}, 'project', ${slug}, 'بئر الخير', 'Well of good', 1000, 'sadaqah', 'active')`
        )
      )
    )
  )
  owner = await memberOf(home, "owner")
})
afterAll(async () => {
  await api?.close()
})

describe("fulfilling a pledge takes a reference number", () => {
  it("so it holds the tenant's reference lane, as a capture does: with one lane and no queue, a capture meanwhile is refused", async () => {
    const pledged = await capture("pledges", {
      amount: "40.000",
      project: slug,
      dueDate: "2099-01-01",
      donor: { name: "Lane", phone: "+96560007777" }
    })
    expect(pledged.status).toBe(201)
    const { reference } = (await pledged.json()) as { reference: string }
    const [pledge] = await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from pledges where reference = ${reference}`)
      )
    )
    const held = await holdPledge(pledge!.id)
    try {
      // The move waits inside its transaction, on the pledge's row, holding whatever the gate gave it.
      const fulfilling = call("POST", `/tenant/inbox/pledge/${pledge!.id}/status`, owner, home.slug, { to: "fulfilled" })
      await expect.poll(held.blocked, { timeout: 20_000, interval: 50 }).toBe(1)
      // The lane is the move's: the tenant's next capture finds it taken (without the lane it would be a 201).
      const refused = await capture("donations", {
        amount: "5.000",
        project: slug,
        donor: { name: "Meanwhile" },
        paymentMethod: "bank_transfer"
      })
      expect(refused.status).toBe(503)
      expect(refused.headers.get("content-type")).toContain("application/problem+json")
      await held.release()
      const moved = await fulfilling
      expect(moved.status).toBe(200)
      expect(((await moved.json()) as { entry: { status: string } }).entry.status).toBe("fulfilled")
      // The lane is free again: the same capture now goes through.
      const after = await capture("donations", { amount: "5.000", project: slug, donor: { name: "After" }, paymentMethod: "bank_transfer" })
      expect(after.status).toBe(201)
    } finally {
      await held.release().catch(() => undefined)
    }
  })
})
