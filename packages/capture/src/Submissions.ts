import { currentRequestMeta, TenantSql } from "@manara/db"
import { type CaptureReceipt, formatMoney, type NewDonation, type NewOrder, type NewPledge, type TenantId } from "@manara/domain"
import { Data, Effect, Exit, Fiber, FiberRef } from "effect"
import { randomUUID } from "node:crypto"
import { Capture } from "./Capture.js"
import { CaptureEvents } from "./CaptureEvents.js"
import { CaptureLimits } from "./CaptureLimits.js"
import { fingerprint, Idempotency } from "./Idempotency.js"

/** The hidden `website` field was filled: a bot. Answered as any invalid request, so it learns nothing. */
export class HoneypotFilled extends Data.TaggedError("HoneypotFilled")<{}> {}

/** What a visitor sends: an order, a donation or a pledge. */
export type Submission =
  | { readonly kind: "order"; readonly input: NewOrder }
  | { readonly kind: "donation"; readonly input: NewDonation }
  | { readonly kind: "pledge"; readonly input: NewPledge }

/** A new capture, or the first answer again for a retried `Idempotency-Key`. */
export type Submitted =
  | { readonly _tag: "Captured"; readonly receipt: CaptureReceipt }
  | { readonly _tag: "Replayed"; readonly receipt: CaptureReceipt; readonly status: number }

/** The endpoint each kind is fingerprinted under, as keys were stored before. */
const ENDPOINTS = { order: "orders", donation: "donations", pledge: "pledges" } as const

/**
 * The rules of taking a capture from a visitor, apart from HTTP: honeypot, rate limits, then the
 * Idempotency-Key (replay, in flight, other body), then the capture's one transaction, whose last
 * statement also completes the key; committed, the tenant's open inboxes hear of it. Its own service
 * because the worker builds `Capture` without the live events' Redis connection.
 */
export class CaptureSubmissions extends Effect.Service<CaptureSubmissions>()("Capture/CaptureSubmissions", {
  effect: Effect.gen(function* () {
    const capture = yield* Capture
    const idempotency = yield* Idempotency
    const limits = yield* CaptureLimits
    const events = yield* CaptureEvents
    const tenantSql = yield* TenantSql

    const submit = (tenantId: TenantId, submission: Submission, key: string | undefined) =>
      Effect.gen(function* () {
        if (submission.input.website !== undefined && submission.input.website !== "") return yield* new HoneypotFilled()
        const { ip } = yield* FiberRef.get(currentRequestMeta)
        yield* limits.admit(tenantId, ip)
        const claimId = randomUUID()
        const hold = key === undefined ? undefined : { key, claimId }
        const submitted: Submitted = yield* Effect.gen(function* () {
          if (hold !== undefined) {
            const claim = yield* idempotency.claim(tenantId, hold.key, fingerprint(ENDPOINTS[submission.kind], submission.input), claimId)
            if (claim._tag === "Replay") {
              const first = yield* tenantSql.withTenant(tenantId, capture.receiptFor(claim.receiptToken))
              return { _tag: "Replayed", receipt: first, status: claim.status } as const
            }
            // The lease is renewed while the capture runs. Stopped with the scope without waiting: a renewal
            // waiting for a connection must not hold up the answer (a late one matches no row).
            const renewal = yield* Effect.forkDaemon(idempotency.keepAlive(tenantId, hold))
            yield* Effect.addFinalizer(() => Fiber.interruptFork(renewal))
          }
          const receipt = yield* tenantSql.withTenant(
            tenantId,
            submission.kind === "order"
              ? capture.order(submission.input, hold)
              : submission.kind === "donation"
                ? capture.donation(submission.input, hold)
                : capture.pledge(submission.input, hold),
            // Captures of one tenant queue for its reference counter: they wait in its lane, not on connections.
            { takesReference: true }
          )
          return { _tag: "Captured", receipt } as const
        }).pipe(
          Effect.scoped,
          // A finalizer: any end but success frees this request's hold on the key — a failure, a defect, a
          // lost database, and an interruption (the client hung up, a deadline, a shutdown) — so a retry
          // works at once. Freeing may fail with the database gone: the key is taken over when its lease ends.
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) || key === undefined ? Effect.void : Effect.exit(idempotency.release(tenantId, key, claimId))
          )
        )
        if (submitted._tag === "Captured") {
          const { receipt } = submitted
          yield* events.publish({
            tenantId,
            kind: receipt.kind,
            reference: receipt.reference,
            amount: formatMoney(receipt.amount),
            at: receipt.createdAt
          })
        }
        return submitted
      })

    return { submit } as const
  })
}) {}
