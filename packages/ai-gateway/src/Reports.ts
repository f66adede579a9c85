import { AiUsageDay, PlatformAiUsage, type SignedInUser, TenantAiUsage, type TenantId } from "@manara/domain"
import { Effect } from "effect"
import { AiNotPlatformAdmin, AiTenantNotFound } from "./Errors.js"
import { budgetMonth } from "./Month.js"
import { AiPlans } from "./Plans.js"
import { AiQuota } from "./Quota.js"
import { AiUsage } from "./Usage.js"

/** What the dashboard shows of the metering: a tenant's month, every tenant's, and budget overrides. */
export class AiReports extends Effect.Service<AiReports>()("AiGateway/AiReports", {
  effect: Effect.gen(function* () {
    const plans = yield* AiPlans
    const quota = yield* AiQuota
    const usage = yield* AiUsage

    /** Postgres for what was used (the truth), Redis for what is in flight; a Redis outage leaves `live` null. */
    const tenantUsage = (tenantId: TenantId, month = budgetMonth()) =>
      Effect.gen(function* () {
        const [plan, logged, live] = yield* Effect.all(
          [plans.planOf(tenantId), usage.month(tenantId, month), Effect.option(quota.totals(tenantId, month))],
          { concurrency: "unbounded" }
        )
        const sum = (pick: (day: (typeof logged.days)[number]) => bigint) => logged.days.reduce((total, day) => total + pick(day), 0n)
        return new TenantAiUsage({
          month,
          planCode: plan.planCode,
          budget: { tokens: plan.tokenBudget, costMicrofils: plan.costBudget },
          used: { tokens: sum((day) => day.tokens), costMicrofils: sum((day) => day.cost) },
          caps: { maxInputChars: plan.maxInputChars, maxOutputTokens: plan.maxOutputTokens, maxTurns: plan.maxTurns },
          calls: logged.calls,
          days: logged.days.map((day) => new AiUsageDay({ day: day.day, tokens: day.tokens, costMicrofils: day.cost, calls: day.calls })),
          live:
            live._tag === "None"
              ? null
              : {
                  reserved: { tokens: live.value.reservedTokens, costMicrofils: live.value.reservedCost },
                  refusedForBudget: live.value.refusedBudget,
                  refusedForRate: live.value.refusedRate
                }
        })
      })

    const platformUsage = (user: SignedInUser, month = budgetMonth()) =>
      Effect.gen(function* () {
        if (!user.isPlatformAdmin) return yield* new AiNotPlatformAdmin()
        const rows = yield* usage.byTenant(month)
        return rows.map(
          (row) =>
            new PlatformAiUsage({
              tenantId: row.tenantId,
              slug: row.slug,
              planCode: row.planCode,
              budget: { tokens: row.tokenBudget, costMicrofils: row.costBudget },
              used: { tokens: row.tokens, costMicrofils: row.cost },
              calls: row.calls
            })
        )
      })

    const setBudget = (
      user: SignedInUser,
      tenantId: TenantId,
      budget: { readonly tokens: bigint | null; readonly costMicrofils: bigint | null }
    ) =>
      Effect.gen(function* () {
        if (!user.isPlatformAdmin) return yield* new AiNotPlatformAdmin()
        if (!(yield* usage.setBudget(tenantId, budget.tokens, budget.costMicrofils))) return yield* new AiTenantNotFound()
        yield* plans.forget(tenantId)
      })

    return { tenantUsage, platformUsage, setBudget } as const
  })
}) {}
