import { SqlClient } from "@effect/sql"
import { LimitUsage, type PlanLimitName, TenantUsage } from "@manara/domain"
import { Data, Effect } from "effect"
import { CurrentTenant } from "./TenantSql.js"

/** The tenant's plan (or its override) does not allow one more of `limit`. */
export class PlanLimitReached extends Data.TaggedError("PlanLimitReached")<{
  readonly limit: PlanLimitName
  readonly max: number
  readonly used: number
}> {}

const LIMIT_COLUMN = {
  items: "max_catalog_items",
  storage: "max_storage_bytes",
  members: "max_members",
  captures: "max_monthly_captures"
} as const satisfies Record<PlanLimitName, string>

const ORDER: ReadonlyArray<PlanLimitName> = ["items", "storage", "members", "captures"]

interface LimitsRow {
  readonly plan_code: string
  readonly max_catalog_items: number
  readonly max_storage_bytes: string
  readonly max_members: number
  readonly max_monthly_captures: number
}

const currentLimits = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<LimitsRow>`select * from app.current_tenant_limits()`.pipe(
    Effect.orDie,
    Effect.flatMap((rows) => (rows[0] === undefined ? Effect.dieMessage("no tenant in this transaction") : Effect.succeed(rows[0])))
  )
)

const maxOf = (row: LimitsRow, limit: PlanLimitName) => Number(row[LIMIT_COLUMN[limit]])

/** This Kuwait month's orders, donations and pledges of the current tenant, as a scalar subquery (int). */
const capturesThisMonth = (sql: SqlClient.SqlClient) => sql`(
  with month as (select (date_trunc('month', now() at time zone 'Asia/Kuwait') at time zone 'Asia/Kuwait') as start)
  select ((select count(*) from orders, month where created_at >= month.start)
    + (select count(*) from donations, month where created_at >= month.start)
    + (select count(*) from pledges, month where created_at >= month.start))::int)`

/**
 * What the current tenant uses of a limit, under its own RLS. Members count the open invitations too
 * (each one is a seat promised); captures count this Kuwait month's orders, donations and pledges.
 */
const usedOf = (limit: PlanLimitName) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const query =
      limit === "items"
        ? sql<{ used: string }>`select count(*)::text as used from catalog_items`
        : limit === "storage"
          ? sql<{ used: string }>`select coalesce(sum(byte_size), 0)::text as used from media_assets`
          : limit === "members"
            ? sql<{ used: string }>`
              select ((select count(*) from tenant_members where status = 'active')
                + (select count(*) from tenant_invitations
                   where accepted_at is null and revoked_at is null and expires_at > now()))::text as used`
            : sql<{ used: string }>`select ${capturesThisMonth(sql)}::text as used`
    return query.pipe(
      Effect.orDie,
      Effect.map((rows) => Number(rows[0]?.used ?? 0))
    )
  })

const checkWithin = (limit: PlanLimitName, max: number, used: number, adding: number) =>
  used + adding > max ? Effect.fail(new PlanLimitReached({ limit, max, used })) : Effect.void

/**
 * The captures limit and its use, as two columns (`captures_max`, `captures_used`) for a capture's own
 * first read: a capture learns them without round trips of their own, holding its connection shorter.
 */
export const capturesPlanColumns = (sql: SqlClient.SqlClient) =>
  sql`(select max_monthly_captures from app.current_tenant_limits())::int as captures_max, ${capturesThisMonth(sql)} as captures_used`

/** Refuses one more capture past the plan, from what `capturesPlanColumns` read. */
export const requireCaptureWithinPlan = (row: { readonly captures_max: number; readonly captures_used: number }) =>
  checkWithin("captures", Number(row.captures_max), Number(row.captures_used), 1)

/**
 * Refuses, inside the caller's tenant transaction, what would take the tenant past its plan: `adding`
 * more of `limit` (an item, the upload's bytes, a seat). A transaction-scoped advisory lock per tenant
 * and limit makes two concurrent staff requests count one after the other, so N+1 never slips in.
 * Captures take no lock: they are the storefront's hot path, kept short on purpose (`commitWith`), so
 * captures in flight at the same moment may pass the monthly limit by as many as run concurrently.
 */
export const requireWithinPlan = (limit: PlanLimitName, adding: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantId = yield* CurrentTenant
    if (limit !== "captures") {
      yield* sql`select pg_advisory_xact_lock(hashtextextended(${`${tenantId}:plan:${limit}`}, 0))`.pipe(Effect.orDie)
    }
    const limits = yield* currentLimits
    yield* checkWithin(limit, maxOf(limits, limit), yield* usedOf(limit), adding)
  })

/** The current tenant's plan and its usage against every limit. */
export const planUsage = Effect.gen(function* () {
  const limits = yield* currentLimits
  const usage: Array<LimitUsage> = []
  for (const limit of ORDER) usage.push(new LimitUsage({ limit, max: maxOf(limits, limit), used: yield* usedOf(limit) }))
  return new TenantUsage({ planCode: limits.plan_code, limits: usage })
})
