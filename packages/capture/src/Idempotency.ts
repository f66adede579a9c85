import { SqlClient, type Statement } from "@effect/sql"
import { TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Data, Effect } from "effect"
import { createHash, randomUUID } from "node:crypto"
import { hostname } from "node:os"

/** The same key is still being worked on by another request (IETF httpapi idempotency-key: 409); ask again after `retryAfterSeconds`. */
export class IdempotencyInFlight extends Data.TaggedError("IdempotencyInFlight")<{ readonly retryAfterSeconds: number }> {}
/** The same key came with a different request (422). */
export class IdempotencyMismatch extends Data.TaggedError("IdempotencyMismatch")<{}> {}

/** A request's fingerprint: which endpoint, and its decoded body in its canonical JSON form. */
export const fingerprint = (endpoint: string, body: unknown) =>
  createHash("sha256")
    .update(endpoint)
    .update("\n")
    .update(JSON.stringify(body, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value)))
    .digest("hex")

/**
 * A claim holds its key this long unless renewed; the request renews it every `RENEW_EVERY` while it
 * runs. A claim not renewed in time belongs to a process that died: the next request takes the key over.
 */
export const LEASE_SECONDS = 5
const RENEW_EVERY = "1500 millis"
/** Claims from before leases (no `lease_until`) count as abandoned after this. */
const ABANDONED_AFTER_SECONDS = 60

/** This process, as its claims record it: which machine and process held a stranded key. */
const processOwner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`

/** A capture's last statement failed because its claim had been taken over (the check constraint `idempotency_keys_state`). */
export const isClaimTakenOver = (error: unknown): boolean => {
  const cause = (error as { cause?: { code?: unknown; constraint?: unknown } } | null)?.cause
  return cause?.code === "23514" && cause.constraint === "idempotency_keys_state"
}

/** A request's hold on its key: the key, and the claim id only this request knows. */
export interface IdempotencyHold {
  readonly key: string
  readonly claimId: string
}

export type Claim = { readonly _tag: "Proceed" } | { readonly _tag: "Replay"; readonly status: number; readonly receiptToken: string }

/**
 * `Idempotency-Key` per tenant, kept 24 h. `claim` runs in its own short transaction, so that
 * concurrent requests see each other's claim at once; `complete` is a part of the capture's own last
 * statement, so that a completed key exists exactly when its record does. A replay answers with the
 * receipt of the capture the key made.
 */
export class Idempotency extends Effect.Service<Idempotency>()("Capture/Idempotency", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql

    /** `claimId` names this request's hold on the key: only it may release the key again. */
    const claim = (
      tenantId: TenantId,
      key: string,
      hash: string,
      claimId: string
    ): Effect.Effect<Claim, IdempotencyInFlight | IdempotencyMismatch> =>
      tenantSql
        .withTenant(
          tenantId,
          Effect.gen(function* () {
            const tenant = tenantId
            const inserted = yield* sql`
          insert into idempotency_keys (tenant_id, id, key, request_hash, owner, lease_until)
          values (${tenant}, ${claimId}, ${key}, ${hash}, ${processOwner}, now() + make_interval(secs => ${LEASE_SECONDS}))
          on conflict (tenant_id, key) do update set id = excluded.id, request_hash = excluded.request_hash, state = 'in_flight',
            response_status = null, receipt_token = null, created_at = now(), expires_at = now() + interval '24 hours',
            owner = excluded.owner, lease_until = excluded.lease_until
          where idempotency_keys.expires_at <= now()
            or (idempotency_keys.state = 'in_flight'
                and coalesce(idempotency_keys.lease_until, idempotency_keys.created_at + make_interval(secs => ${ABANDONED_AFTER_SECONDS})) < now())
          returning id`
            if (inserted.length > 0) return { _tag: "Proceed" } as const
            const rows = yield* sql<{
              request_hash: string
              state: string
              response_status: number | null
              receipt_token: string | null
              retry_after: number
            }>`
          select request_hash, state, response_status, receipt_token,
            greatest(1, ceil(extract(epoch from coalesce(lease_until, created_at + make_interval(secs => ${ABANDONED_AFTER_SECONDS})) - now())))::int as retry_after
          from idempotency_keys where key = ${key}`
            const row = rows[0]!
            // Still being worked on: its outcome is unknown, so a different body is not (yet) a reuse.
            if (row.state === "in_flight")
              return yield* new IdempotencyInFlight({ retryAfterSeconds: Math.min(row.retry_after, LEASE_SECONDS) })
            if (row.request_hash !== hash) return yield* new IdempotencyMismatch()
            return { _tag: "Replay", status: row.response_status!, receiptToken: row.receipt_token! } as const
          })
        )
        .pipe(Effect.catchTag("SqlError", Effect.die))

    /**
     * For the capture's last statement: from now on (24 h) the key answers with this receipt. If the hold
     * is no longer ours (taken over after its lease ended), the state breaks its check and the whole
     * capture rolls back: one record per key, always.
     */
    const complete = (hold: IdempotencyHold, status: number, receiptToken: string): Statement.Fragment =>
      sql`update idempotency_keys set state = case when id = ${hold.claimId}::uuid then 'completed' else 'taken-over' end,
            response_status = ${status}, receipt_token = ${receiptToken}
          where key = ${hold.key}`

    /** Keeps the claim's lease while its request runs (forked beside it; interrupted when it ends). */
    const keepAlive = (tenantId: TenantId, hold: IdempotencyHold) =>
      tenantSql
        .withTenant(
          tenantId,
          sql`update idempotency_keys set lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
          where key = ${hold.key} and id = ${hold.claimId} and state = 'in_flight'`
        )
        .pipe(Effect.ignore, Effect.delay(RENEW_EVERY), Effect.forever)

    /** The capture failed or was interrupted: free the key, so that a retry with it may proceed. Another request's hold stays. */
    const release = (tenantId: TenantId, key: string, claimId: string) =>
      tenantSql
        .withTenant(tenantId, sql`delete from idempotency_keys where key = ${key} and id = ${claimId} and state = 'in_flight'`)
        .pipe(Effect.orDie)

    return { claim, complete, keepAlive, release } as const
  })
}) {}
