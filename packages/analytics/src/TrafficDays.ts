import { SqlClient } from "@effect/sql"
import { TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Config, Duration, Effect, Layer, Schedule } from "effect"

/** A Kuwait day, YYYY-MM-DD, `offset` days from today. */
export const kuwaitDay = (offset: number, now: number = Date.now()) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kuwait" }).format(new Date(now + offset * 86_400_000))
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

/**
 * Closed Kuwait days of traffic summed once into traffic_days / traffic_day_campaigns, so the KPIs read a
 * year as 365 rows instead of every visit and event of it. A day is closed two days after it (visits and
 * events carry the database's clock; yesterday stays live for batches flushed around midnight). A
 * tenant's summed days run without a gap from its first visit's day: the KPIs read summed days up to
 * the last one and the rest live.
 */
export class TrafficDays extends Effect.Service<TrafficDays>()("Analytics/TrafficDays", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql

    /**
     * Sums the days of [from, to] not summed yet, in the current tenant transaction, once: callers racing
     * on a day meet on traffic_days' key and the loser inserts nothing. A day's visitor hashes differ from
     * every other day's, so unique visitors add up across days; an event counts on the day it happened.
     */
    const sumDays = (tenant: TenantId, from: string, to: string) =>
      Effect.gen(function* () {
        const [todo] = yield* sql<{ first: string | null; last: string | null }>`
          select to_char(min(d.day), 'YYYY-MM-DD') as first, to_char(max(d.day), 'YYYY-MM-DD') as last
          from generate_series(${from}::date, ${to}::date, interval '1 day') d(day)
          where not exists (select 1 from traffic_days r where r.tenant_id = ${tenant} and r.day = d.day::date)`
        if (todo?.first == null || todo.last == null) return
        const start = sql`(${todo.first}::date)::timestamp at time zone 'Asia/Kuwait'`
        const stop = sql`(${todo.last}::date + 1)::timestamp at time zone 'Asia/Kuwait'`
        yield* sql`
          with span as (
            select d.day::date as day from generate_series(${todo.first}::date, ${todo.last}::date, interval '1 day') d(day)
            where not exists (select 1 from traffic_days r where r.tenant_id = ${tenant} and r.day = d.day::date)
          ), seen as (
            select v.day, v.s, v.m, v.c, grouping(v.s, v.m, v.c) as whole_day, count(*)::int as visits,
              (count(distinct v.visitor_id) + count(*) filter (where v.visitor_id is null))::int as unique_visitors
            from (
              select (v.created_at at time zone 'Asia/Kuwait')::date as day, v.utm_source as s, v.utm_medium as m, v.utm_campaign as c, v.visitor_id
              from visits v where v.tenant_id = ${tenant} and v.created_at >= ${start} and v.created_at < ${stop}
            ) v
            -- One row per day (all its visits, for unique visitors) and one per day and campaign.
            group by grouping sets ((v.day), (v.day, v.s, v.m, v.c))
          ), acted as (
            select (e.created_at at time zone 'Asia/Kuwait')::date as day, v.utm_source as s, v.utm_medium as m, v.utm_campaign as c,
              (count(distinct e.visit_id) filter (where e.name = 'view_item') + count(*) filter (where e.name = 'view_item' and e.visit_id is null))::int as viewed,
              (count(distinct e.visit_id) filter (where e.name = 'start_checkout') + count(*) filter (where e.name = 'start_checkout' and e.visit_id is null))::int as checkout
            from traffic_events e left join visits v on v.tenant_id = ${tenant} and v.id = e.visit_id
            where e.tenant_id = ${tenant} and e.created_at >= ${start} and e.created_at < ${stop} and e.name in ('view_item', 'start_checkout')
            group by 1, 2, 3, 4
          ), claimed as (
            insert into traffic_days (tenant_id, day, visits, unique_visitors)
            select ${tenant}, span.day, coalesce(seen.visits, 0), coalesce(seen.unique_visitors, 0)
            from span left join seen on seen.day = span.day and seen.whole_day = 7
            on conflict do nothing
            returning day
          )
          insert into traffic_day_campaigns (tenant_id, day, utm_source, utm_medium, utm_campaign, visits, viewed_item, started_checkout)
          select ${tenant}, x.day, x.s, x.m, x.c, sum(x.visits), sum(x.viewed), sum(x.checkout)
          from (
            select day, s, m, c, visits, 0 as viewed, 0 as checkout from seen where whole_day = 0
            union all
            select day, s, m, c, 0, viewed, checkout from acted
          ) x join claimed on claimed.day = x.day
          group by x.day, x.s, x.m, x.c`
      })

    /** The days to sum in one transaction: a week of a busy tenant stays well under the statement timeout. */
    const chunkDays = 7

    /** Sums every closed day of the tenant after its last summed one (from its first visit's day), a week per transaction. */
    const sumClosedDays = (tenant: TenantId, now: number = Date.now()) =>
      Effect.gen(function* () {
        const closed = kuwaitDay(-2, now)
        const [start] = yield* tenantSql.withTenant(
          tenant,
          sql<{ next: string | null }>`
            select coalesce(
              (select to_char(max(r.day) + 1, 'YYYY-MM-DD') from traffic_days r where r.tenant_id = ${tenant}),
              (select to_char(min(v.created_at at time zone 'Asia/Kuwait')::date, 'YYYY-MM-DD') from visits v where v.tenant_id = ${tenant})
            ) as next`
        )
        let from = start?.next ?? null
        let days = 0
        while (from !== null && from <= closed) {
          const to = addDays(from, chunkDays - 1) < closed ? addDays(from, chunkDays - 1) : closed
          yield* tenantSql.withTenant(tenant, sumDays(tenant, from, to))
          days += (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1
          from = addDays(to, 1)
        }
        return days
      })

    /** Every tenant with closed days left to sum. */
    const sumAll = Effect.gen(function* () {
      const tenants = yield* sql<{ id: TenantId }>`select t as id from app.tenants_with_unsummed_traffic(${kuwaitDay(-1)}::date) t`
      let days = 0
      for (const { id } of tenants) days += yield* sumClosedDays(id)
      return days
    })

    return { sumDays, sumClosedDays, sumAll } as const
  })
}) {}

/** Sums closed days every `TRAFFIC_SUM_EVERY` (1 h) in any number of API processes (a day is summed once). */
export const TrafficDaysSummerLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const days = yield* TrafficDays
    const every = yield* Config.duration("TRAFFIC_SUM_EVERY").pipe(Config.withDefault(Duration.hours(1)))
    const enabled = yield* Config.boolean("TRAFFIC_SUM").pipe(Config.withDefault(true))
    if (!enabled) return
    yield* days.sumAll.pipe(
      Effect.tap((summed) => (summed > 0 ? Effect.logInfo(`traffic: summed ${summed} closed days`) : Effect.void)),
      Effect.catchAllCause((cause) => Effect.logWarning("traffic: summing closed days failed", cause)),
      Effect.repeat(Schedule.spaced(every)),
      Effect.forkScoped
    )
  })
).pipe(Layer.provide(TrafficDays.Default))
