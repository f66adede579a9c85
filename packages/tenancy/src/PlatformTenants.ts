import { SqlClient } from "@effect/sql"
import { recordAudit, recordPlatformAudit, TenantSql } from "@manara/db"
import {
  CreatedTenant,
  kuwaitDay,
  money,
  type NewTenant,
  Plan,
  type PlanInput,
  PlatformFigures,
  PlatformTenant,
  PlatformTenantDetail,
  type SignedInUser,
  TenantId,
  type TenantPlanChange
} from "@manara/domain"
import { Data, Effect } from "effect"
import { randomUUID } from "node:crypto"
import { Members } from "./Members.js"
import { TenantChanges } from "./TenantChanges.js"

/** Not a platform admin: the platform's area does not exist for them (a 404, like any unknown address). */
export class NotPlatformAdmin extends Data.TaggedError("NotPlatformAdmin")<{}> {}
/** No tenant with this id (for a platform admin). */
export class PlatformTenantNotFound extends Data.TaggedError("PlatformTenantNotFound")<{}> {}
/** Another tenant already has this slug. */
export class TenantSlugTaken extends Data.TaggedError("TenantSlugTaken")<{ readonly slug: string }> {}
/** No plan with this code. */
export class PlanNotFound extends Data.TaggedError("PlanNotFound")<{ readonly code: string }> {}
/** The figures' range is backwards, too long, or not real days. */
export class InvalidFiguresRange extends Data.TaggedError("InvalidFiguresRange")<{ readonly reason: string }> {}

type Status = "active" | "suspended"
type Overrides = typeof TenantPlanChange.Type.overrides

interface TenantRow {
  readonly id: string
  readonly slug: string
  readonly nameAr: string
  readonly nameEn: string
  readonly kind: string
  readonly status: string
  readonly planCode: string
  readonly members: string
}

interface PlanRow {
  readonly code: string
  readonly name_ar: string
  readonly name_en: string
  readonly monthly_ai_token_budget: string
  readonly monthly_ai_cost_budget: string
  readonly max_catalog_items: number
  readonly max_storage_bytes: string
  readonly max_members: number
  readonly max_monthly_captures: number
  readonly price: string
}

interface LimitsRow {
  readonly status: string
  readonly plan_code: string
  readonly max_catalog_items: number | null
  readonly max_storage_bytes: string | null
  readonly max_members: number | null
  readonly max_monthly_captures: number | null
  readonly ai_monthly_token_budget: string | null
  readonly ai_monthly_cost_budget: string | null
}

const toTenant = (row: TenantRow) =>
  new PlatformTenant({
    id: row.id,
    slug: row.slug,
    name: { ar: row.nameAr, en: row.nameEn },
    kind: row.kind,
    status: row.status,
    planCode: row.planCode,
    members: Number(row.members)
  })

const nullableNumber = (value: string | number | null) => (value === null ? null : Number(value))
const nullableBigInt = (value: string | null) => (value === null ? null : BigInt(value))

const isDay = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day
}
const DAY_MS = 86_400_000

/**
 * The platform admin console's rules: every tenant, its lifecycle (create, suspend, reactivate), its
 * plan and overrides, the plans themselves and platform-wide figures. `tenants` and `plans` are
 * global and closed to the runtime role, so each write goes through a narrow SECURITY DEFINER door;
 * what it does to a tenant is audited in that tenant's `audit_log`, in the same transaction.
 */
export class PlatformTenants extends Effect.Service<PlatformTenants>()("Tenancy/PlatformTenants", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const members = yield* Members
    const changes = yield* TenantChanges

    const adminOnly = (user: SignedInUser) => (user.isPlatformAdmin ? Effect.void : Effect.fail(new NotPlatformAdmin()))

    const selectTenants = sql<TenantRow>`
      select id, slug, name_ar as "nameAr", name_en as "nameEn", kind, status, plan_code as "planCode", members::text as members
      from app.platform_tenants() order by created_at desc, id desc`

    const list = (user: SignedInUser) =>
      Effect.zipRight(
        adminOnly(user),
        selectTenants.pipe(
          Effect.orDie,
          Effect.map((rows) => rows.map(toTenant))
        )
      )

    /** Slug or either name containing `q` (as typed: Arabic names are compared as they are), by status. */
    const search = (user: SignedInUser, query: { readonly q?: string | undefined; readonly status?: Status | undefined }) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        const q = query.q?.trim() ?? ""
        const rows = yield* sql<TenantRow>`
          select id, slug, name_ar as "nameAr", name_en as "nameEn", kind, status, plan_code as "planCode", members::text as members
          from app.platform_tenants()
          where (${q} = '' or strpos(lower(slug), lower(${q})) > 0 or strpos(name_ar, ${q}) > 0 or strpos(lower(name_en), lower(${q})) > 0)
            and (${query.status ?? null}::text is null or status = ${query.status ?? null})
          order by created_at desc, id desc`.pipe(Effect.orDie)
        return rows.map(toTenant)
      })

    const planRows = sql<PlanRow>`
      select code, name_ar, name_en, monthly_ai_token_budget::text, monthly_ai_cost_budget::text, max_catalog_items,
        max_storage_bytes::text, max_members, max_monthly_captures, price::text
      from plans order by price, code`.pipe(Effect.orDie)

    const findPlan = (code: string) =>
      Effect.flatMap(planRows, (rows) => {
        const found = rows.find((row) => row.code === code)
        return found === undefined ? Effect.fail(new PlanNotFound({ code })) : Effect.succeed(found)
      })

    const detailOf = (tenantId: string) =>
      Effect.gen(function* () {
        const rows = yield* sql<LimitsRow>`
          select status, plan_code, max_catalog_items, max_storage_bytes::text, max_members, max_monthly_captures,
            ai_monthly_token_budget::text, ai_monthly_cost_budget::text
          from app.platform_tenant_limits(${tenantId})`.pipe(Effect.orDie)
        const limits = rows[0]
        if (limits === undefined) return yield* new PlatformTenantNotFound()
        const tenant = (yield* selectTenants.pipe(Effect.orDie)).find((row) => row.id === tenantId)
        if (tenant === undefined) return yield* new PlatformTenantNotFound()
        const plan = yield* findPlan(limits.plan_code).pipe(Effect.orDie)
        const overrides = {
          items: limits.max_catalog_items,
          storage: nullableNumber(limits.max_storage_bytes),
          members: limits.max_members,
          captures: limits.max_monthly_captures
        }
        return new PlatformTenantDetail({
          ...toTenant(tenant),
          status: limits.status === "suspended" ? "suspended" : "active",
          overrides,
          limits: {
            items: overrides.items ?? plan.max_catalog_items,
            storage: overrides.storage ?? Number(plan.max_storage_bytes),
            members: overrides.members ?? plan.max_members,
            captures: overrides.captures ?? plan.max_monthly_captures
          },
          aiBudgetOverride: {
            tokens: nullableBigInt(limits.ai_monthly_token_budget),
            costMicrofils: nullableBigInt(limits.ai_monthly_cost_budget)
          }
        })
      })

    const detail = (user: SignedInUser, tenantId: string) => Effect.zipRight(adminOnly(user), detailOf(tenantId))

    /**
     * The tenant, its owner's invitation (emailed through the outbox) and its default settings in one
     * tenant transaction opened with the new tenant's id: if any step fails, nothing is left.
     */
    const create = (user: SignedInUser, input: NewTenant) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        yield* findPlan(input.planCode)
        const tenantId = TenantId.make(randomUUID())
        const ownerEmail = input.ownerEmail.toLowerCase()
        // Defaults the owner changes later in the tenant's settings: where to be reached, and who hears of captures.
        const settings = { contact: { email: ownerEmail } }
        const invitation = yield* tenantSql.withTenant(
          tenantId,
          Effect.gen(function* () {
            const created = yield* sql<{ created: boolean | null }>`
              select app.platform_create_tenant(${tenantId}, ${input.slug}, ${input.kind}, ${input.name.ar}, ${input.name.en},
                ${input.planCode}, ${JSON.stringify(settings)}::jsonb) as created`.pipe(Effect.orDie)
            if (created[0]?.created !== true) return yield* new TenantSlugTaken({ slug: input.slug })
            const invited = yield* members.invite(ownerEmail, "owner", user)
            yield* sql`
              insert into notification_preferences (tenant_id, channel, target, events, locale)
              values (${tenantId}, 'email', ${ownerEmail}, '{capture.created}', 'ar')`.pipe(Effect.orDie)
            yield* recordAudit({
              actor: user.id,
              action: "platform.tenant_created",
              entityKind: "tenant",
              entityId: tenantId,
              after: { slug: input.slug, name: input.name, kind: input.kind, planCode: input.planCode, ownerEmail }
            }).pipe(Effect.orDie)
            return invited.invitation
          })
        )
        // A miss for this host may be remembered for a few seconds, in any process: the new storefront answers at once.
        yield* changes.announce({ tenantId, what: "created" })
        return new CreatedTenant({ id: tenantId, slug: input.slug, invitationId: invitation.id, ownerEmail })
      })

    /** Suspends or reactivates; every storefront host is forgotten, so the next request sees it. */
    const setStatus = (user: SignedInUser, tenantId: string, status: Status) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        const id = TenantId.make(tenantId)
        yield* tenantSql.withTenant(
          id,
          Effect.gen(function* () {
            const rows = yield* sql<{ previous: string }>`
              select previous from app.platform_set_tenant_status(${id}, ${status})`.pipe(Effect.orDie)
            const previous = rows[0]?.previous
            if (previous === undefined) return yield* new PlatformTenantNotFound()
            if (previous === status) return
            yield* recordAudit({
              actor: user.id,
              action: status === "suspended" ? "platform.tenant_suspended" : "platform.tenant_reactivated",
              entityKind: "tenant",
              entityId: id,
              before: { status: previous },
              after: { status }
            }).pipe(Effect.orDie)
          })
        )
        // Every API process forgets its hosts and slugs before the next request.
        yield* changes.announce({ tenantId: id, what: "status" })
        return yield* detailOf(tenantId)
      })

    const setPlan = (user: SignedInUser, tenantId: string, change: typeof TenantPlanChange.Type) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        yield* findPlan(change.planCode)
        const before = yield* detailOf(tenantId)
        const o: Overrides = change.overrides
        yield* tenantSql.withTenant(
          TenantId.make(tenantId),
          Effect.gen(function* () {
            yield* sql`select app.platform_set_tenant_limits(${tenantId}, ${change.planCode}, ${o.items}, ${o.storage},
              ${o.members}, ${o.captures})`.pipe(Effect.orDie)
            yield* recordAudit({
              actor: user.id,
              action: "platform.tenant_plan_changed",
              entityKind: "tenant",
              entityId: tenantId,
              before: { planCode: before.planCode, overrides: before.overrides },
              after: { planCode: change.planCode, overrides: o }
            }).pipe(Effect.orDie)
          })
        )
        return yield* detailOf(tenantId)
      })

    const plans = (user: SignedInUser) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        const rows = yield* planRows
        const tenants = yield* selectTenants.pipe(Effect.orDie)
        return rows.map((row) => toPlan(row, tenants.filter((tenant) => tenant.planCode === row.code).length))
      })

    const savePlan = (user: SignedInUser, code: string, input: typeof PlanInput.Type) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        const price = `${input.price / 1000n}.${(input.price % 1000n).toString().padStart(3, "0")}`
        yield* sql
          .withTransaction(
            Effect.gen(function* () {
              const rows = yield* sql<{ before: unknown }>`
                select app.platform_save_plan(${code}, ${input.name.ar}, ${input.name.en}, ${input.aiBudget.tokens.toString()},
                  ${input.aiBudget.costMicrofils.toString()}, ${input.limits.items}, ${input.limits.storage},
                  ${input.limits.members}, ${input.limits.captures}, ${price}) as before`
              const before = rows[0]?.before ?? null
              yield* recordPlatformAudit({
                actor: user.id,
                action: before === null ? "platform.plan_created" : "platform.plan_changed",
                entityKind: "plan",
                entityId: code,
                before: before ?? undefined,
                after: {
                  name: input.name,
                  aiBudget: { tokens: input.aiBudget.tokens.toString(), costMicrofils: input.aiBudget.costMicrofils.toString() },
                  limits: input.limits,
                  price
                }
              })
            })
          )
          .pipe(Effect.orDie)
        const saved = yield* findPlan(code).pipe(Effect.orDie)
        const tenants = yield* selectTenants.pipe(Effect.orDie)
        return toPlan(saved, tenants.filter((tenant) => tenant.planCode === code).length)
      })

    /** Sums over Kuwait days `from`..`to` (both included); this month so far by default. */
    const figures = (user: SignedInUser, query: { readonly from?: string | undefined; readonly to?: string | undefined }) =>
      Effect.gen(function* () {
        yield* adminOnly(user)
        const today = kuwaitDay()
        const from = query.from ?? `${today.slice(0, 8)}01`
        const to = query.to ?? today
        if (!isDay(from) || !isDay(to)) return yield* new InvalidFiguresRange({ reason: "not a day of the calendar" })
        const days = (Date.parse(to) - Date.parse(from)) / DAY_MS
        if (days < 0) return yield* new InvalidFiguresRange({ reason: "to is before from" })
        if (days > 365) return yield* new InvalidFiguresRange({ reason: "at most 366 days" })
        const rows = yield* sql<Record<string, string>>`
          select tenants_active::text, tenants_suspended::text, orders::text, donations::text, pledges::text,
            orders_total::numeric(20, 3)::text, donations_total::numeric(20, 3)::text, pledges_total::numeric(20, 3)::text, ai_tokens::text, ai_cost_microfils::text
          from app.platform_figures((${from}::date)::timestamp at time zone 'Asia/Kuwait',
                                    ((${to}::date) + 1)::timestamp at time zone 'Asia/Kuwait')`.pipe(Effect.orDie)
        const row = rows[0]!
        return new PlatformFigures({
          from,
          to,
          tenants: { active: Number(row.tenants_active), suspended: Number(row.tenants_suspended) },
          captures: { orders: Number(row.orders), donations: Number(row.donations), pledges: Number(row.pledges) },
          amounts: { orders: row.orders_total!, donations: row.donations_total!, pledges: row.pledges_total! },
          ai: { tokens: BigInt(row.ai_tokens ?? "0"), costMicrofils: BigInt(row.ai_cost_microfils ?? "0") }
        })
      })

    return { list, search, detail, create, setStatus, setPlan, plans, savePlan, figures } as const
  }),
  dependencies: [Members.Default]
}) {}

const toPlan = (row: PlanRow, tenants: number) =>
  new Plan({
    code: row.code,
    name: { ar: row.name_ar, en: row.name_en },
    aiBudget: { tokens: BigInt(row.monthly_ai_token_budget), costMicrofils: BigInt(row.monthly_ai_cost_budget) },
    limits: {
      items: row.max_catalog_items,
      storage: Number(row.max_storage_bytes),
      members: row.max_members,
      captures: row.max_monthly_captures
    },
    price: money(row.price),
    tenants
  })
