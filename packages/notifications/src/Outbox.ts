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

/** How one send ended, as the claim's mark records it. */
export type Mark =
  | { readonly id: string; readonly status: "sent"; readonly providerMessageId: string }
  | { readonly id: string; readonly status: "pending"; readonly error: string; readonly retryIn: Duration.Duration }
  | { readonly id: string; readonly status: "dead"; readonly error: string }

/** What a message needs from its tenant's own tables: the letterhead, the receipt token, the project. */
export interface RowContext {
  readonly letterhead: Letterhead
  readonly receiptToken: string | null
  readonly project: Bilingual | null
  /** The tenant's own bot (a secret reference), or null for the platform's. */
  readonly telegramTokenRef: string | null
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
  effect: Effect.gen(function* () {
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
        Effect.gen(function* () {
          const ids = (kind: string) =>
            `{${rows
              .filter((row) => row.payload.kind === kind && UUID.test(String(row.payload.id)))
              .map((row) => row.payload.id)
              .join(",")}}`
          const [found] = yield* sql<{
            letterhead: {
              slug: string
              name_ar: string
              name_en: string
              branding: { primaryColour?: string; accentColour?: string }
            } | null
            captures: Array<{ id: string; receipt_token: string; project_ar: string | null; project_en: string | null }> | null
            token_ref: string | null
          }>`
            select (select row_to_json(l) from app.current_tenant_letterhead() l) as letterhead,
              (select b.token_ref from tenant_telegram_bots b) as token_ref,
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
          if (letterhead === null || letterhead === undefined)
            return yield* Effect.dieMessage("notification for a tenant that does not exist")
          const captures = new Map((found!.captures ?? []).map((capture) => [capture.id, capture]))
          return new Map(
            rows.map((row) => {
              const capture = captures.get(String(row.payload.id))
              return [
                row.id,
                {
                  letterhead: {
                    slug: letterhead.slug,
                    name: { ar: letterhead.name_ar, en: letterhead.name_en },
                    primaryColour: letterhead.branding.primaryColour ?? "",
                    accentColour: letterhead.branding.accentColour ?? ""
                  },
                  receiptToken: capture?.receipt_token ?? null,
                  project:
                    capture === undefined || capture.project_ar === null ? null : { ar: capture.project_ar, en: capture.project_en ?? "" },
                  telegramTokenRef: found!.token_ref
                }
              ]
            })
          )
        })
      )

    /**
     * A claim's outcomes for one tenant in one statement: sent (the lease ends; an invitation's token
     * leaves the outbox with it, only its hash is kept), back to pending after its delay, or dead with
     * its last error. A row counts only while this claim still holds it. Answers how many were marked.
     */
    const mark = (tenantId: TenantId, leaseOwner: string, marks: ReadonlyArray<Mark>) =>
      marks.length === 0
        ? Effect.succeed(0)
        : tenantSql
            .withTenant(
              tenantId,
              Effect.flatMap(
                CurrentTenant,
                () =>
                  sql<{ id: string }>`update notification_outbox o set
                status = m.status, updated_at = now(), lease_owner = null, leased_until = null,
                sent_at = case when m.status = 'sent' then now() else o.sent_at end,
                provider_message_id = coalesce(left(m.provider_id, 200), o.provider_message_id),
                last_error = left(m.error, 1000),
                next_attempt_at = case when m.status = 'pending' then now() + make_interval(secs => m.retry_seconds) else o.next_attempt_at end,
                payload = case when m.status = 'sent' and o.event = 'member.invited' then o.payload - 'token' else o.payload end
              from jsonb_to_recordset(${JSON.stringify(
                marks.map((mark) => ({
                  id: mark.id,
                  status: mark.status,
                  provider_id: mark.status === "sent" ? mark.providerMessageId : null,
                  error: mark.status === "sent" ? null : mark.error,
                  retry_seconds: mark.status === "pending" ? Duration.toMillis(mark.retryIn) / 1000 : 0
                }))
              )}::jsonb) as m (id uuid, status text, provider_id text, error text, retry_seconds float8)
              where o.id = m.id and o.lease_owner = ${leaseOwner} and o.status = 'sending'
              returning o.id`
              )
            )
            .pipe(Effect.map((rows) => rows.length))

    /** Claimed but not started (a shutdown): due again at once, and the attempt does not count. */
    const release = (rows: ReadonlyArray<ClaimedRow>) =>
      Effect.forEach(
        byTenant(rows),
        ([tenantId, mine]) =>
          tenantSql.withTenant(
            tenantId,
            Effect.flatMap(
              CurrentTenant,
              () =>
                sql`update notification_outbox set status = 'pending', updated_at = now(), lease_owner = null, leased_until = null,
                  attempts = greatest(attempts - 1, 0), next_attempt_at = now()
                where id in ${sql.in(mine.map((row) => row.id))} and lease_owner = ${mine[0]!.leaseOwner} and status = 'sending'`
            )
          ),
        { discard: true }
      )

    /**
     * Seconds since the longest-waiting row became due (pending and due, or a dead worker's lease run
     * out), 0 if none: what the `outbox-backlog-age` alarm watches. One statement over every tenant (or
     * only these) through `app.outbox_backlog`, which answers aggregates and no tenant's rows.
     */
    const oldestDueSeconds = (onlyTenants: ReadonlyArray<string> | undefined) =>
      sql<{ oldest: number }>`select oldest_due_seconds as oldest from app.outbox_backlog(
          ${onlyTenants === undefined ? null : `{${onlyTenants.join(",")}}`}::uuid[])`.pipe(Effect.map(([row]) => Math.round(row!.oldest)))

    /** One bounded batch of the purge (`app.purge_outbox`, across tenants): how many rows it deleted. */
    const purge = (
      keepSent: Duration.Duration,
      keepDead: Duration.Duration,
      batch: number,
      onlyTenants: ReadonlyArray<string> | undefined
    ) =>
      sql<{ deleted: number }>`select app.purge_outbox(make_interval(secs => ${seconds(keepSent)}),
          make_interval(secs => ${seconds(keepDead)}), ${batch},
          ${onlyTenants === undefined ? null : `{${onlyTenants.join(",")}}`}::uuid[]) as deleted`.pipe(Effect.map(([row]) => row!.deleted))

    return { claim, contexts, mark, release, oldestDueSeconds, purge } as const
  })
}) {}
