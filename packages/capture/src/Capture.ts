import { SqlClient } from "@effect/sql"
import { CurrentTenant, recordAudit } from "@manara/db"
import {
  CaptureReceipt,
  type CaptureKind,
  Fils,
  formatMoney,
  type Money,
  multiplyMoney,
  type NewDonation,
  type NewOrder,
  type NewPledge,
  parseMoney
} from "@manara/domain"
import { Data, DateTime, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { PaymentProvider, type PaymentSettings } from "./Payments.js"
import { nextReference } from "./References.js"

/** Something in the request does not fit (a product not for sale, an amount out of range): 400. */
export class CaptureRefused extends Data.TaggedError("CaptureRefused")<{ readonly code: string; readonly detail: string }> {}

export class ReceiptNotFound extends Data.TaggedError("ReceiptNotFound")<{}> {}

interface TenantSettings extends PaymentSettings {
  readonly donations?: { readonly minimum?: string; readonly maximum?: string }
  readonly contact?: { readonly email?: string }
}

const DEFAULT_MINIMUM = parseMoney("1.000")!
const DEFAULT_MAXIMUM = parseMoney("10000.000")!

/** Unguessable: the receipt link is the only key a donor holds. */
const receiptToken = () => randomBytes(24).toString("base64url")

const kuwaitToday = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kuwait" }).format(new Date())

/**
 * Orders, donations and pledges. Each capture is one transaction (the caller's tenant transaction):
 * the record with its reference number, its notification outbox rows, its audit row, its link to the
 * visit. Prices, totals and statuses come from the database, never from the request.
 */
export class Capture extends Effect.Service<Capture>()("Capture/Capture", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const payments = yield* PaymentProvider

    const tenantSettings = sql<{ name_ar: string; name_en: string; settings: TenantSettings }>`
      select name_ar, name_en, settings from app.current_tenant_settings()`.pipe(
      Effect.orDie,
      Effect.flatMap((rows) => (rows.length === 0 ? Effect.die(new Error("capture outside an active tenant")) : Effect.succeed(rows[0]!)))
    )

    /** The visit the request names, if it is one of this tenant's (RLS hides the others). */
    const knownVisit = (visitId: string | undefined) =>
      visitId === undefined
        ? Effect.succeed(null)
        : sql<{ id: string }>`select id from visits where id = ${visitId}`.pipe(Effect.orDie, Effect.map((rows) => rows[0]?.id ?? null))

    /** Staff who asked to hear of captures (or the tenant's contact address), and the payer's own receipt. */
    const notify = (kind: CaptureKind, id: string, payload: Record<string, unknown>, payer: { readonly email?: string | undefined; readonly locale: string }, contact: string | undefined) =>
      Effect.gen(function*() {
        const tenantId = yield* CurrentTenant
        const json = JSON.stringify({ kind, id, ...payload })
        const staff = yield* sql`
          insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
          select ${tenantId}, 'capture.created', ${json}::jsonb, p.channel, p.target, p.locale,
                 ${`${kind}:${id}:`} || p.channel || ':' || p.target
          from notification_preferences p where p.enabled and 'capture.created' = any (p.events)
          returning id`
        if (staff.length === 0 && contact !== undefined && contact !== "") {
          yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            values (${tenantId}, 'capture.created', ${json}::jsonb, 'email', ${contact}, 'ar', ${`${kind}:${id}:email:${contact}`})`
        }
        if (payer.email !== undefined) {
          yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            values (${tenantId}, 'capture.receipt', ${json}::jsonb, 'email', ${payer.email}, ${payer.locale}, ${`${kind}:${id}:receipt`})`
        }
      }).pipe(Effect.orDie)

    /** A public project by slug, able to take money: active or funded. */
    const project = (slug: string) =>
      sql<{ id: string; category: "zakat" | "sadaqah" | "waqf" | "general" }>`
        select id, category from catalog_items where slug = ${slug} and kind = 'project' and status in ('active', 'funded')`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) =>
          rows.length === 0
            ? Effect.fail(new CaptureRefused({ code: "unknown-project", detail: "No open project with this address" }))
            : Effect.succeed(rows[0]!)
        )
      )

    const receipt = (kind: CaptureKind, reference: string, amount: Money, status: string, createdAt: Date, payment: CaptureReceipt["payment"], token: string | null) =>
      new CaptureReceipt({ kind, reference, amount, status, createdAt: DateTime.unsafeFromDate(createdAt), payment, receiptToken: token }, true)

    const order = (input: NewOrder) =>
      Effect.gen(function*() {
        const tenantId = yield* CurrentTenant
        const tenant = yield* tenantSettings
        const ids = [...new Set(input.items.map((line) => line.itemId))]
        const products = yield* sql<{ id: string; slug: string; title_ar: string; title_en: string; price: string }>`
          select id, slug, title_ar, title_en, price::text as price from catalog_items
          where id in ${sql.in(ids)} and kind = 'product' and status = 'active'`.pipe(Effect.orDie)
        const byId = new Map(products.map((product) => [product.id, product]))
        if (ids.some((id) => !byId.has(id))) {
          return yield* new CaptureRefused({ code: "item-unavailable", detail: "An item is not for sale" })
        }
        // Priced here, from the catalog: whatever the request says about prices is not even read.
        const lines = input.items.map((line) => {
          const product = byId.get(line.itemId)!
          const unitPrice = parseMoney(product.price)!
          return { itemId: product.id, slug: product.slug, title: { ar: product.title_ar, en: product.title_en }, unitPrice, quantity: line.quantity, lineTotal: multiplyMoney(unitPrice, line.quantity) }
        })
        const total = Fils.make(lines.reduce((sum, line) => sum + line.lineTotal, 0n))
        if (total <= 0n) return yield* new CaptureRefused({ code: "empty-order", detail: "The order comes to nothing" })
        const reference = yield* nextReference("ORD").pipe(Effect.orDie)
        const payment = yield* payments.instructions(input.paymentMethod, tenant.settings, tenant.name_ar, reference, total)
        const token = receiptToken()
        const visitId = yield* knownVisit(input.visitId)
        const rows = yield* sql<{ id: string; created_at: Date }>`
          insert into orders (tenant_id, reference, customer_name, customer_phone, customer_email, items, total, payment_method, notes, locale, receipt_token, visit_id)
          values (${tenantId}, ${reference}, ${input.customer.name}, ${input.customer.phone}, ${input.customer.email ?? null},
            ${JSON.stringify(lines.map((line) => ({ ...line, unitPrice: formatMoney(line.unitPrice), lineTotal: formatMoney(line.lineTotal) })))}::jsonb,
            ${formatMoney(total)}::numeric, ${input.paymentMethod}, ${input.notes}, ${input.locale}, ${token}, ${visitId})
          returning id, created_at`.pipe(Effect.orDie)
        const { created_at, id } = rows[0]!
        yield* notify("order", id, { reference, amount: formatMoney(total), name: input.customer.name }, { email: input.customer.email, locale: input.locale }, tenant.settings.contact?.email)
        yield* recordAudit({ actor: null, action: "order.created", entityKind: "order", entityId: id, after: { reference, total: formatMoney(total) } }).pipe(Effect.orDie)
        return receipt("order", reference, total, "new", created_at, payment, token)
      })

    const donation = (input: NewDonation) =>
      Effect.gen(function*() {
        const tenantId = yield* CurrentTenant
        const tenant = yield* tenantSettings
        const minimum = parseMoney(tenant.settings.donations?.minimum ?? "") ?? DEFAULT_MINIMUM
        const maximum = parseMoney(tenant.settings.donations?.maximum ?? "") ?? DEFAULT_MAXIMUM
        if (input.amount < minimum || input.amount > maximum) {
          return yield* new CaptureRefused({
            code: "amount-out-of-range",
            detail: `A donation is from ${formatMoney(minimum)} to ${formatMoney(maximum)} KWD`
          })
        }
        const fees = input.coverFees ?? Fils.make(0n)
        if (fees > input.amount) return yield* new CaptureRefused({ code: "fees-too-high", detail: "The fees cannot exceed the donation" })
        const target = input.project === undefined ? null : yield* project(input.project)
        const category = input.category ?? target?.category ?? "general"
        const reference = yield* nextReference("DON").pipe(Effect.orDie)
        const total = Fils.make(input.amount + fees)
        const payment = yield* payments.instructions(input.paymentMethod, tenant.settings, tenant.name_ar, reference, total)
        const token = receiptToken()
        const visitId = yield* knownVisit(input.visitId)
        const rows = yield* sql<{ id: string; created_at: Date }>`
          insert into donations (tenant_id, reference, catalog_item_id, amount, fees_amount, category, donor_name, donor_phone, donor_email,
            anonymous, dedication, payment_method, locale, receipt_token, visit_id)
          values (${tenantId}, ${reference}, ${target?.id ?? null}, ${formatMoney(input.amount)}::numeric, ${formatMoney(fees)}::numeric,
            ${category}, ${input.donor.name}, ${input.donor.phone}, ${input.donor.email ?? null}, ${input.anonymous}, ${input.dedication},
            ${input.paymentMethod}, ${input.locale}, ${token}, ${visitId})
          returning id, created_at`.pipe(Effect.orDie)
        const { created_at, id } = rows[0]!
        yield* notify("donation", id, { reference, amount: formatMoney(total), category, name: input.anonymous ? "" : input.donor.name }, { email: input.donor.email, locale: input.locale }, tenant.settings.contact?.email)
        yield* recordAudit({ actor: null, action: "donation.created", entityKind: "donation", entityId: id, after: { reference, amount: formatMoney(input.amount), fees: formatMoney(fees), category } }).pipe(Effect.orDie)
        return receipt("donation", reference, total, "pending", created_at, payment, token)
      })

    const pledge = (input: NewPledge) =>
      Effect.gen(function*() {
        const tenantId = yield* CurrentTenant
        const tenant = yield* tenantSettings
        if (input.dueDate < kuwaitToday()) return yield* new CaptureRefused({ code: "due-date-past", detail: "The due date is in the past" })
        if (input.schedule === "once" && input.instalments !== 1) {
          return yield* new CaptureRefused({ code: "instalments-need-schedule", detail: "Instalments need a monthly schedule" })
        }
        const target = input.project === undefined ? null : yield* project(input.project)
        const reference = yield* nextReference("PLG").pipe(Effect.orDie)
        const visitId = yield* knownVisit(input.visitId)
        const rows = yield* sql<{ id: string; created_at: Date }>`
          insert into pledges (tenant_id, reference, catalog_item_id, amount, schedule, instalments, due_date, donor_name, donor_phone, donor_email, locale, visit_id)
          values (${tenantId}, ${reference}, ${target?.id ?? null}, ${formatMoney(input.amount)}::numeric, ${input.schedule}, ${input.instalments},
            ${input.dueDate}::date, ${input.donor.name}, ${input.donor.phone}, ${input.donor.email ?? null}, ${input.locale}, ${visitId})
          returning id, created_at`.pipe(Effect.orDie)
        const { created_at, id } = rows[0]!
        // Pledged money shows in the project's progress beside the money received.
        if (target !== null) {
          yield* sql`update catalog_items set pledged_amount = pledged_amount + ${formatMoney(input.amount)}::numeric where id = ${target.id}`.pipe(Effect.orDie)
        }
        yield* notify("pledge", id, { reference, amount: formatMoney(input.amount), dueDate: input.dueDate, name: input.donor.name }, { email: input.donor.email, locale: input.locale }, tenant.settings.contact?.email)
        yield* recordAudit({ actor: null, action: "pledge.created", entityKind: "pledge", entityId: id, after: { reference, amount: formatMoney(input.amount), schedule: input.schedule } }).pipe(Effect.orDie)
        return receipt("pledge", reference, input.amount, "open", created_at, { _tag: "Later", dueDate: input.dueDate }, null)
      })

    /** The receipt behind a token, read again (statuses move on); another tenant's token finds nothing. */
    const receiptFor = (token: string) =>
      Effect.gen(function*() {
        const tenant = yield* tenantSettings
        const rows = yield* sql<{ kind: "order" | "donation"; reference: string; amount: string; status: string; payment_method: "bank_transfer" | "pay_link"; created_at: Date }>`
          select 'donation' as kind, reference, (amount + fees_amount)::text as amount, status, payment_method, created_at from donations where receipt_token = ${token}
          union all
          select 'order', reference, total::text, status, payment_method, created_at from orders where receipt_token = ${token}`.pipe(Effect.orDie)
        if (rows.length === 0) return yield* new ReceiptNotFound()
        const row = rows[0]!
        const amount = parseMoney(row.amount)!
        const payment = yield* payments.instructions(row.payment_method, tenant.settings, tenant.name_ar, row.reference, amount).pipe(
          Effect.orElseSucceed(() => ({ _tag: "Later", dueDate: "" }) as const)
        )
        return receipt(row.kind, row.reference, amount, row.status, row.created_at, payment, token)
      })

    return { order, donation, pledge, receiptFor } as const
  }),
  dependencies: [PaymentProvider.Default]
}) {}
