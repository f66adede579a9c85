import { Schema } from "effect"
import { Email } from "./Auth.js"
import { Money } from "./Money.js"
import { Slug } from "./Slug.js"
import { Bilingual, TenantKind } from "./Storefront.js"
import { Text } from "./Text.js"

/** What a plan limits, each counted where it is used: catalog items, media bytes, members, captures this Kuwait month. */
export const PlanLimitName = Schema.Literal("items", "storage", "members", "captures")
export type PlanLimitName = typeof PlanLimitName.Type

const WholeNumber = Schema.Int.pipe(Schema.between(0, 2_000_000_000))
/** Bytes can pass 2^31: a safe integer. */
const Bytes = Schema.Int.pipe(Schema.between(0, Number.MAX_SAFE_INTEGER))
/** AI tokens and costs (micro-fils) travel as decimal strings, as in `AiAmount`. */
const Count = Schema.BigInt.pipe(Schema.greaterThanOrEqualToBigInt(0n), Schema.lessThanOrEqualToBigInt(9_000_000_000_000_000n))

export const PlanLimitValues = Schema.Struct({
  items: WholeNumber,
  storage: Bytes,
  members: WholeNumber.pipe(Schema.greaterThanOrEqualTo(1)),
  captures: WholeNumber
})
export type PlanLimitValues = typeof PlanLimitValues.Type

/** A tenant's own limits; null: its plan's. */
export const PlanLimitOverrides = Schema.Struct({
  items: Schema.NullOr(WholeNumber),
  storage: Schema.NullOr(Bytes),
  members: Schema.NullOr(WholeNumber.pipe(Schema.greaterThanOrEqualTo(1))),
  captures: Schema.NullOr(WholeNumber)
})

const PlanCode = Schema.String.pipe(Schema.pattern(/^[a-z0-9_-]{1,32}$/, { message: () => "a plan code: 1 to 32 of a-z, 0-9, _ and -" }))
const Name = Text.pipe(Schema.trimmed(), Schema.maxLength(200))

export class Plan extends Schema.Class<Plan>("Plan")({
  code: PlanCode,
  name: Bilingual,
  aiBudget: Schema.Struct({ tokens: Count, costMicrofils: Count }),
  limits: PlanLimitValues,
  price: Money,
  tenants: Schema.Int
}) {}

/** A plan as a platform admin saves it (created, or changed in place by its code). */
export const PlanInput = Schema.Struct({
  name: Schema.Struct({ ar: Name.pipe(Schema.minLength(1)), en: Name }),
  aiBudget: Schema.Struct({ tokens: Count, costMicrofils: Count }),
  limits: PlanLimitValues,
  price: Money
})
export const planCodeParam = PlanCode

/** A new tenant: it exists with its owner's invitation and default settings, or not at all. */
export const NewTenant = Schema.Struct({
  slug: Slug,
  name: Schema.Struct({ ar: Name.pipe(Schema.minLength(1)), en: Name }),
  kind: TenantKind,
  planCode: PlanCode,
  ownerEmail: Email
})
export type NewTenant = typeof NewTenant.Type

export class CreatedTenant extends Schema.Class<CreatedTenant>("CreatedTenant")({
  id: Schema.UUID,
  slug: Schema.String,
  invitationId: Schema.UUID,
  ownerEmail: Schema.String
}) {}

export const PlatformTenantsQuery = Schema.Struct({
  q: Schema.optional(Text.pipe(Schema.maxLength(100))),
  status: Schema.optional(Schema.Literal("active", "suspended"))
})

export class PlatformTenantDetail extends Schema.Class<PlatformTenantDetail>("PlatformTenantDetail")({
  id: Schema.UUID,
  slug: Schema.String,
  name: Bilingual,
  kind: Schema.String,
  status: Schema.Literal("active", "suspended"),
  planCode: Schema.String,
  members: Schema.Int,
  overrides: PlanLimitOverrides,
  /** What applies: the override, else the plan's. */
  limits: PlanLimitValues,
  aiBudgetOverride: Schema.Struct({ tokens: Schema.NullOr(Count), costMicrofils: Schema.NullOr(Count) })
}) {}

/** Moves a tenant to a plan and sets its overrides in one go. */
export const TenantPlanChange = Schema.Struct({ planCode: PlanCode, overrides: PlanLimitOverrides })

/** Platform-wide sums over a date range (Asia/Kuwait days, both included). */
export const FiguresQuery = Schema.Struct({
  from: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: () => "a day, YYYY-MM-DD" }))
  ),
  to: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: () => "a day, YYYY-MM-DD" }))
  )
})

/** A platform-wide sum of KWD: exact, three decimals, and unbounded (it can pass NUMERIC(12,3)). */
const KwdTotal = Schema.String.pipe(Schema.pattern(/^\d+\.\d{3}$/))

export class PlatformFigures extends Schema.Class<PlatformFigures>("PlatformFigures")({
  from: Schema.String,
  to: Schema.String,
  tenants: Schema.Struct({ active: Schema.Int, suspended: Schema.Int }),
  captures: Schema.Struct({ orders: Schema.Int, donations: Schema.Int, pledges: Schema.Int }),
  amounts: Schema.Struct({ orders: KwdTotal, donations: KwdTotal, pledges: KwdTotal }),
  ai: Schema.Struct({ tokens: Count, costMicrofils: Count })
}) {}

export class LimitUsage extends Schema.Class<LimitUsage>("LimitUsage")({
  limit: PlanLimitName,
  max: Schema.Number,
  used: Schema.Number
}) {}

/** The tenant's plan and its usage against each limit. */
export class TenantUsage extends Schema.Class<TenantUsage>("TenantUsage")({
  planCode: Schema.String,
  limits: Schema.Array(LimitUsage)
}) {}
