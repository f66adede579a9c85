import { SqlClient } from "@effect/sql"
import { CurrentTenant, TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Effect } from "effect"
import { monthStart } from "./Month.js"
import { OUTCOMES, type Outcome } from "./Quota.js"

/** One metered call, as `ai_usage_log` keeps it. */
export interface UsageEntry {
  readonly tenantId: TenantId
  readonly reservationId: string
  readonly conversationId: string
  readonly model: string
  readonly month: string
  readonly inputTokens: number
  readonly outputTokens: number
  readonly costMicrofils: bigint
  readonly latencyMs: number
  readonly outcome: Outcome
}

/** A budget alert: the threshold (80 or 100 per cent) the month's usage has reached. */
export interface BudgetAlert {
  readonly threshold: 80 | 100
  readonly usedTokens: bigint
  readonly tokenBudget: bigint
  readonly usedCost: bigint
  readonly costBudget: bigint
}

export interface MonthSums {
  readonly tokens: bigint
  readonly cost: bigint
  readonly calls: Readonly<Partial<Record<Outcome, number>>>
}

/** `ai_usage_log` under the tenant's own transaction (RLS), and the platform's view through its door. */
export class AiUsage extends Effect.Service<AiUsage>()("AiGateway/AiUsage", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql

    /**
     * Calls' rows of one tenant in one transaction (one INSERT, sent with its COMMIT) and, when a
     * threshold was reached, its alert in the outbox: to the staff who asked for `ai.budget`, else the
     * tenant's contact email. The dedupe key makes an alert once per month per threshold; a row already
     * written (a retried batch whose commit was in doubt) is skipped by its reservation id.
     */
    const recordMany = (
      tenantId: TenantId,
      entries: ReadonlyArray<UsageEntry>,
      alerts: ReadonlyArray<{ month: string; alert: BudgetAlert }>
    ) =>
      tenantSql.withTenant(
        tenantId,
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          for (const { alert, month } of alerts) {
            const payload = JSON.stringify({
              threshold: alert.threshold,
              month,
              usedTokens: alert.usedTokens.toString(),
              tokenBudget: alert.tokenBudget.toString(),
              usedCost: alert.usedCost.toString(),
              costBudget: alert.costBudget.toString()
            })
            const key = `ai-budget:${month}:${alert.threshold}`
            yield* sql`
              insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
              select ${tenant}::uuid, 'ai.budget', ${payload}::jsonb, p.channel, p.target, p.locale, ${key} || ':' || p.channel || ':' || p.target
              from notification_preferences p where p.enabled and 'ai.budget' = any (p.events)
              union all
              select ${tenant}::uuid, 'ai.budget', ${payload}::jsonb, 'email', s.settings -> 'contact' ->> 'email', 'ar', ${key} || ':office'
              from app.current_tenant_settings() s
              where s.settings -> 'contact' ->> 'email' is not null
                and not exists (select 1 from notification_preferences p where p.enabled and 'ai.budget' = any (p.events))
              on conflict (tenant_id, dedupe_key) do nothing`
          }
          if (entries.length === 0) return
          yield* tenantSql.commitWith(sql`
            insert into ai_usage_log ${sql.insert(
              entries.map((entry) => ({
                tenant_id: tenant,
                reservation_id: entry.reservationId,
                conversation_id: entry.conversationId,
                model: entry.model,
                billed_month: monthStart(entry.month),
                input_tokens: entry.inputTokens,
                output_tokens: entry.outputTokens,
                cost_microfils: entry.costMicrofils.toString(),
                latency_ms: entry.latencyMs,
                outcome: entry.outcome
              }))
            )}
            on conflict (tenant_id, reservation_id) do nothing`)
        })
      )

    /** One call's row and its alerts, written now. */
    const record = (entry: UsageEntry, alerts: ReadonlyArray<BudgetAlert>) =>
      recordMany(
        entry.tenantId,
        [entry],
        alerts.map((alert) => ({ month: entry.month, alert }))
      )

    /** What the month's Redis counters are rebuilt from: Postgres is the truth. */
    const monthSums = (tenantId: TenantId, month: string) =>
      tenantSql
        .withTenant(
          tenantId,
          sql<{ outcome: Outcome; tokens: string; cost: string; calls: string }>`
          select outcome, sum(input_tokens + output_tokens)::text as tokens, sum(cost_microfils)::text as cost, count(*)::text as calls
          from ai_usage_log where billed_month = ${monthStart(month)} group by outcome`
        )
        .pipe(
          Effect.map((rows): MonthSums => ({
            tokens: rows.reduce((sum, row) => sum + BigInt(row.tokens), 0n),
            cost: rows.reduce((sum, row) => sum + BigInt(row.cost), 0n),
            calls: Object.fromEntries(rows.map((row) => [row.outcome, Number(row.calls)]))
          }))
        )

    /** A tenant's month, per Kuwait day and per outcome. */
    const month = (tenantId: TenantId, month: string) =>
      tenantSql
        .withTenant(
          tenantId,
          Effect.all({
            days: sql<{ day: string; tokens: string; cost: string; calls: string }>`
            select to_char((created_at at time zone 'Asia/Kuwait')::date, 'YYYY-MM-DD') as day,
              sum(input_tokens + output_tokens)::text as tokens, sum(cost_microfils)::text as cost, count(*)::text as calls
            from ai_usage_log where billed_month = ${monthStart(month)} group by 1 order by 1`,
            outcomes: sql<{ outcome: Outcome; calls: string }>`
            select outcome, count(*)::text as calls from ai_usage_log where billed_month = ${monthStart(month)} group by outcome`
          })
        )
        .pipe(
          Effect.map(({ days, outcomes }) => ({
            days: days.map((row) => ({ day: row.day, tokens: BigInt(row.tokens), cost: BigInt(row.cost), calls: Number(row.calls) })),
            calls: Object.fromEntries(
              OUTCOMES.map((outcome) => [outcome, Number(outcomes.find((row) => row.outcome === outcome)?.calls ?? 0)])
            ) as Record<Outcome, number>
          }))
        )

    /** Every tenant's month against its budget (`app.ai_usage_by_tenant`); callers check who may ask. */
    const byTenant = (month: string) =>
      sql<{
        tenantId: TenantId
        slug: string
        planCode: string
        tokenBudget: string
        costBudget: string
        tokens: string
        cost: string
        calls: string
      }>`
        select tenant_id as "tenantId", slug, plan_code as "planCode", token_budget::text as "tokenBudget", cost_budget::text as "costBudget",
          tokens::text as tokens, cost_microfils::text as cost, calls::text as calls
        from app.ai_usage_by_tenant(${monthStart(month)})`.pipe(
        Effect.map((rows) =>
          rows.map((row) => ({
            tenantId: row.tenantId,
            slug: row.slug,
            planCode: row.planCode,
            tokenBudget: BigInt(row.tokenBudget),
            costBudget: BigInt(row.costBudget),
            tokens: BigInt(row.tokens),
            cost: BigInt(row.cost),
            calls: Number(row.calls)
          }))
        )
      )

    /** A tenant's budget override (null: the plan's); false when no such tenant. */
    const setBudget = (tenantId: string, tokens: bigint | null, cost: bigint | null) =>
      sql<{
        done: boolean | null
      }>`select app.set_tenant_ai_budget(${tenantId}, ${tokens?.toString() ?? null}, ${cost?.toString() ?? null}) as done`.pipe(
        Effect.map((rows) => rows[0]?.done === true)
      )

    return { record, recordMany, monthSums, month, byTenant, setBudget } as const
  })
}) {}
