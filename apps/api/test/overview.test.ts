import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import {
  apiEnv,
  apiPeople,
  asOwnerInTenant,
  createTenant,
  onOneKuwaitDay,
  type Person,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
const { call, memberOf } = apiPeople(() => api.url, urls, pool)

let home: TenantFixture
let other: TenantFixture
let member: Person
let otherOwner: Person
const slug = `overview-${randomUUID().slice(0, 6)}`

const donate = async (amount: string, tenant: TenantFixture = home) => {
  const response = await fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.manara.test` },
    body: JSON.stringify({ amount, project: slug, donor: { name: "سارة", phone: "+96560001111" }, paymentMethod: "bank_transfer" })
  })
  expect(response.status).toBe(201)
  return (await response.json()) as { reference: string }
}
const pledge = async (amount: string) => {
  const response = await fetch(`${api.url}/api/v1/public/pledges`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${home.slug}.manara.test` },
    body: JSON.stringify({ amount, project: slug, dueDate: "2099-01-01", donor: { name: "Yousef", phone: "+96560002222" } })
  })
  expect(response.status).toBe(201)
  return (await response.json()) as { reference: string }
}

const inTenant = <A>(tenant: TenantFixture, query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  withOwner(urls, asOwnerInTenant(tenant.id as TenantId, Effect.flatMap(SqlClient.SqlClient, query)))
/** Moves a capture to a chosen instant (UTC), as if it had come then. */
const backdate = (table: "donations" | "pledges", reference: string, at: string) =>
  inTenant(home, (sql) => sql`update ${sql(table)} set created_at = ${at}::timestamptz where reference = ${reference}`)

const prepare = (tenantId: TenantId) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({ bankTransfer: { iban: "KW81CBKU0000000000001234560101" } })}::jsonb where id = ${tenantId}`
    yield* asOwnerInTenant(
      tenantId,
      sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
      values (${tenantId}, 'project', ${slug}, 'بئر الخير', 'Well of good', 1000, 'sadaqah', 'active')`
    )
  })

type Totals = Record<"order" | "donation" | "pledge", { count: number; amount: string }>
type Overview = {
  day: string
  today: Totals
  month: Totals
  awaitingPayment: { total: { count: number; amount: string }; entries: Array<{ reference: string }> }
  latest: Array<{ reference: string }>
}
const overview = async (query = "", as: Person = member, tenant: TenantFixture = home) => {
  const response = await call("GET", `/tenant/overview${query}`, as, tenant.slug)
  expect(response.status).toBe(200)
  return (await response.json()) as Overview
}

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000" }, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  await withOwner(urls, Effect.all([prepare(home.id as TenantId), prepare(other.id as TenantId)]))
  member = await memberOf(home, "member")
  otherOwner = await memberOf(other, "owner", "other")
})
afterAll(async () => {
  await api?.close()
})

describe("the dashboard's home figures", () => {
  it("counts a Kuwait day and its month: 23:30 UTC is already the next day, 20:59 UTC still the same one", async () => {
    // Kuwait is UTC+3: 2026-03-09 23:30 UTC is 2026-03-10 02:30 in Kuwait; 2026-03-10 20:59 UTC is 23:59 there.
    const early = await donate("10.500")
    await backdate("donations", early.reference, "2026-03-09T23:30:00Z")
    const late = await donate("2.250")
    await backdate("donations", late.reference, "2026-03-10T20:59:00Z")
    const nextDay = await donate("100.000")
    await backdate("donations", nextDay.reference, "2026-03-10T21:00:00Z")
    const before = await donate("7.000")
    await backdate("donations", before.reference, "2026-03-09T20:59:00Z")
    // 2026-02-28 21:30 UTC is March 1st in Kuwait: this month's, not February's.
    const firstOfMonth = await pledge("40.000")
    await backdate("pledges", firstOfMonth.reference, "2026-02-28T21:30:00Z")
    const cancelled = await donate("999.000")
    await backdate("donations", cancelled.reference, "2026-03-10T10:00:00Z")
    await inTenant(home, (sql) => sql`update donations set status = 'cancelled' where reference = ${cancelled.reference}`)

    const tenth = await overview("?day=2026-03-10")
    expect(tenth.day).toBe("2026-03-10")
    expect(tenth.today.donation).toEqual({ count: 2, amount: "12.750" })
    expect(tenth.today.pledge).toEqual({ count: 0, amount: "0.000" })
    expect(tenth.today.order).toEqual({ count: 0, amount: "0.000" })
    expect(tenth.month.donation).toEqual({ count: 4, amount: "119.750" })
    expect(tenth.month.pledge).toEqual({ count: 1, amount: "40.000" })

    expect((await overview("?day=2026-03-09")).today.donation).toEqual({ count: 1, amount: "7.000" })
    expect((await overview("?day=2026-03-11")).today.donation).toEqual({ count: 1, amount: "100.000" })
    const february = await overview("?day=2026-02-28")
    expect(february.month.pledge).toEqual({ count: 0, amount: "0.000" })
    expect(february.month.donation).toEqual({ count: 0, amount: "0.000" })
  })

  it("lists payments awaiting confirmation and the latest captures, today by default, this tenant's only", async () => {
    await onOneKuwaitDay(async (today) => {
      const fresh = await donate("3.125")
      const theirs = await donate("55.000", other)
      const now = await overview()
      expect(now.day).toBe(today)
      expect(now.today.donation.count).toBeGreaterThanOrEqual(1)
      expect(now.latest[0]!.reference).toBe(fresh.reference)
      expect(now.latest.length).toBeLessThanOrEqual(5)
      expect(now.awaitingPayment.entries.map((entry) => entry.reference)).toContain(fresh.reference)
      const awaiting = now.awaitingPayment.total.count

      // Payment received: no longer awaiting.
      const [row] = await inTenant(home, (sql) => sql<{ id: string }>`select id from donations where reference = ${fresh.reference}`)
      const owner = await memberOf(home, "owner")
      expect((await call("POST", `/tenant/inbox/donation/${row!.id}/payment`, owner, home.slug, { state: "received" })).status).toBe(200)
      const after = await overview()
      expect(after.awaitingPayment.total.count).toBe(awaiting - 1)
      expect(after.awaitingPayment.entries.map((entry) => entry.reference)).not.toContain(fresh.reference)

      // The other tenant sees its own donation only.
      const theirsNow = await overview("", otherOwner, other)
      expect(theirsNow.latest.map((entry) => entry.reference)).toEqual([theirs.reference])
      expect(theirsNow.today.donation).toEqual({ count: 1, amount: "55.000" })
    })
  })

  it("bad input is a 400 problem, a foreign or unknown tenant a 404, no session a 401", async () => {
    for (const query of ["?day=2026-02-30", "?day=yesterday", "?day=2026-3-1"]) {
      const response = await call("GET", `/tenant/overview${query}`, member, home.slug)
      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
    }
    expect((await call("GET", "/tenant/overview", member, "Not A Slug")).status).toBe(400)
    expect((await call("GET", "/tenant/overview", otherOwner, home.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/overview", member, other.slug)).status).toBe(404)
    expect((await call("GET", "/tenant/overview", member, "no-such-tenant")).status).toBe(404)
    expect((await call("GET", "/tenant/overview", undefined, home.slug)).status).toBe(401)
  })
})
