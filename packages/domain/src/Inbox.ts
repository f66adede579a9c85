import { Schema } from "effect"
import { StatusChange } from "./Catalog.js"
import { CaptureKind } from "./Capture.js"
import { DonationCategory } from "./Catalog.js"
import { isRealDay, isRealMicroTimestamp } from "./Keyset.js"
import { Locale } from "./Locale.js"
import { Money } from "./Money.js"
import { MultilineText, Text } from "./Text.js"
import { Timestamp } from "./Timestamp.js"

export const PaymentState = Schema.Literal("pending", "received", "failed", "refunded")
export type PaymentState = typeof PaymentState.Type

/** Each kind's workflow; anything not listed is refused (400 `invalid-transition`). */
export const CAPTURE_TRANSITIONS: Record<CaptureKind, Record<string, ReadonlyArray<string>>> = {
  order: { new: ["confirmed", "cancelled"], confirmed: ["fulfilled", "cancelled"], fulfilled: [], cancelled: [] },
  donation: { pending: ["confirmed", "cancelled"], confirmed: ["cancelled"], cancelled: [] },
  pledge: { open: ["fulfilled", "lapsed", "cancelled"], fulfilled: [], lapsed: ["open"], cancelled: [] }
}

export const PAYMENT_TRANSITIONS: Record<PaymentState, ReadonlyArray<PaymentState>> = {
  pending: ["received", "failed"],
  failed: ["received"],
  received: ["refunded"],
  refunded: []
}

/** One line of the staff inbox: an order, a donation or a pledge. */
export class InboxEntry extends Schema.Class<InboxEntry>("InboxEntry")({
  kind: CaptureKind,
  id: Schema.UUID,
  reference: Schema.String,
  status: Schema.String,
  paymentState: Schema.NullOr(PaymentState),
  amount: Money,
  name: Schema.String,
  phone: Schema.String,
  email: Schema.NullOr(Schema.String),
  category: Schema.NullOr(DonationCategory),
  project: Schema.NullOr(Schema.Struct({ slug: Schema.String, title: Schema.Struct({ ar: Schema.String, en: Schema.String }) })),
  createdAt: Timestamp
}) {}

export class InboxPage extends Schema.Class<InboxPage>("InboxPage")({
  entries: Schema.Array(InboxEntry),
  nextCursor: Schema.NullOr(Schema.String)
}) {}

export class InboxDetail extends Schema.Class<InboxDetail>("InboxDetail")({
  entry: InboxEntry,
  /** Kind-specific fields as stored: order lines, fees, dedication, schedule... */
  details: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  history: Schema.Array(StatusChange),
  receiptToken: Schema.NullOr(Schema.String)
}) {}

export const KuwaitDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "a date like 2026-11-24" }),
  Schema.filter(isRealDay, { message: () => "a date like 2026-11-24 that exists" })
)

/** `created_at|id` of the last entry shown: a time that exists and a UUID, or a 400. */
const InboxCursor = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\|[0-9a-f-]{36}$/, {
    message: () => "a cursor from a previous page"
  }),
  Schema.filter(
    (cursor) => {
      const [at, id, ...rest] = cursor.split("|")
      return (
        rest.length === 0 &&
        at !== undefined &&
        isRealMicroTimestamp(at) &&
        id !== undefined &&
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
      )
    },
    { message: () => "a cursor from a previous page" }
  )
)

export const InboxQuery = Schema.Struct({
  kind: Schema.optional(CaptureKind),
  status: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z]{1,20}$/))),
  /** Days in Kuwait's calendar, both included. */
  from: Schema.optional(KuwaitDate),
  to: Schema.optional(KuwaitDate),
  project: Schema.optional(Schema.String.pipe(Schema.pattern(/^[a-z0-9-]{1,80}$/))),
  category: Schema.optional(DonationCategory),
  /** A reference, part of a name, or digits of a phone number. */
  q: Schema.optional(Text.pipe(Schema.maxLength(100))),
  cursor: Schema.optional(InboxCursor),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200))),
  /** The staff member's language, for the CSV's headers and labels (Arabic when absent). */
  locale: Schema.optional(Locale)
})
export type InboxQuery = typeof InboxQuery.Type

export const InboxStatusRequest = Schema.Struct({
  to: Schema.String.pipe(Schema.pattern(/^[a-z]{1,20}$/)),
  note: Schema.optionalWith(MultilineText.pipe(Schema.maxLength(1000)), { default: () => "" })
})

export const PaymentRequest = Schema.Struct({
  state: PaymentState,
  note: Schema.optionalWith(MultilineText.pipe(Schema.maxLength(1000)), { default: () => "" })
})

/** `GET /tenant/overview?day=`: the Kuwait day to count (its month too); today in Kuwait when absent. */
export const OverviewQuery = Schema.Struct({ day: Schema.optional(KuwaitDate) })

/** How many, and how much (orders' totals, donations with their fees, pledges' promises). */
export class CaptureTotal extends Schema.Class<CaptureTotal>("CaptureTotal")({
  count: Schema.Int,
  amount: Money
}) {}

export class TotalsByKind extends Schema.Class<TotalsByKind>("TotalsByKind")({
  order: CaptureTotal,
  donation: CaptureTotal,
  pledge: CaptureTotal
}) {}

/**
 * The dashboard's home: the day's and its month's captures by kind (cancelled ones left out), in
 * Kuwait's calendar; orders and donations whose payment awaits confirmation; the latest captures.
 */
export class TenantOverview extends Schema.Class<TenantOverview>("TenantOverview")({
  day: Schema.String,
  today: TotalsByKind,
  month: TotalsByKind,
  awaitingPayment: Schema.Struct({ total: CaptureTotal, entries: Schema.Array(InboxEntry) }),
  latest: Schema.Array(InboxEntry)
}) {}
