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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Rows grouped by tenant (Node 20 has no Map.groupBy). */
export const byTenant = (rows: ReadonlyArray<ClaimedRow>) => {
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

    /**
     * The letterhead, and for each capture its receipt token and project: one statement under the
     * tenant for all of a claim's rows of that tenant (a row whose capture is gone gets neither).
     */
    const contexts = (tenantId: TenantId, rows: ReadonlyArray<ClaimedRow>): Effect.Effect<ReadonlyMap<string, RowContext>, SqlError> =>
      tenantSql.withTenant(
        tenantId,
        Effect.gen(function*() {
          const ids = (kind: string) => `{${rows.filter((row) => row.payload.kind === kind && UUID.test(String(row.payload.id))).map((row) => row.payload.id).join(",")}}`
          const [found] = yield* sql<{
            letterhead: { slug: string; name_ar: string; name_en: string; branding: { primaryColour?: string; accentColour?: string } } | null
            captures: Array<{ id: string; receipt_token: string; project_ar: string | null; project_en: string | null }> | null
          }>`
            select (select row_to_json(l) from app.current_tenant_letterhead() l) as letterhead,
              (select json_agg(c) from (
                select d.id, d.receipt_token, i.title_ar as project_ar, i.title_en as project_en
                from donations d left join catalog_items i on i.id = d.catalog_item_id where d.id = any (${ids("donation")}::uuid[])
                union all
                select p.id, p.receipt_token, i.title_ar, i.title_en
                from pledges p left join catalog_items i on i.id = p.catalog_item_id where p.id = any (${ids("pledge")}::uuid[])
                union all
                select o.id, o.receipt_token, null, null from orders o where o.id = any (${ids("order")}::uuid[])
              ) c) as captures`
          const letterhead = found?.letterhead
          if (letterhead === null || letterhead === undefined) return yield* Effect.dieMessage("notification for a tenant that does not exist")
          const captures = new Map((found!.captures ?? []).map((capture) => [capture.id, capture]))
          return new Map(rows.map((row) => {
            const capture = captures.get(String(row.payload.id))
            return [row.id, {
              letterhead: {
                slug: letterhead.slug,
                name: { ar: letterhead.name_ar, en: letterhead.name_en },
                primaryColour: letterhead.branding.primaryColour ?? "",
                accentColour: letterhead.branding.accentColour ?? ""
              },
              receiptToken: capture?.receipt_token ?? null,
              project: capture === undefined || capture.project_ar === null ? null : { ar: capture.project_ar, en: capture.project_en ?? "" }
            }]
          }))
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

    return { claim, contexts, markSent, markFailed, release } as const
  })
}) {}
