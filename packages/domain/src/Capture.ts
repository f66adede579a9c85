import { Schema } from "effect"
import { Email } from "./Auth.js"
import { DonationCategory, ItemSlug } from "./Catalog.js"
import { Locale } from "./Locale.js"
import { Money } from "./Money.js"
import { MultilineText, Text } from "./Text.js"
import { Timestamp } from "./Timestamp.js"

export const PaymentMethod = Schema.Literal("bank_transfer", "pay_link")
export type PaymentMethod = typeof PaymentMethod.Type

export const CaptureKind = Schema.Literal("order", "donation", "pledge")
export type CaptureKind = typeof CaptureKind.Type

const Name = Text.pipe(
  Schema.compose(Schema.Trim),
  Schema.minLength(1, { message: () => "a name is required" }),
  Schema.maxLength(120, { message: () => "at most 120 characters" })
)
/** Kuwaiti or international: digits, spaces and an optional leading +, 7 to 20 of them. */
export const Phone = Schema.Trim.pipe(Schema.pattern(/^\+?[0-9][0-9 ]{6,19}$/, { message: () => "a phone number such as +965 5000 0000" }))
/** A bot fills every field; a person never sees this one. Must stay empty. */
const Honeypot = Schema.optional(Schema.String.pipe(Schema.maxLength(0, { message: () => "must be empty" })))
/** The session's visit (last touch) and the visitor's first within 30 days (first touch), from the storefront's cookies. */
const VisitId = Schema.optional(Schema.UUID)
/** One line (a donor's name, a dedication). */
const Line = (max: number) => Text.pipe(Schema.maxLength(max, { message: () => `at most ${max} characters` }))
/** Text that may run over lines (an order's notes). */
const Notes = (max: number) => MultilineText.pipe(Schema.maxLength(max, { message: () => `at most ${max} characters` }))

/** Amounts a person types: a decimal string, more than zero. */
export const PositiveMoney = Money.pipe(Schema.filter((fils) => fils > 0n, { message: () => "an amount above zero" }))

export const NewOrder = Schema.Struct({
  items: Schema.Array(
    Schema.Struct({
      itemId: Schema.UUID,
      quantity: Schema.Int.pipe(Schema.between(1, 99, { message: () => "a quantity from 1 to 99" }))
    })
  ).pipe(Schema.minItems(1, { message: () => "at least one item" }), Schema.maxItems(50)),
  customer: Schema.Struct({ name: Name, phone: Phone, email: Schema.optional(Email) }),
  paymentMethod: PaymentMethod,
  notes: Schema.optionalWith(Notes(1000), { default: () => "" }),
  locale: Schema.optionalWith(Locale, { default: () => "ar" as const }),
  visitId: VisitId,
  firstVisitId: VisitId,
  website: Honeypot
})
export type NewOrder = typeof NewOrder.Type

export const NewDonation = Schema.Struct({
  amount: PositiveMoney,
  /** A project's slug; none: the general fund. */
  project: Schema.optional(ItemSlug),
  /** Defaults to the project's category, or `general`. */
  category: Schema.optional(DonationCategory),
  /** What the donor adds to cover the payment fees. */
  coverFees: Schema.optional(Money),
  donor: Schema.optionalWith(
    Schema.Struct({
      name: Schema.optionalWith(Line(120), { default: () => "" }),
      phone: Schema.optionalWith(Schema.Union(Phone, Schema.Literal("")), { default: () => "" }),
      email: Schema.optional(Email)
    }),
    { default: () => ({ name: "", phone: "" }) }
  ),
  anonymous: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** "On behalf of my mother", shown on the receipt. */
  dedication: Schema.optionalWith(Line(200), { default: () => "" }),
  paymentMethod: PaymentMethod,
  locale: Schema.optionalWith(Locale, { default: () => "ar" as const }),
  visitId: VisitId,
  firstVisitId: VisitId,
  website: Honeypot
})
export type NewDonation = typeof NewDonation.Type

const IsoDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "a date like 2026-12-01" }),
  Schema.filter(
    (value) => {
      const date = new Date(`${value}T00:00:00Z`)
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
    },
    { message: () => "a real calendar date" }
  )
)

export const NewPledge = Schema.Struct({
  amount: PositiveMoney,
  project: Schema.optional(ItemSlug),
  schedule: Schema.optionalWith(Schema.Literal("once", "monthly"), { default: () => "once" as const }),
  instalments: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 60)), { default: () => 1 }),
  /** The (first) payment's date, today or later in Kuwait. */
  dueDate: IsoDate,
  donor: Schema.Struct({ name: Name, phone: Phone, email: Schema.optional(Email) }),
  locale: Schema.optionalWith(Locale, { default: () => "ar" as const }),
  visitId: VisitId,
  firstVisitId: VisitId,
  website: Honeypot
})
export type NewPledge = typeof NewPledge.Type

export const CaptureHeaders = Schema.Struct({
  host: Schema.optional(Schema.String),
  "x-forwarded-host": Schema.optional(Schema.String),
  "idempotency-key": Schema.optional(
    Schema.String.pipe(Schema.pattern(/^[\x21-\x7e]{1,255}$/, { message: () => "1 to 255 visible ASCII characters" }))
  )
})

export const PaymentInstructions = Schema.Union(
  Schema.TaggedStruct("BankTransfer", {
    bank: Schema.String,
    iban: Schema.String,
    beneficiary: Schema.String,
    reference: Schema.String,
    amount: Money
  }),
  Schema.TaggedStruct("PayLink", { url: Schema.String, reference: Schema.String, amount: Money }),
  /** A pledge is paid later, when it falls due. */
  Schema.TaggedStruct("Later", { dueDate: Schema.String })
)
export type PaymentInstructions = typeof PaymentInstructions.Type

/** What the visitor gets back: the reference to quote, how to pay, and the receipt's address. */
export class CaptureReceipt extends Schema.Class<CaptureReceipt>("CaptureReceipt")({
  kind: CaptureKind,
  reference: Schema.String,
  amount: Money,
  status: Schema.String,
  createdAt: Timestamp,
  payment: PaymentInstructions,
  /** A donation's category (a zakat receipt says so); null for orders and pledges. */
  category: Schema.NullOr(DonationCategory),
  /** The project given or pledged to; null for the general fund and for orders. */
  project: Schema.NullOr(Schema.Struct({ slug: Schema.String, title: Schema.Struct({ ar: Schema.String, en: Schema.String }) })),
  /** `/api/v1/public/receipts/{token}` reads it again; `/pdf` there for donations and orders. */
  receiptToken: Schema.String
}) {}
