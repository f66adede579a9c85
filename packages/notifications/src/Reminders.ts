import { SqlClient } from "@effect/sql"
import { CurrentTenant, TenantSql } from "@manara/db"
import { kuwaitDay, type TenantId } from "@manara/domain"
import { Cause, Config, Duration, Effect, Layer, Option, Schedule } from "effect"
import { notifyTenants } from "./NotifyTenants.js"

export const RemindersConfig = Config.all({
  enabled: Config.boolean("NOTIFY_DELIVERY").pipe(Config.withDefault(true)),
  /** How often the reminders are written; each instalment is reminded of once (its dedupe key). */
  every: Config.duration("NOTIFY_REMINDERS_EVERY").pipe(Config.withDefault(Duration.hours(1))),
  /** An instalment is reminded of this many days before it falls due (and on the day). */
  daysAhead: Config.integer("NOTIFY_REMINDER_DAYS").pipe(Config.withDefault(3)),
  tenants: Config.option(notifyTenants)
})

/**
 * Pledge instalment reminders: a fiber that, every `NOTIFY_REMINDERS_EVERY`, writes a `pledge.due` row
 * for each open pledge's instalment falling due within `NOTIFY_REMINDER_DAYS` (Kuwait's calendar) to
 * the pledger's email. Tenants come from a door that returns ids only; the rows are written under each
 * tenant. Several workers may run it: the dedupe key (`pledge:<id>:due:<date>`) makes a second write nothing.
 */
export const RemindersLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const config = yield* RemindersConfig
    if (!config.enabled) return
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const only = Option.getOrUndefined(config.tenants)

    const remindTenant = (tenantId: TenantId, today: string) =>
      tenantSql.withTenant(
        tenantId,
        Effect.flatMap(
          CurrentTenant,
          () =>
            sql`
            with due as (
              select p.tenant_id, p.id, p.donor_email, p.locale, i.due,
                jsonb_build_object('kind', 'pledge', 'id', p.id, 'reference', p.reference, 'name', p.donor_name,
                  'dueDate', i.due::text, 'instalment', i.k + 1, 'instalments', p.instalments,
                  -- Equal parts, the last taking the remainder.
                  'amount', (case when i.k = p.instalments - 1 then p.amount - trunc(p.amount / p.instalments, 3) * (p.instalments - 1)
                    else trunc(p.amount / p.instalments, 3) end)::numeric(12, 3)::text) as body
              from pledges p
              cross join lateral (
                select k, (p.due_date + make_interval(months => k))::date as due from generate_series(0, p.instalments - 1) k
              ) i
              where p.status = 'open' and p.donor_email is not null
                and i.due between ${today}::date and ${today}::date + ${config.daysAhead}::int
            ),
            -- Members who chose to hear of instalments falling due.
            staff as (
              insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
              select d.tenant_id, 'staff.pledge_due', d.body, r.channel, r.target, r.locale,
                'pledge:' || d.id || ':due:' || d.due::text || ':member:' || r.user_id || ':' || r.channel
              from due d cross join app.member_recipients('pledge.due') r
              on conflict (tenant_id, dedupe_key) do nothing
            )
            insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            select d.tenant_id, 'pledge.due', d.body, 'email', d.donor_email, d.locale, 'pledge:' || d.id || ':due:' || d.due::text
            from due d
            on conflict (tenant_id, dedupe_key) do nothing`
        )
      )

    const round = Effect.gen(function* () {
      const today = kuwaitDay()
      const tenants = yield* sql<{ id: TenantId }>`
        select t as id from app.tenants_with_instalments_due(${today}::date, ${today}::date + ${config.daysAhead}::int) t`
      for (const { id } of tenants) {
        if (only !== undefined && !only.includes(id)) continue
        yield* remindTenant(id, today)
      }
    }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("pledge reminders failed; next round", Cause.squash(cause))))

    yield* Effect.forkScoped(Effect.repeat(round, Schedule.spaced(config.every)))
  })
)
