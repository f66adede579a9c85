import { TenantSql } from "@manara/db"
import { ReceiptPdfs } from "@manara/notifications"
import { Cause, Effect, Layer, Option } from "effect"
import { Capture } from "./Capture.js"

/** The donor's email carries the same PDF receipt as the receipt link; without it, the email still goes. */
export const ReceiptPdfsLive = Layer.effect(
  ReceiptPdfs,
  Effect.gen(function* () {
    const capture = yield* Capture
    const tenantSql = yield* TenantSql
    return {
      pdf: (tenantId, kind, id) =>
        tenantSql.withTenant(tenantId, capture.receiptPdf({ kind, id })).pipe(
          Effect.map(Option.some),
          Effect.catchAllCause((cause) =>
            Effect.as(Effect.logWarning("receipt PDF for a notification failed; sending without it", Cause.squash(cause)), Option.none())
          )
        )
    }
  })
)
