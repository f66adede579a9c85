import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Capture, CaptureEvents, CaptureLimits, CaptureSubmissions, Idempotency, type Submission } from "@manara/capture"
import { PublicCache } from "@manara/catalog"
import { CaptureReceipt, CurrentStorefront, ManaraApi } from "@manara/domain"
import { Effect, Layer, Schema } from "effect"
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
  Effect.gen(function* () {
    const capture = yield* Capture
    const submissions = yield* CaptureSubmissions
    const cache = yield* PublicCache

    /** Takes the capture (`CaptureSubmissions`), then speaks HTTP: a replay says so in a header. */
    const submit = (submission: Submission, key: string | undefined) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentStorefront
        const submitted = yield* submissions.submit(tenant.id, submission, key)
        if (submitted._tag === "Replayed") {
          return HttpServerResponse.unsafeJson(encodeReceipt(submitted.receipt), {
            status: submitted.status,
            headers: { "idempotency-replayed": "true" }
          })
        }
        // A pledge moved its project's pledged amount: the public pages show it at once.
        if (submitted.receipt.kind === "pledge") yield* cache.invalidate(tenant.id, tenant.slug)
        return submitted.receipt
      }).pipe(asProblem)

    return handlers
      .handle("order", ({ headers, payload }) => submit({ kind: "order", input: payload }, headers["idempotency-key"]))
      .handle("donation", ({ headers, payload }) => submit({ kind: "donation", input: payload }, headers["idempotency-key"]))
      .handle("pledge", ({ headers, payload }) => submit({ kind: "pledge", input: payload }, headers["idempotency-key"]))
      .handle("receiptPdf", ({ path }) =>
        Effect.gen(function* () {
          const { pdf, reference } = yield* inStorefront(capture.receiptPdf({ token: path.token }))
          return pdfResponse(pdf, reference)
        }).pipe(asProblem)
      )
      .handle("receipt", ({ path }) => inStorefront(capture.receiptFor(path.token)).pipe(asProblem))
  })
).pipe(
  Layer.provide(CaptureSubmissions.Default),
  Layer.provide([Capture.Default, Idempotency.Default, CaptureLimits.Default, CaptureEvents.Default, PublicCache.Default])
)
