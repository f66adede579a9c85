import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@manara/db"
import { Fils, KpiCampaign, KpiDay, KpiFunnel, KpiProject, type KpiQuery, Kpis as KpiFigures } from "@manara/domain"
import { Data, Effect } from "effect"

/** `to` before `from`, or more than 366 days. */
export class InvalidKpiRange extends Data.TaggedError("InvalidKpiRange")<{ readonly reason: string }> {}

export const MAX_RANGE_DAYS = 366

/** Fils from SQL: amounts are summed there and sent as an integer count of fils (exact, any size). */
const fils = (text: string | null) => Fils.make(BigInt(text ?? "0"))
/** A share in 0..1 with four decimals. */
const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000)
const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1

/**
 * The tenant's figures over Kuwait days, every statement bounded by `tenant_id` and the range so each
 * reads an index that leads with `tenant_id` (visits_campaign, *_recent, traffic_events_recent).
 * Cancelled captures are left out; the campaign of a capture is its last touch (visit_id).
 */
export class Kpis extends Effect.Service<Kpis>()("Analytics/Kpis", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const figures = (query: KpiQuery) =>
      Effect.gen(function* () {
        const length = days(query.from, query.to)
        if (!(length >= 1)) return yield* new InvalidKpiRange({ reason: "to is before from" })
        if (length > MAX_RANGE_DAYS) return yield* new InvalidKpiRange({ reason: `at most ${MAX_RANGE_DAYS} days` })
        const tenant = yield* CurrentTenant
        const kuwaitStart = (day: string) => sql`(${day}::date)::timestamp at time zone 'Asia/Kuwait'`
        const end = sql`(${query.to}::date + 1)::timestamp at time zone 'Asia/Kuwait'`
        const inRange = (alias: string) =>
          sql`${sql(alias)}.tenant_id = ${tenant} and ${sql(alias)}.created_at >= ${kuwaitStart(query.from)} and ${sql(alias)}.created_at < ${end}`
        // Days summed in traffic_days (closed days, by TrafficDays) are read from there; the days after them live.
        const [summed] = yield* sql<{ through: string | null; next: string | null }>`
          select to_char(max(r.day), 'YYYY-MM-DD') as through, to_char(max(r.day) + 1, 'YYYY-MM-DD') as next
          from traffic_days r where r.tenant_id = ${tenant}`
        const through = summed?.through ?? null
        const rolledTo = through === null || query.to < through ? query.to : through
        const liveFrom = through === null ? query.from : query.from > through ? query.from : summed!.next!
        const rolled = (alias: string) =>
          through === null
            ? sql`false`
            : sql`${sql(alias)}.tenant_id = ${tenant} and ${sql(alias)}.day between ${query.from}::date and ${rolledTo}::date`
        const live = (alias: string) =>
          sql`${sql(alias)}.tenant_id = ${tenant} and ${sql(alias)}.created_at >= ${kuwaitStart(liveFrom)} and ${sql(alias)}.created_at < ${end}`
        const captures = sql`(
          select 'order' as kind, o.visit_id, o.total as amount, o.created_at, null::uuid as item from orders o where ${inRange("o")} and o.status <> 'cancelled'
          union all
          select 'donation', d.visit_id, d.amount, d.created_at, d.catalog_item_id from donations d where ${inRange("d")} and d.status <> 'cancelled'
          union all
          select 'pledge', p.visit_id, p.amount, p.created_at, p.catalog_item_id from pledges p where ${inRange("p")} and p.status <> 'cancelled'
        )`

        const [visits] = yield* sql<{ visits: number; unique_visitors: number }>`
          select (coalesce(r.visits, 0) + v.visits)::int as visits, (coalesce(r.unique_visitors, 0) + v.unique_visitors)::int as unique_visitors
          from (select sum(r.visits) as visits, sum(r.unique_visitors) as unique_visitors from traffic_days r where ${rolled("r")}) r,
          (select count(*) as visits,
            -- A visitor who asked not to be tracked has no hash: each such visit is one visitor.
            count(distinct v.visitor_id) + count(*) filter (where v.visitor_id is null) as unique_visitors
          from visits v where ${live("v")}) v`
        const byKind = yield* sql<{ kind: "order" | "donation" | "pledge"; n: number; fils: string; with_visit: number }>`
          select c.kind, count(*)::int as n, round(coalesce(sum(c.amount), 0) * 1000)::bigint::text as fils,
            count(c.visit_id)::int as with_visit
          from ${captures} c group by c.kind`
        const campaigns = yield* sql<{
          source: string | null
          medium: string | null
          campaign: string | null
          visits: number
          captures: number
          fils: string
        }>`
          with seen as (
            select r.utm_source as s, r.utm_medium as m, r.utm_campaign as c, sum(r.visits)::int as visits
            from traffic_day_campaigns r where ${rolled("r")} group by 1, 2, 3
            union all
            select v.utm_source, v.utm_medium, v.utm_campaign, count(*)::int from visits v where ${live("v")} group by 1, 2, 3
          ), won as (
            select v.utm_source as s, v.utm_medium as m, v.utm_campaign as c, count(*)::int as captures,
              coalesce(sum(x.amount) filter (where x.kind <> 'pledge'), 0) as raised
            from ${captures} x join visits v on v.tenant_id = ${tenant} and v.id = x.visit_id group by 1, 2, 3
          )
          -- Group keys may be null (no tag): GROUP BY treats nulls as one group, where a join would not.
          select x.s as source, x.m as medium, x.c as campaign, sum(x.visits)::int as visits, sum(x.captures)::int as captures,
            round(sum(x.raised) * 1000)::bigint::text as fils
          from (
            select s, m, c, visits, 0 as captures, 0::numeric as raised from seen
            union all
            select s, m, c, 0, captures, raised from won
          ) x group by x.s, x.m, x.c
          -- Equal counts by their tags: the same order on every load.
          order by sum(x.captures) desc, sum(x.visits) desc, x.s, x.m, x.c limit 50`
        const projects = yield* sql<{ slug: string; title_ar: string; title_en: string | null; donations: number; fils: string }>`
          select i.slug, i.title_ar, i.title_en, count(*)::int as donations, round(sum(d.amount) * 1000)::bigint::text as fils
          from donations d join catalog_items i on i.tenant_id = ${tenant} and i.id = d.catalog_item_id
          where ${inRange("d")} and d.status <> 'cancelled'
          group by i.slug, i.title_ar, i.title_en order by sum(d.amount) desc, i.slug limit 5`
        const [funnel] = yield* sql<{ viewed: number; checkout: number }>`
          select (coalesce(r.viewed, 0) + e.viewed)::int as viewed, (coalesce(r.checkout, 0) + e.checkout)::int as checkout
          from (select sum(r.viewed_item) as viewed, sum(r.started_checkout) as checkout from traffic_day_campaigns r where ${rolled("r")}) r,
          (select count(distinct e.visit_id) filter (where e.name = 'view_item') + count(*) filter (where e.name = 'view_item' and e.visit_id is null) as viewed,
            count(distinct e.visit_id) filter (where e.name = 'start_checkout') + count(*) filter (where e.name = 'start_checkout' and e.visit_id is null) as checkout
          from traffic_events e where ${live("e")} and e.name in ('view_item', 'start_checkout')) e`
        const daily = yield* sql<{ day: string; visits: number; captures: number; fils: string }>`
          with span as (select generate_series(${query.from}::date, ${query.to}::date, interval '1 day')::date as day),
          v as (
            select r.day, r.visits as n from traffic_days r where ${rolled("r")}
            union all
            select (v.created_at at time zone 'Asia/Kuwait')::date, count(*)::int from visits v where ${live("v")} group by 1
          ),
          c as (select (c.created_at at time zone 'Asia/Kuwait')::date as day, count(*)::int as n,
                  coalesce(sum(c.amount) filter (where c.kind <> 'pledge'), 0) as raised from ${captures} c group by 1)
          select to_char(span.day, 'YYYY-MM-DD') as day, coalesce(v.n, 0) as visits, coalesce(c.n, 0) as captures,
            round(coalesce(c.raised, 0) * 1000)::bigint::text as fils
          from span left join v on v.day = span.day left join c on c.day = span.day order by span.day`

        const kind = (name: "order" | "donation" | "pledge") => byKind.find((row) => row.kind === name)
        const count = (name: "order" | "donation" | "pledge") => kind(name)?.n ?? 0
        const amount = (name: "order" | "donation" | "pledge") => fils(kind(name)?.fils ?? null)
        const captured = count("order") + count("donation") + count("pledge")
        const gifts = count("donation")
        return new KpiFigures({
          from: query.from,
          to: query.to,
          visits: visits!.visits,
          uniqueVisitors: visits!.unique_visitors,
          captures: { order: count("order"), donation: count("donation"), pledge: count("pledge") },
          raised: Fils.make(amount("donation") + amount("order")),
          pledged: amount("pledge"),
          conversionRate: rate(captured, visits!.visits),
          // Rounded half up to the fil.
          averageGift: Fils.make(gifts === 0 ? 0n : (amount("donation") * 2n + BigInt(gifts)) / (2n * BigInt(gifts))),
          topProjects: projects.map(
            (row) =>
              new KpiProject({
                slug: row.slug,
                titleAr: row.title_ar,
                titleEn: row.title_en,
                donations: row.donations,
                raised: fils(row.fils)
              })
          ),
          campaigns: campaigns.map(
            (row) =>
              new KpiCampaign({
                source: row.source,
                medium: row.medium,
                campaign: row.campaign,
                visits: row.visits,
                captures: row.captures,
                raised: fils(row.fils),
                conversionRate: rate(row.captures, row.visits)
              })
          ),
          funnel: new KpiFunnel({ visits: visits!.visits, viewedItem: funnel!.viewed, startedCheckout: funnel!.checkout, captured }),
          days: daily.map((row) => new KpiDay({ day: row.day, visits: row.visits, captures: row.captures, raised: fils(row.fils) }))
        })
      })

    return { figures } as const
  })
}) {}
