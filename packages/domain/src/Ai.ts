import { Schema } from "effect"

/** A budget month, Kuwait's calendar: `2026-12`. */
export const BudgetMonth = Schema.String.pipe(Schema.pattern(/^20\d\d-(0[1-9]|1[0-2])$/, { message: () => "a month, YYYY-MM" }))

/** Tokens and costs travel as decimal strings (exact: costs are integers of micro-fils, 10^9 per KWD). */
const Count = Schema.BigInt.pipe(
  Schema.greaterThanOrEqualToBigInt(0n),
  Schema.lessThanOrEqualToBigInt(9_000_000_000_000_000n),
  Schema.annotations({ description: "a whole number, as a decimal string" })
)

export const AiAmount = Schema.Struct({ tokens: Count, costMicrofils: Count })
export type AiAmount = typeof AiAmount.Type

export const AiUsageQuery = Schema.Struct({ month: Schema.optional(BudgetMonth) })

export const AiCalls = Schema.Struct({ ok: Schema.Int, error: Schema.Int, timeout: Schema.Int, disconnected: Schema.Int })

export class AiUsageDay extends Schema.Class<AiUsageDay>("AiUsageDay")({
  day: Schema.String,
  tokens: Count,
  costMicrofils: Count,
  calls: Schema.Int
}) {}

/** A tenant's month of AI: against its budget, per day, by outcome; what Redis holds right now when it answers. */
export class TenantAiUsage extends Schema.Class<TenantAiUsage>("TenantAiUsage")({
  month: BudgetMonth,
  planCode: Schema.String,
  budget: AiAmount,
  used: AiAmount,
  caps: Schema.Struct({ maxInputChars: Schema.Int, maxOutputTokens: Schema.Int, maxTurns: Schema.Int }),
  calls: AiCalls,
  days: Schema.Array(AiUsageDay),
  /** In flight now (reserved, not yet settled), and refusals this month; null when the quota store does not answer. */
  live: Schema.NullOr(Schema.Struct({ reserved: AiAmount, refusedForBudget: Schema.Int, refusedForRate: Schema.Int }))
}) {}

export class PlatformAiUsage extends Schema.Class<PlatformAiUsage>("PlatformAiUsage")({
  tenantId: Schema.UUID,
  slug: Schema.String,
  planCode: Schema.String,
  budget: AiAmount,
  used: AiAmount,
  calls: Schema.Int
}) {}

/** A platform admin's override of a tenant's budgets; null puts the plan's back. */
export const AiBudgetOverride = Schema.Struct({
  tokens: Schema.NullOr(Count),
  costMicrofils: Schema.NullOr(Count)
})
