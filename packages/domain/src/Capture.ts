import { ParseResult, Schema } from "effect"
import { Email } from "./Auth.js"
import { DonationCategory, ItemSlug } from "./Catalog.js"
import { Locale } from "./Locale.js"
import { Money } from "./Money.js"
import { toE164 } from "./Phones.js"
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
/**
 * A phone as the visitor types it (Kuwait's 8 digits, +965/00965, another country's +..., Arabic-Indic
 * digits), decoded to E.164 (`+96550001234`) with libphonenumber-js; a number that is not valid is a field error.
 */
export const Phone = Schema.transformOrFail(
  Schema.String.pipe(Schema.maxLength(40, { message: () => "a phone number such as 5000 0000 or +965 5000 0000" })),
  Schema.String.pipe(Schema.pattern(/^\+[1-9][0-9]{6,14}$/)),
  {
    strict: true,
    decode: (typed, _, ast) => {
      const e164 = toE164(typed)
      return e164 === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, typed, "a phone number such as 5000 0000 or +965 5000 0000"))
        : ParseResult.succeed(e164)
    },
    encode: ParseResult.succeed
  }
).annotations({ identifier: "Phone", description: "A phone number; stored and answered in E.164" })
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

/** Kuwait's six governorates. */
export const Governorate = Schema.Literal("capital", "hawalli", "farwaniya", "mubarak-al-kabeer", "ahmadi", "jahra")
export type Governorate = typeof Governorate.Type

/** Their names, as the checkout, the receipt and the inbox show them. */
export const GOVERNORATES: Record<Governorate, { readonly ar: string; readonly en: string }> = {
  capital: { ar: "العاصمة", en: "Al Asimah (Capital)" },
  hawalli: { ar: "حولي", en: "Hawalli" },
  farwaniya: { ar: "الفروانية", en: "Farwaniya" },
  "mubarak-al-kabeer": { ar: "مبارك الكبير", en: "Mubarak Al-Kabeer" },
  ahmadi: { ar: "الأحمدي", en: "Ahmadi" },
  jahra: { ar: "الجهراء", en: "Jahra" }
}

const Required = (max: number) =>
  Text.pipe(
    Schema.compose(Schema.Trim),
    Schema.minLength(1, { message: () => "required" }),
    Schema.maxLength(max, { message: () => `at most ${max} characters` })
  )
const Optional = (max: number) =>
  Schema.optionalWith(Text.pipe(Schema.compose(Schema.Trim), Schema.maxLength(max, { message: () => `at most ${max} characters` })), {
    default: () => ""
  })

/** A Kuwaiti delivery address: governorate, area, block, street, building; floor, flat and notes optional. */
export const DeliveryAddress = Schema.Struct({
  governorate: Governorate.annotations({ message: () => "one of Kuwait's six governorates" }),
  area: Required(80),
  block: Required(10),
  street: Required(80),
  building: Required(20),
  floor: Optional(10),
  flat: Optional(10),
  notes: Optional(300)
})
export type DeliveryAddress = typeof DeliveryAddress.Type

/** How an order that ships reaches its buyer: delivered to an address, or picked up where the tenant allows it. */
export const OrderDelivery = Schema.Union(
  Schema.Struct({ method: Schema.Literal("delivery"), address: DeliveryAddress }),
  Schema.Struct({ method: Schema.Literal("pickup") })
)
export type OrderDelivery = typeof OrderDelivery.Type

/** An order's delivery in one line of the reader's language: "Hawalli, Salmiya, block 10, street 5, building 12, floor 3, flat 7". */
export const describeDelivery = (delivery: typeof OrderDelivery.Encoded, locale: "ar" | "en"): string => {
  if (delivery.method === "pickup") return locale === "ar" ? "استلام من المتجر" : "Pickup from the store"
  const a = delivery.address
  const ar = locale === "ar"
  const floor = a.floor ?? ""
  const flat = a.flat ?? ""
  const notes = a.notes ?? ""
  const parts = [
    GOVERNORATES[a.governorate][locale],
    a.area,
    `${ar ? "قطعة" : "block"} ${a.block}`,
    `${ar ? "شارع" : "street"} ${a.street}`,
    `${ar ? "مبنى" : "building"} ${a.building}`,
    ...(floor === "" ? [] : [`${ar ? "الدور" : "floor"} ${floor}`]),
    ...(flat === "" ? [] : [`${ar ? "شقة" : "flat"} ${flat}`])
  ]
  const line = parts.join(ar ? "، " : ", ")
  const text = notes === "" ? line : `${line} (${notes})`
  // Arabic text writes its digits in Arabic-Indic, the block and building numbers too.
  return ar ? text.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit))) : text
}

/** An order's line as priced by the server. */
export const OrderLine = Schema.Struct({
  slug: Schema.String,
  title: Schema.Struct({ ar: Schema.String, en: Schema.String }),
  quantity: Schema.Int,
  unitPrice: Money,
  lineTotal: Money
})
export type OrderLine = typeof OrderLine.Type

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
  /** Required when an item ships (a 400 `delivery-required` otherwise); ignored when none does. */
  delivery: Schema.optional(OrderDelivery),
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
  /** An order's lines (item, quantity, unit price, line total); null for donations and pledges. */
  lines: Schema.optionalWith(Schema.NullOr(Schema.Array(OrderLine)), { default: () => null }),
  /** An order's delivery (address or pickup); null when nothing in it ships, and for donations and pledges. */
  delivery: Schema.optionalWith(Schema.NullOr(OrderDelivery), { default: () => null }),
  /** `/api/v1/public/receipts/{token}` reads it again; `/pdf` there for donations and orders. */
  receiptToken: Schema.String
}) {}
