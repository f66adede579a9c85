import { SqlClient, type Statement } from "@effect/sql"
import { TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Data, Effect } from "effect"
import { createHash } from "node:crypto"

/** The same key is still being worked on by another request (IETF httpapi idempotency-key: 409). */
export class IdempotencyInFlight extends Data.TaggedError("IdempotencyInFlight")<{}> {}
/** The same key came with a different request (422). */
export class IdempotencyMismatch extends Data.TaggedError("IdempotencyMismatch")<{}> {}

/** A request's fingerprint: which endpoint, and its decoded body in its canonical JSON form. */
export const fingerprint = (endpoint: string, body: unknown) =>
  createHash("sha256").update(endpoint).update("\n")
    .update(JSON.stringify(body, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value)))
    .digest("hex")

/** A key left `in_flight` longer than this belongs to a request that died (and could not release it): the next one takes it over, whatever its body. */
const ABANDONED_AFTER_SECONDS = 60

/** A request's hold on its key: the key, and the claim id only this request knows. */
export interface IdempotencyHold {
  readonly key: string
  readonly claimId: string
}

export type Claim =
  | { readonly _tag: "Proceed" }
  | { readonly _tag: "Replay"; readonly status: number; readonly receiptToken: string }

/**
 * `Idempotency-Key` per tenant, kept 24 h. `claim` runs in its own short transaction, so that
 * concurrent requests see each other's claim at once; `complete` is a part of the capture's own last
 * statement, so that a completed key exists exactly when its record does. A replay answers with the
 * receipt of the capture the key made.
 */
export class Idempotency extends Effect.Service<Idempotency>()("Capture/Idempotency", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql

    /** `claimId` names this request's hold on the key: only it may release the key again. */
    const claim = (tenantId: TenantId, key: string, hash: string, claimId: string): Effect.Effect<Claim, IdempotencyInFlight | IdempotencyMismatch> =>
      tenantSql.withTenant(tenantId, Effect.gen(function*() {
        const tenant = tenantId
        const inserted = yield* sql`
          insert into idempotency_keys (tenant_id, id, key, request_hash) values (${tenant}, ${claimId}, ${key}, ${hash})
          on conflict (tenant_id, key) do update set id = excluded.id, request_hash = excluded.request_hash, state = 'in_flight',
            response_status = null, receipt_token = null, created_at = now(), expires_at = now() + interval '24 hours'
          where idempotency_keys.expires_at <= now()
            or (idempotency_keys.state = 'in_flight'
                and idempotency_keys.created_at < now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS}))
          returning id`
        if (inserted.length > 0) return { _tag: "Proceed" } as const
        const rows = yield* sql<{ request_hash: string; state: string; response_status: number | null; receipt_token: string | null }>`
          select request_hash, state, response_status, receipt_token from idempotency_keys where key = ${key}`
        const row = rows[0]!
        // Still being worked on: its outcome is unknown, so a different body is not (yet) a reuse.
        if (row.state === "in_flight") return yield* new IdempotencyInFlight()
        if (row.request_hash !== hash) return yield* new IdempotencyMismatch()
        return { _tag: "Replay", status: row.response_status!, receiptToken: row.receipt_token! } as const
      })).pipe(Effect.catchTag("SqlError", Effect.die))

    /** For the capture's last statement: from now on (24 h) the key answers with this receipt (if the hold is still ours). */
    const complete = (hold: IdempotencyHold, status: number, receiptToken: string): Statement.Fragment =>
      sql`update idempotency_keys set state = 'completed', response_status = ${status}, receipt_token = ${receiptToken}
          where key = ${hold.key} and id = ${hold.claimId}`

    /** The capture failed: free the key, so that a corrected retry with it may proceed. Another request's hold stays. */
    const release = (tenantId: TenantId, key: string, claimId: string) =>
      tenantSql.withTenant(tenantId, sql`delete from idempotency_keys where key = ${key} and id = ${claimId} and state = 'in_flight'`)
        .pipe(Effect.orDie)

    return { claim, complete, release } as const
  })
}) {}
