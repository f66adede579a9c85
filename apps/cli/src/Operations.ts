import { SqlClient } from "@effect/sql"
import { PublicCache } from "@manara/catalog"
import { CHANNELS } from "@manara/notifications"
import { TenantChanges } from "@manara/tenancy"
import { Data, Effect } from "effect"

/** The runbooks' commands (docs/ops/runbooks.md), as the owner role, one tenant's transaction at a time. */

export class UnknownTenant extends Data.TaggedError("UnknownTenant")<{ readonly slug: string }> {}

type Status = "active" | "suspended"

/** Every tenant, or the one with this slug: ops commands walk tenants, since forced RLS shows the owner one at a time. */
const tenantsOf = (slug: string | undefined) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows =
      slug === undefined
        ? yield* sql<{ id: string; slug: string }>`select id, slug from tenants order by slug`
        : yield* sql<{ id: string; slug: string }>`select id, slug from tenants where slug = ${slug}`
    if (slug !== undefined && rows.length === 0) return yield* new UnknownTenant({ slug })
    return rows
  })

/** `work` inside the tenant's transaction, as the API's tenant transactions are. */
const inTenant = <A, E, R>(tenantId: string, work: Effect.Effect<A, E, R>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.zipRight(sql`select set_config('app.current_tenant', ${tenantId}, true)`, work))
  )

/**
 * Suspends or reactivates a tenant, with the reason in its audit log (as the admin console does, by
 * the operator's hand). Answers the status before; `announceTenantStatus` tells the running APIs.
 */
export const setTenantStatus = (slug: string, status: Status, reason: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [tenant] = yield* tenantsOf(slug)
    return yield* inTenant(
      tenant!.id,
      Effect.gen(function* () {
        const [row] = yield* sql<{ previous: Status }>`
          update tenants t set status = ${status} from (select status from tenants where id = ${tenant!.id} for update) before
          where t.id = ${tenant!.id} returning before.status as previous`
        if (row!.previous !== status) {
          yield* sql`insert into audit_log (tenant_id, action, entity_kind, entity_id, before, after)
            values (${tenant!.id}, ${status === "suspended" ? "platform.tenant_suspended" : "platform.tenant_reactivated"}, 'tenant',
              ${tenant!.id}, ${JSON.stringify({ status: row!.previous })}::jsonb,
              ${JSON.stringify({ status, reason, by: "cli" })}::jsonb)`
        }
        return row!.previous
      })
    )
  })

/**
 * `setTenantStatus`, then (when it changed) the same announcement as the admin console's: every running
 * API forgets its cached hosts and slugs before its next request, and the tenant's public version moves
 * (the web server's kept pages go). Answers the status before.
 */
export const announceTenantStatus = (slug: string, status: Status, reason: string) =>
  Effect.gen(function* () {
    const previous = yield* setTenantStatus(slug, status, reason)
    if (previous === status) return previous
    const [tenant] = yield* tenantsOf(slug)
    yield* (yield* TenantChanges).announce({ tenantId: tenant!.id, what: "status" })
    yield* (yield* PublicCache).invalidate(tenant!.id, slug)
    return previous
  })

export interface OutboxCount {
  readonly slug: string
  readonly channel: string
  readonly status: string
  readonly rows: number
  /** Pending and due, or leased past its lease: what a worker would take now. */
  readonly due: number
  /** Seconds since the oldest of those became due (0 if none). */
  readonly oldestDueSeconds: number
}

/** The outbox by tenant, channel and status: how big the backlog is and how old. */
export const outboxStatus = (slug?: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const counts: Array<OutboxCount> = []
    for (const tenant of yield* tenantsOf(slug)) {
      const rows = yield* inTenant(
        tenant.id,
        sql<{ channel: string; status: string; rows: number; due: number; oldest: number }>`
          select channel, status, count(*)::int as rows,
            count(*) filter (where (status = 'pending' and next_attempt_at <= now()) or (status = 'sending' and leased_until <= now()))::int as due,
            coalesce(extract(epoch from now() - min(case when status = 'pending' and next_attempt_at <= now() then next_attempt_at
              when status = 'sending' and leased_until <= now() then leased_until end)), 0)::float8 as oldest
          from notification_outbox where tenant_id = ${tenant.id} group by channel, status order by channel, status`
      )
      for (const { oldest, ...row } of rows) counts.push({ slug: tenant.slug, ...row, oldestDueSeconds: Math.round(oldest) })
    }
    return counts
  })

export interface Retried {
  /** Pending rows waiting out a backoff, due now. */
  readonly backedOff: number
  /** Rows whose worker died holding them, back to pending without waiting for the lease. */
  readonly stale: number
  /** Dead letters given their attempts back (only with `dead`). */
  readonly dead: number
}

/**
 * After an outage (SES, Telegram, the database): every waiting row due now, the claims of dead
 * workers released, and with `dead` the dead letters of the outage (since `since`) retried from
 * zero attempts. Workers then drain at their pace; the same dedupe key keeps a resend from doubling.
 */
export const retryOutbox = (options: { readonly slug?: string; readonly dead: boolean; readonly since?: Date }) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const since = (options.since ?? new Date(0)).toISOString()
    let backedOff = 0
    let stale = 0
    let dead = 0
    for (const tenant of yield* tenantsOf(options.slug)) {
      const [row] = yield* inTenant(
        tenant.id,
        sql<{ backed_off: number; stale: number; dead: number }>`
          with backed_off as (
            update notification_outbox set next_attempt_at = now(), updated_at = now()
            where tenant_id = ${tenant.id} and status = 'pending' and next_attempt_at > now() returning 1),
          stale as (
            update notification_outbox set status = 'pending', lease_owner = null, leased_until = null, next_attempt_at = now(), updated_at = now()
            where tenant_id = ${tenant.id} and status = 'sending' and leased_until <= now() returning 1),
          dead as (
            update notification_outbox set status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
            where tenant_id = ${tenant.id} and status = 'dead' and ${options.dead} and updated_at >= ${since}::timestamptz returning 1)
          select (select count(*) from backed_off)::int as backed_off, (select count(*) from stale)::int as stale,
            (select count(*) from dead)::int as dead`
      )
      backedOff += row!.backed_off
      stale += row!.stale
      dead += row!.dead
    }
    // Wakes the workers' LISTEN at once instead of at their next poll.
    if (backedOff + stale + dead > 0) yield* sql`select pg_notify('notification_outbox', ${CHANNELS.join(",")})`
    return { backedOff, stale, dead } satisfies Retried
  })
