import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Capture, CaptureEvents, CaptureLimits, fingerprint, Idempotency, type IdempotencyHold } from "@manara/capture"
import { PublicCache } from "@manara/catalog"
import type { SqlClient } from "@effect/sql"
import { type CurrentTenant, currentRequestMeta, TenantSql } from "@manara/db"
import { CaptureReceipt, CurrentStorefront, formatMoney, ManaraApi, problem } from "@manara/domain"
import { Effect, FiberRef, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { asProblem } from "../ProblemMapping.js"
import { inStorefront } from "../Tenancy/Middleware.js"

const encodeReceipt = Schema.encodeSync(CaptureReceipt)

/** A receipt opens in the browser's viewer and saves under its reference. */
export const pdfResponse = (pdf: Uint8Array, reference: string) =>
  HttpServerResponse.uint8Array(pdf, {
    contentType: "application/pdf",
    headers: { "content-disposition": `inline; filename="${reference}.pdf"`, "cache-control": "private, no-store" }
  })

export const CaptureLive = HttpApiBuilder.group(ManaraApi, "capture", (handlers) =>
  Effect.gen(function*() {
    const capture = yield* Capture
    const idempotency = yield* Idempotency
    const limits = yield* CaptureLimits
    const events = yield* CaptureEvents
    const cache = yield* PublicCache
    const tenantSql = yield* TenantSql

    /**
     * The shared path of every capture (its size is checked at the edge, `Limits.ts`): tenant from the host, honeypot, rate limits, then
     * the Idempotency-Key (replay, 409 in flight, 422 other body), then the capture's one transaction,
     * whose last statement also completes the key.
     */
    const captureWith = <P extends { readonly website?: string | undefined }>(
      endpoint: string,
      headers: { readonly "idempotency-key"?: string | undefined },
      payload: P,
      encoded: unknown,
      work: (payload: P, hold: IdempotencyHold | undefined) => Effect.Effect<CaptureReceipt, unknown, CurrentTenant | SqlClient.SqlClient>
    ) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentStorefront
        if (payload.website !== undefined && payload.website !== "") {
          return yield* problem(400, "invalid-request", "The request did not pass validation")
        }
        const { ip } = yield* FiberRef.get(currentRequestMeta)
        yield* limits.admit(tenant.id, ip)
        const key = headers["idempotency-key"]
        const claimId = randomUUID()
        const receipt = yield* Effect.gen(function*() {
          if (key !== undefined) {
            const claim = yield* idempotency.claim(tenant.id, key, fingerprint(endpoint, encoded), claimId)
            if (claim._tag === "Replay") {
              const first = yield* tenantSql.withTenant(tenant.id, capture.receiptFor(claim.receiptToken))
              return HttpServerResponse.unsafeJson(encodeReceipt(first), { status: claim.status, headers: { "idempotency-replayed": "true" } })
            }
          }
          return yield* tenantSql.withTenant(tenant.id, work(payload, key === undefined ? undefined : { key, claimId }))
        }).pipe(
          // Any failure frees this request's hold on the key, a defect or a lost database (5xx) too, so a
          // corrected retry works. Freeing may fail with the database gone: the key is taken over after 60 s.
          Effect.onError(() => (key === undefined ? Effect.void : Effect.exit(idempotency.release(tenant.id, key, claimId))))
        )
        if (HttpServerResponse.isServerResponse(receipt)) return receipt
        // A pledge moved its project's pledged amount: the public pages show it at once.
        if (receipt.kind === "pledge") yield* cache.invalidate(tenant.id)
        // Committed: open inboxes of this tenant hear of it now.
        yield* events.publish({ tenantId: tenant.id, kind: receipt.kind, reference: receipt.reference, amount: formatMoney(receipt.amount) })
        return receipt
      }).pipe(asProblem)

    return handlers
      .handle("order", ({ headers, payload }) =>
        captureWith("orders", headers, payload, payload, (input, key) => capture.order(input, key)))
      .handle("donation", ({ headers, payload }) =>
        captureWith("donations", headers, payload, payload, (input, key) => capture.donation(input, key)))
      .handle("pledge", ({ headers, payload }) =>
        captureWith("pledges", headers, payload, payload, (input, key) => capture.pledge(input, key)))
      .handle("receiptPdf", ({ path }) =>
        Effect.gen(function*() {
          const { pdf, reference } = yield* inStorefront(capture.receiptPdf({ token: path.token }))
          return pdfResponse(pdf, reference)
        }).pipe(asProblem))
      .handle("receipt", ({ path }) => inStorefront(capture.receiptFor(path.token)).pipe(asProblem))
  }))
