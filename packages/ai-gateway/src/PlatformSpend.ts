import { Config, Effect, Option } from "effect"
import { budgetMonth } from "./Month.js"
import { AiUsage } from "./Usage.js"

/**
 * The platform's monthly AI budget in µfils (what the providers may bill us). Unset: the sum of every
 * tenant's cost budget this month, the most the gateway would let through.
 */
export const platformAiBudget = Config.option(
  Config.string("AI_PLATFORM_MONTHLY_BUDGET_MICROFILS").pipe(
    Config.validate({
      message: "AI_PLATFORM_MONTHLY_BUDGET_MICROFILS must be a whole number above 0",
      validation: (n) => /^[1-9]\d*$/.test(n)
    }),
    Config.map(BigInt)
  )
)

/** Spent over budget in per cent, two decimals, computed in BigInt (never a float until the end); 0 with no budget. */
export const spendPercent = (spent: bigint, budget: bigint): number => (budget <= 0n ? 0 : Number((spent * 10_000n) / budget) / 100)

/**
 * The platform's AI spend this (Kuwait) month as a percentage of its budget: `AiSpendBudgetUsedPercent`.
 * From `ai_usage_log` through its door (`app.ai_usage_by_tenant`): what was logged, not what is in flight.
 */
export const platformAiSpendPercent = (month: string = budgetMonth()) =>
  Effect.gen(function* () {
    const usage = yield* AiUsage
    const configured = yield* platformAiBudget
    const rows = yield* usage.byTenant(month)
    const spent = rows.reduce((total, row) => total + row.cost, 0n)
    const budget = Option.getOrElse(configured, () => rows.reduce((total, row) => total + row.costBudget, 0n))
    return { spent, budget, percent: spendPercent(spent, budget) }
  })
