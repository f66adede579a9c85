import { SqlClient } from "@effect/sql"
import { kuwaitDay, TrafficDays } from "@manara/analytics"
import { startApi, type StartedApi } from "@manara/api/server"
import { TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, runtimeSql, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect, Layer } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const people = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
})
afterAll(async () => {
  await api?.close()
})

/** The summing service on the runtime role, as the API's fiber runs it. */
const runTrafficDays = <A, E>(effect: Effect.Effect<A, E, TrafficDays | SqlClient.SqlClient>) =>
  Effect.runPromise(
    Effect.provide(
      effect,
      TrafficDays.Default.pipe(Layer.provide(TenantSql.Default), Layer.provideMerge(runtimeSql(urls)))
    ) as Effect.Effect<A, never>
  )

const fiveDaysAgo = kuwaitDay(-5)
const fourDaysAgo = kuwaitDay(-4)
const today = kuwaitDay(0)

/**
 * Traffic of three days. Five days ago: two visits of one visitor from a WhatsApp campaign (one viewed an
 * item twice and started a checkout), one untagged visit without a hash, one view of no visit. Four days
 * ago: an Instagram visit that viewed an item. Today: one more visit of the campaign that viewed an item.
 */
const seed = async (tenant: TenantFixture, campaign: string) => {
  const hash = randomBytes(16).toString("hex")
  const [a, b, c, e, f] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()]
  const at = (day: string) => `${day}T12:00:00+03:00`
  await withOwner(
    urls,
    asOwnerInTenant(
      tenant.id as TenantId,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`insert into visits (tenant_id, id, visitor_id, utm_source, utm_medium, utm_campaign, created_at) values
          (${tenant.id}, ${a}, ${hash}, 'whatsapp', 'broadcast', ${campaign}, ${at(fiveDaysAgo)}),
          (${tenant.id}, ${b}, ${hash}, 'whatsapp', 'broadcast', ${campaign}, ${at(fiveDaysAgo)}),
          (${tenant.id}, ${c}, null, null, null, null, ${at(fiveDaysAgo)}),
          (${tenant.id}, ${e}, ${randomBytes(16).toString("hex")}, 'instagram', null, null, ${at(fourDaysAgo)}),
          (${tenant.id}, ${f}, ${randomBytes(16).toString("hex")}, 'whatsapp', 'broadcast', ${campaign}, now())`
        yield* sql`insert into traffic_events (tenant_id, visit_id, name, created_at) values
          (${tenant.id}, ${a}, 'view_item', ${at(fiveDaysAgo)}),
          (${tenant.id}, ${a}, 'view_item', ${at(fiveDaysAgo)}),
          (${tenant.id}, ${a}, 'start_checkout', ${at(fiveDaysAgo)}),
          (${tenant.id}, null, 'view_item', ${at(fiveDaysAgo)}),
          (${tenant.id}, ${e}, 'view_item', ${at(fourDaysAgo)}),
          (${tenant.id}, ${f}, 'view_item', now())`
      })
    )
  )
}

const figures = async (tenant: TenantFixture, member: Person, from: string, to: string) => {
  const response = await people.call("GET", `/tenant/kpis?from=${from}&to=${to}`, member, tenant.slug)
  expect(response.status).toBe(200)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answer, read field by field
  return (await response.json()) as any
}

const summedDays = (tenant: TenantFixture) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id as TenantId,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ day: string }>`select to_char(day, 'YYYY-MM-DD') as day from traffic_days order by day`
      )
    )
  ).then((rows) => rows.map((row) => row.day))

const expectFixtureFigures = (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answer, read field by field
  answer: any,
  campaign: string
) => {
  expect(answer.visits).toBe(5)
  // One hash five days ago, one visitor without a hash, one hash four days ago, one today.
  expect(answer.uniqueVisitors).toBe(4)
  expect(answer.funnel).toMatchObject({ visits: 5, viewedItem: 4, startedCheckout: 1 })
  const byCampaign = Object.fromEntries(
    answer.campaigns.map((row: { source: string | null; campaign: string | null; visits: number }) => [
      `${row.source}/${row.campaign}`,
      row.visits
    ])
  )
  expect(byCampaign).toEqual({ [`whatsapp/${campaign}`]: 3, "instagram/null": 1, "null/null": 1 })
  const days = Object.fromEntries(answer.days.map((row: { day: string; visits: number }) => [row.day, row.visits]))
  expect(days[fiveDaysAgo]).toBe(3)
  expect(days[fourDaysAgo]).toBe(1)
  expect(days[today]).toBe(1)
}

describe("closed traffic days", () => {
  it("sums each closed day once, and the KPIs read the same figures from the sums as from the visits", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const member = await people.memberOf(tenant, "member")
    const campaign = `eid-${randomUUID().slice(0, 6)}`
    await seed(tenant, campaign)

    const live = await figures(tenant, member, fiveDaysAgo, today)
    expectFixtureFigures(live, campaign)
    expect(await summedDays(tenant)).toEqual([])

    // From the first visit's day to two days ago: yesterday and today stay live.
    const summed = await runTrafficDays(Effect.flatMap(TrafficDays, (days) => days.sumClosedDays(tenant.id as TenantId)))
    expect(summed).toBe(4)
    expect(await summedDays(tenant)).toEqual([kuwaitDay(-5), kuwaitDay(-4), kuwaitDay(-3), kuwaitDay(-2)])
    expect(await runTrafficDays(Effect.flatMap(TrafficDays, (days) => days.sumClosedDays(tenant.id as TenantId)))).toBe(0)

    const fromSums = await figures(tenant, member, fiveDaysAgo, today)
    expect(fromSums).toEqual(live)
    // A range of summed days only, and one that starts inside them.
    expect((await figures(tenant, member, fiveDaysAgo, fourDaysAgo)).visits).toBe(4)
    expect((await figures(tenant, member, fourDaysAgo, today)).visits).toBe(2)
  })

  it("sums a day once when two processes sum at the same time", async () => {
    const tenant = (await withOwner(urls, createTenant())) as TenantFixture
    const member = await people.memberOf(tenant, "member")
    const campaign = `eid-${randomUUID().slice(0, 6)}`
    await seed(tenant, campaign)
    const live = await figures(tenant, member, fiveDaysAgo, today)

    const both = await Promise.all([
      runTrafficDays(Effect.flatMap(TrafficDays, (days) => days.sumClosedDays(tenant.id as TenantId))),
      runTrafficDays(Effect.flatMap(TrafficDays, (days) => days.sumClosedDays(tenant.id as TenantId)))
    ])
    // Every day summed by one of them (the other found it taken), none twice.
    expect(both[0] + both[1]).toBeGreaterThanOrEqual(4)
    expect(await summedDays(tenant)).toHaveLength(4)
    expect(await figures(tenant, member, fiveDaysAgo, today)).toEqual(live)
  })

  it("walks only tenants with closed days left to sum, each in its own transactions", async () => {
    const [busy, quiet] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
    await seed(busy, "walk")
    const listed = await runTrafficDays(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ id: string }>`select t as id from app.tenants_with_unsummed_traffic(${kuwaitDay(-1)}::date) t`
      )
    )
    expect(listed.map((row) => row.id)).toContain(busy.id)
    expect(listed.map((row) => row.id)).not.toContain(quiet.id)
    await runTrafficDays(Effect.flatMap(TrafficDays, (days) => days.sumAll))
    expect(await summedDays(busy)).toHaveLength(4)
    expect(await summedDays(quiet)).toEqual([])
    const after = await runTrafficDays(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ id: string }>`select t as id from app.tenants_with_unsummed_traffic(${kuwaitDay(-1)}::date) t`
      )
    )
    expect(after.map((row) => row.id)).not.toContain(busy.id)
  })

  it("keeps one tenant's sums out of another's figures", async () => {
    const [mine, theirs] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
    await seed(theirs, "theirs")
    await runTrafficDays(Effect.flatMap(TrafficDays, (days) => days.sumClosedDays(theirs.id as TenantId)))
    const member = await people.memberOf(mine, "member")
    const answer = await figures(mine, member, fiveDaysAgo, today)
    expect(answer.visits).toBe(0)
    expect(answer.campaigns).toEqual([])
    // Summing "mine" inside the other tenant's transaction would write nothing of theirs.
    const foreign = await people.call("GET", `/tenant/kpis?from=${fiveDaysAgo}&to=${today}`, member, theirs.slug)
    expect(foreign.status).toBe(404)
  })
})
