export * from "./Capture.js"
export * from "./Idempotency.js"
export * from "./Payments.js"
export * from "./References.js"
export * from "./CaptureLimits.js"
export * from "./CaptureEvents.js"
export * from "./Inbox.js"
export * from "./Totals.js"
export * from "./ReceiptAttachments.js"
export * from "./Submissions.js"

import type { CaptureRefused, ReceiptNotFound } from "./Capture.js"
import type { IdempotencyInFlight, IdempotencyMismatch } from "./Idempotency.js"
import type { CaptureNotFound, InvalidCaptureTransition } from "./Inbox.js"
import type { PaymentMethodUnavailable } from "./Payments.js"
import type { HoneypotFilled } from "./Submissions.js"
import type { ProjectTotalOutOfRange } from "./Totals.js"
/** Every expected failure of capture and the inbox: the API maps each to a problem. */
export type CaptureError =
  | CaptureRefused
  | HoneypotFilled
  | ReceiptNotFound
  | IdempotencyInFlight
  | IdempotencyMismatch
  | CaptureNotFound
  | InvalidCaptureTransition
  | PaymentMethodUnavailable
  | ProjectTotalOutOfRange
