import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import {
  apiEnv,
  apiPeople,
  asOwnerInTenant,
  createTenant,
  kuwaitDay,
  onOneKuwaitDay,
  type Person,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
let home: TenantFixture
let other: TenantFixture
let owner: Person
let projectSlug: string
const people = apiPeople(() => api.url, urls, pool)
const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`

const visit = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  visitorId: randomBytes(16).toString("hex"),
  source: null,
  medium: null,
  campaign: null,
  term: null,
  content: null,
  referrerHost: null,
  landingPath: "/",
  device: "mobile",
  language: "ar",
  ...overrides
})

const record = (body: unknown, tenant: TenantFixture = home) =>
  fetch(`${api.url}/api/v1/public/traffic`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(tenant) },
    body: JSON.stringify(body)
  })

const json = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a problem or answer body, read field by field in assertions
  body: (await response.json()) as any
})

const kpis = (query: string, tenant: string = home.slug, person: Person | undefined = owner) =>
  people.call("GET", `/tenant/kpis?${query}`, person, tenant)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" }, s3))
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  projectSlug = `well-${randomUUID().slice(0, 6)}`
  await withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`update tenants set settings = ${JSON.stringify({
        bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
        donations: { minimum: "1.000", maximum: "5000.000" }
      })}::jsonb where id = ${home.id}`
      yield* asOwnerInTenant(
        home.id,
        sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
      values (${home.id}, 'project', ${projectSlug}, 'بئر ماء', 'A water well', 1000, 'zakat', 'active')`
      )
    })
  )
  owner = await people.memberOf(home, "member")
})
afterAll(async () => {
  await api?.close()
})

const donate = (amount: string, touch: { visitId?: string; firstVisitId?: string }) =>
  fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": hostOf(home) },
    body: JSON.stringify({
      amount,
      project: projectSlug,
      donor: { name: "أم محمد", phone: "+965 5000 1234" },
      paymentMethod: "bank_transfer",
      ...touch
    })
  })

/** A query in the home tenant, as its owner. */
const inHome = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
  withOwner(urls, asOwnerInTenant(home.id, Effect.flatMap(SqlClient.SqlClient, query)))

describe("a campaign's visits and the donation they brought", () => {
  it("shows the donation under its campaign, with the amount and conversion rate the fixture gives", async () => {
    await onOneKuwaitDay(async (today) => {
      const campaign = `ramadan-${randomUUID().slice(0, 6)}`
      const tagged = { source: "whatsapp", medium: "broadcast", campaign }
      // Fixture: 4 visits of the campaign, one of which gives twice (12.500 and 7.250), plus 2 untagged visits.
      const visits = [visit(tagged), visit(tagged), visit(tagged), visit(tagged), visit(), visit({ visitorId: null })]
      const donations = [
        { amount: "12.500", visit: visits[0]! },
        { amount: "7.250", visit: visits[0]! }
      ]
      const before = (await json(await kpis(`from=${today}&to=${today}`))).body

      const recorded = await json(
        await record({
          visits,
          events: [
            { name: "view_item", visitId: visits[0]!.id, item: projectSlug },
            { name: "start_checkout", visitId: visits[0]!.id, item: projectSlug }
          ]
        })
      )
      expect(recorded.status).toBe(202)
      expect(recorded.body).toEqual({ visits: 6, events: 2 })
      // The same visits again (a retried flush) are not counted twice.
      expect((await json(await record({ visits, events: [] }))).body).toEqual({ visits: 0, events: 0 })

      for (const gift of donations)
        expect((await donate(gift.amount, { visitId: gift.visit.id, firstVisitId: gift.visit.id })).status).toBe(201)

      const after = await json(await kpis(`from=${today}&to=${today}`))
      expect(after.status).toBe(200)
      const row = after.body.campaigns.find((line: { campaign: string | null }) => line.campaign === campaign)
      const campaignVisits = visits.filter((v) => v.campaign === campaign).length
      expect(row).toEqual({
        source: "whatsapp",
        medium: "broadcast",
        campaign,
        visits: campaignVisits,
        captures: donations.length,
        raised: "19.750",
        conversionRate: Math.round((donations.length / campaignVisits) * 10_000) / 10_000
      })
      expect(after.body.visits - before.visits).toBe(visits.length)
      // Two visitors hashed the same would be one; here every hash differs and the DNT visit counts alone.
      expect(after.body.uniqueVisitors - before.uniqueVisitors).toBe(visits.length)
      expect(after.body.captures.donation - before.captures.donation).toBe(2)
      expect(after.body.funnel.viewedItem - before.funnel.viewedItem).toBe(1)
      expect(after.body.funnel.startedCheckout - before.funnel.startedCheckout).toBe(1)
      expect(after.body.topProjects[0]).toMatchObject({ slug: projectSlug, titleEn: "A water well" })

      // First touch and last touch are both kept on the donation.
      const [stored] = await inHome(
        (sql) =>
          sql<{
            visit_id: string
            first_visit_id: string
          }>`select visit_id, first_visit_id from donations where visit_id = ${visits[0]!.id} limit 1`
      )
      expect(stored).toEqual({ visit_id: visits[0]!.id, first_visit_id: visits[0]!.id })
    })
  })

  it("keeps no visit on a first touch older than 30 days", async () => {
    const old = visit({ campaign: "last-year" })
    await record({ visits: [old], events: [] })
    await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update visits set created_at = now() - interval '31 days' where id = ${old.id}`)
      )
    )
    const fresh = visit()
    await record({ visits: [fresh], events: [] })
    expect((await donate("3.000", { visitId: fresh.id, firstVisitId: old.id })).status).toBe(201)
    const [stored] = await inHome(
      (sql) => sql<{ first_visit_id: string | null }>`select first_visit_id from donations where visit_id = ${fresh.id}`
    )
    expect(stored!.first_visit_id).toBeNull()
  })
})

describe("Kuwait days", () => {
  it("counts a donation at 23:30 UTC on the next Kuwait day", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const member = await people.memberOf(tenant, "member")
    await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql`insert into donations (tenant_id, reference, amount, category, payment_method, receipt_token, created_at)
        values (${tenant.id}, 'DON-2026-000001', 40, 'general', 'bank_transfer', ${randomBytes(24).toString("hex")}, '2026-11-30T23:30:00Z')`
        )
      )
    )
    const answer = await json(await kpis("from=2026-11-30&to=2026-12-01", tenant.slug, member))
    expect(answer.status).toBe(200)
    expect(answer.body.days).toEqual([
      { day: "2026-11-30", visits: 0, captures: 0, raised: "0.000" },
      { day: "2026-12-01", visits: 0, captures: 1, raised: "40.000" }
    ])
    expect(answer.body.raised).toBe("40.000")
    expect(answer.body.averageGift).toBe("40.000")
    // The UTC day alone holds nothing.
    expect((await json(await kpis("from=2026-11-30&to=2026-11-30", tenant.slug, member))).body.raised).toBe("0.000")
  })
})

describe("isolation", () => {
  it("answers 404 for a tenant the caller is not a member of, and for an unknown storefront", async () => {
    const foreign = await json(await kpis(`from=${kuwaitDay()}&to=${kuwaitDay()}`, other.slug))
    expect(foreign.status).toBe(404)
    expect(foreign.type).toContain("application/problem+json")
    const nobody = await fetch(`${api.url}/api/v1/public/traffic`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": "nobody-here.manara.test" },
      body: JSON.stringify({ visits: [], events: [] })
    })
    expect(nobody.status).toBe(404)
    expect((await people.call("GET", `/tenant/kpis?from=${kuwaitDay()}&to=${kuwaitDay()}`, undefined, home.slug)).status).toBe(401)
  })

  it("keeps one tenant's visits out of another's figures, and an event naming another tenant's visit keeps no visit", async () => {
    const theirs = visit({ campaign: "theirs" })
    expect((await record({ visits: [theirs], events: [] }, other)).status).toBe(202)
    expect((await record({ visits: [], events: [{ name: "view_item", visitId: theirs.id, item: null }] })).status).toBe(202)
    const mine = await json(await kpis(`from=${kuwaitDay()}&to=${kuwaitDay()}`))
    expect(mine.body.campaigns.map((row: { campaign: string | null }) => row.campaign)).not.toContain("theirs")
    const events = await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ visit_id: string | null }>`select visit_id from traffic_events where visit_id = ${theirs.id}`
        )
      )
    )
    expect(events).toEqual([])
    // Under RLS the other tenant's rows are not there at all.
    const seen = await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ n: number }>`select count(*)::int as n from visits where tenant_id = ${other.id}`
        )
      )
    )
    expect(seen[0]!.n).toBe(0)
  })
})

describe("bad input", () => {
  const problem = async (response: Response, status = 400) => {
    const answer = await json(response)
    expect(answer.status).toBe(status)
    expect(answer.type).toContain("application/problem+json")
    return answer.body
  }

  it("refuses tags with markup or control characters, too long, a path that is not one, an event outside the set, a batch too big", async () => {
    await problem(await record({ visits: [visit({ campaign: "<script>x</script>" })], events: [] }))
    await problem(await record({ visits: [visit({ source: "a\u0000b" })], events: [] }))
    await problem(await record({ visits: [visit({ medium: "m".repeat(101) })], events: [] }))
    await problem(await record({ visits: [visit({ landingPath: "https://elsewhere" })], events: [] }))
    await problem(await record({ visits: [visit({ device: "fridge" })], events: [] }))
    await problem(await record({ visits: [], events: [{ name: "purchase", visitId: null, item: null }] }))
    await problem(await record({ visits: Array.from({ length: 501 }, () => visit()), events: [] }))
    await problem(await record({ visits: "many" }))
  })

  it("refuses dates that are not days, a range backwards or longer than 366 days", async () => {
    await problem(await kpis("from=2026-02-30&to=2026-03-01"))
    await problem(await kpis("from=yesterday&to=2026-03-01"))
    await problem(await kpis("from=2026-03-01"))
    const backwards = await problem(await kpis("from=2026-03-02&to=2026-03-01"))
    expect(backwards.type).toBe("https://manara.app/problems/invalid-range")
    const long = await problem(await kpis("from=2025-01-01&to=2026-03-01"))
    expect(long.type).toBe("https://manara.app/problems/invalid-range")
    expect((await kpis("from=2025-03-01&to=2026-03-01")).status).toBe(200)
  })
})

describe("the plan", () => {
  it("reads a seeded tenant's visits through an index that leads with tenant_id", async () => {
    const tenants = (await withOwner(urls, Effect.all([createTenant(), createTenant(), createTenant()]))) as Array<TenantFixture>
    await withOwner(
      urls,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        for (const tenant of tenants) {
          yield* asOwnerInTenant(
            tenant.id,
            sql`insert into visits (tenant_id, visitor_id, utm_source, created_at)
          select ${tenant.id}, md5(g::text), (array['whatsapp', 'instagram', null])[1 + g % 3], now() - (g % 365) * interval '1 day'
          from generate_series(1, 20000) g`
          )
        }
        yield* sql`analyze visits`
      })
    )
    const plan = await withOwner(
      urls,
      asOwnerInTenant(
        tenants[0]!.id as TenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{ "QUERY PLAN": string }>`explain select count(*), count(distinct v.visitor_id) from visits v
        where v.tenant_id = ${tenants[0]!.id} and v.created_at >= ('2026-11-01'::date)::timestamp at time zone 'Asia/Kuwait'
          and v.created_at < ('2026-12-01'::date)::timestamp at time zone 'Asia/Kuwait'`
        )
      )
    )
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n")
    expect(text).toMatch(/Index (Only )?Scan using visits_(campaign|recent)|Bitmap Index Scan on visits_(campaign|recent)/)
    expect(text).not.toMatch(/Seq Scan on visits/)
  })
})
