import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { CurrentTenant, TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Duration, Effect } from "effect"
import type { Bilingual, Letterhead } from "./Templates.js"

export type Channel = "email" | "telegram"
export const CHANNELS: ReadonlyArray<Channel> = ["email", "telegram"]

/** A row a worker holds under its lease, as `app.claim_outbox` hands it over. */
export interface ClaimedRow {
  readonly tenantId: TenantId
  readonly id: string
  readonly event: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly channel: Channel
  readonly target: string
  readonly locale: "ar" | "en"
  readonly dedupeKey: string
  /** Counting this one. */
  readonly attempts: number
  readonly leaseOwner: string
}

/** What a message needs from its tenant's own tables: the letterhead, the receipt token, the project. */
export interface RowContext {
  readonly letterhead: Letterhead
  readonly receiptToken: string | null
  readonly project: Bilingual | null
}

const CAPTURE_TABLES: Record<string, string> = { order: "orders", donation: "donations", pledge: "pledges" }

/** Rows grouped by tenant (Node 20 has no Map.groupBy). */
const byTenant = (rows: ReadonlyArray<ClaimedRow>) => {
  const groups = new Map<TenantId, Array<ClaimedRow>>()
  for (const row of rows) groups.set(row.tenantId, [...(groups.get(row.tenantId) ?? []), row])
  return groups
}

const seconds = (duration: Duration.Duration) => Duration.toMillis(duration) / 1000

/**
 * The outbox as workers see it. Claiming crosses tenants through `app.claim_outbox` (the only door);
 * everything else runs under the row's own tenant through `TenantSql`, and a mark counts only while
 * the worker's lease still holds the row.
 */
export class Outbox extends Effect.Service<Outbox>()("Notifications/Outbox", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql

    const claim = (channel: Channel, batch: number, lease: Duration.Duration, onlyTenants: ReadonlyArray<string> | undefined) =>
      sql<{
        tenant_id: TenantId
        id: string
        event: string
        payload: Record<string, unknown>
        channel: Channel
        target: string
        locale: "ar" | "en"
        dedupe_key: string
        attempts: number
        lease_owner: string
      }>`select * from app.claim_outbox(${channel}, ${batch}, make_interval(secs => ${seconds(lease)}),
          ${onlyTenants === undefined ? null : `{${onlyTenants.join(",")}}`}::uuid[])`.pipe(
        Effect.map((rows) =>
          rows.map((row): ClaimedRow => ({
            tenantId: row.tenant_id,
            id: row.id,
            event: row.event,
            payload: row.payload,
            channel: row.channel,
            target: row.target,
            locale: row.locale,
            dedupeKey: row.dedupe_key,
            attempts: row.attempts,
            leaseOwner: row.lease_owner
          }))
        )
      )

    /** The letterhead, and for a capture its receipt token and project, read under the row's tenant. */
    const context = (row: ClaimedRow): Effect.Effect<RowContext, SqlError> =>
      tenantSql.withTenant(
        row.tenantId,
        Effect.gen(function*() {
          const table = CAPTURE_TABLES[String(row.payload.kind)]
          const id = typeof row.payload.id === "string" ? row.payload.id : null
          const rows = yield* sql<{
            slug: string
            name_ar: string
            name_en: string
            branding: { primaryColour?: string; accentColour?: string }
            receipt_token: string | null
            project_ar: string | null
            project_en: string | null
          }>`
            select l.slug, l.name_ar, l.name_en, l.branding, c.receipt_token, c.project_ar, c.project_en
            from app.current_tenant_letterhead() l
            left join lateral (${
            table === undefined || id === null
              ? sql`select null::text as receipt_token, null::text as project_ar, null::text as project_en`
              : sql`select r.receipt_token, i.title_ar as project_ar, i.title_en as project_en from ${sql(table)} r
                  left join catalog_items i on ${table === "orders" ? sql`false` : sql`i.id = r.catalog_item_id`}
                  where r.id = ${id}::uuid`
          }) c on true`
          const found = rows[0]
          if (found === undefined) return yield* Effect.dieMessage("notification for a tenant that does not exist")
          return {
            letterhead: {
              slug: found.slug,
              name: { ar: found.name_ar, en: found.name_en },
              primaryColour: found.branding.primaryColour ?? "",
              accentColour: found.branding.accentColour ?? ""
            },
            receiptToken: found.receipt_token,
            project: found.project_ar === null ? null : { ar: found.project_ar, en: found.project_en ?? "" }
          }
        })
      )

    const held = (row: ClaimedRow) => sql`id = ${row.id} and lease_owner = ${row.leaseOwner} and status = 'sending'`

    /** Sent: the lease ends; an invitation's token leaves the outbox with it (only its hash is kept). */
    const markSent = (row: ClaimedRow, providerMessageId: string) =>
      tenantSql.withTenant(
        row.tenantId,
        Effect.flatMap(CurrentTenant, () =>
          sql`update notification_outbox set status = 'sent', sent_at = now(), updated_at = now(), lease_owner = null, leased_until = null,
              last_error = null, provider_message_id = ${providerMessageId.slice(0, 200)},
              payload = case when event = 'member.invited' then payload - 'token' else payload end
            where ${held(row)} returning id`)
      ).pipe(Effect.map((rows) => rows.length === 1))

    /** Failed: back to pending after `retryIn`, or dead with its last error. */
    const markFailed = (row: ClaimedRow, error: string, outcome: { readonly dead: true } | { readonly dead: false; readonly retryIn: Duration.Duration }) =>
      tenantSql.withTenant(
        row.tenantId,
        Effect.flatMap(CurrentTenant, () =>
          sql`update notification_outbox set status = ${outcome.dead ? "dead" : "pending"}, updated_at = now(), lease_owner = null, leased_until = null,
              last_error = ${error.slice(0, 1000)},
              next_attempt_at = now() + make_interval(secs => ${outcome.dead ? 0 : seconds(outcome.retryIn)})
            where ${held(row)} returning id`)
      ).pipe(Effect.map((rows) => rows.length === 1))

    /** Claimed but not started (a shutdown): due again at once, and the attempt does not count. */
    const release = (rows: ReadonlyArray<ClaimedRow>) =>
      Effect.forEach(
        byTenant(rows),
        ([tenantId, mine]) =>
          tenantSql.withTenant(
            tenantId,
            Effect.flatMap(CurrentTenant, () =>
              sql`update notification_outbox set status = 'pending', updated_at = now(), lease_owner = null, leased_until = null,
                  attempts = greatest(attempts - 1, 0), next_attempt_at = now()
                where id in ${sql.in(mine.map((row) => row.id))} and lease_owner = ${mine[0]!.leaseOwner} and status = 'sending'`)
          ),
        { discard: true }
      )

    return { claim, context, markSent, markFailed, release } as const
  })
}) {}
