import { SqlClient, type Statement } from "@effect/sql"
import { capturesPlanColumns, CurrentTenant, currentRequestMeta, requireCaptureWithinPlan, TenantSql } from "@manara/db"
import {
  DEFAULT_DONATION_MAXIMUM,
  DEFAULT_DONATION_MINIMUM,
  type StoredSettings,
  CaptureReceipt,
  type CaptureKind,
  type CaptureRefusalCode,
  describeDelivery,
  type OrderDelivery,
  type FieldIssue,
  Fils,
  formatMoney,
  formatPhone,
  kuwaitDay,
  localDigits,
  toE164,
  MAX_FILS,
  type Money,
  multiplyMoney,
  type NewDonation,
  type NewOrder,
  type NewPledge,
  parseMoney,
  timestamp
} from "@manara/domain"
import { Data, Effect, FiberRef } from "effect"
import { randomBytes } from "node:crypto"
import { renderReceipt } from "@manara/receipts"
import { Idempotency, IdempotencyInFlight, type IdempotencyHold, isClaimTakenOver } from "./Idempotency.js"
import { PaymentProvider } from "./Payments.js"
import { type ReferenceKind, referenceCounterSql } from "./References.js"
import { fitsOnTop, isNumericOverflow, MAX_TOTAL } from "./Totals.js"

/** Something in the request does not fit (a product not for sale, an amount out of range): 400. */
export class CaptureRefused extends Data.TaggedError("CaptureRefused")<{
  readonly code: CaptureRefusalCode
  readonly detail: string
  /** The fields at fault (an order that ships without its address), as the problem's `errors`. */
  readonly errors?: ReadonlyArray<FieldIssue>
}> {}

interface ProjectRow {
  readonly id: string
  readonly category: "zakat" | "sadaqah" | "waqf" | "general"
  /** Staff marked it as a lawful recipient of zakat (or its own category is zakat). */
  readonly zakat_eligible?: boolean
  readonly slug: string
  readonly title_ar: string
  readonly title_en: string
}

/** A project as a capture reads it: also its sums, which must stay within NUMERIC(12,3). */
interface ProjectWithSums extends ProjectRow {
  readonly raised: string
  readonly pledged: string
}

/** An order's line as `orders.items` keeps it (amounts as decimal strings). */
interface StoredLine {
  readonly slug: string
  readonly title: { readonly ar: string; readonly en: string }
  readonly quantity: number
  readonly unitPrice: string
  readonly lineTotal: string
}

const storedLine = (line: StoredLine) => ({
  slug: line.slug,
  title: line.title,
  quantity: line.quantity,
  unitPrice: parseMoney(line.unitPrice)!,
  lineTotal: parseMoney(line.lineTotal)!
})

export class ReceiptNotFound extends Data.TaggedError("ReceiptNotFound")<{}> {}

/** What capture reads of the tenant's settings: the stored form of the one schema (`@manara/domain` Settings). */
type TenantSettings = StoredSettings

const DEFAULT_MINIMUM = parseMoney(DEFAULT_DONATION_MINIMUM)!
const DEFAULT_MAXIMUM = parseMoney(DEFAULT_DONATION_MAXIMUM)!

/** A gift, given now or pledged, is within the tenant's bounds (`settings.donations`). */
const checkGift = (amount: Money, settings: TenantSettings, what: "donation" | "pledge") => {
  const minimum = parseMoney(settings.donations?.minimum ?? "") ?? DEFAULT_MINIMUM
  const maximum = parseMoney(settings.donations?.maximum ?? "") ?? DEFAULT_MAXIMUM
  return amount < minimum || amount > maximum
    ? Effect.fail(
        new CaptureRefused({
          code: "amount-out-of-range",
          detail: `A ${what} is from ${formatMoney(minimum)} to ${formatMoney(maximum)} KWD`
        })
      )
    : Effect.void
}

/** A settings phone (kept as typed: "00965 2244 6688") in the reader's national form ("2244 6688"). */
const shownPhone = (typed: string) => formatPhone(toE164(typed) ?? typed)

/** The tenant's registration number and contact lines, as receipts print them. */
const receiptContact = (settings: TenantSettings) => {
  const contact = settings.contact ?? {}
  const address = { ar: contact.address?.ar ?? "", en: contact.address?.en ?? "" }
  return {
    registrationNumber: contact.registrationNumber ?? "",
    contact: [
      // Phones in the reader's national form ("2244 6688"), in Arabic-Indic digits on the Arabic side.
      ...(contact.phone ? [{ en: `Phone ${shownPhone(contact.phone)}`, ar: `هاتف ${localDigits(shownPhone(contact.phone), "ar")}` }] : []),
      ...(contact.whatsapp
        ? [{ en: `WhatsApp ${shownPhone(contact.whatsapp)}`, ar: `واتساب ${localDigits(shownPhone(contact.whatsapp), "ar")}` }]
        : []),
      ...(contact.email ? [{ en: contact.email, ar: contact.email }] : []),
      ...(address.ar || address.en ? [address] : [])
    ]
  }
}

const receiptFooter = (settings: TenantSettings) => ({ ar: settings.receipt?.footer?.ar ?? "", en: settings.receipt?.footer?.en ?? "" })

/**
 * An order's delivery: an item that ships needs an address (or pickup, where the tenant allows it);
 * an order where nothing ships keeps none, whatever the request says.
 */
const checkDelivery = (ships: boolean, delivery: OrderDelivery | undefined, settings: TenantSettings) => {
  if (!ships) return Effect.succeed(null)
  if (delivery === undefined) {
    return Effect.fail(
      new CaptureRefused({
        code: "delivery-required",
        detail: "An item in this order ships: give a delivery address",
        errors: [{ path: ["delivery"], message: "a delivery address in Kuwait" }]
      })
    )
  }
  if (delivery.method === "pickup" && settings.orders?.pickup !== true) {
    return Effect.fail(
      new CaptureRefused({
        code: "pickup-unavailable",
        detail: "This store does not offer pickup: give a delivery address",
        errors: [{ path: ["delivery", "method"], message: "pickup is not offered here" }]
      })
    )
  }
  return Effect.succeed(delivery)
}

const orderTotalOutOfRange = () =>
  new CaptureRefused({ code: "order-total-out-of-range", detail: `An order comes to at most ${MAX_TOTAL} KWD` })

const projectTotalOutOfRange = () =>
  new CaptureRefused({
    code: "project-total-out-of-range",
    detail: `This project cannot take this amount: its total would pass ${MAX_TOTAL} KWD`
  })

/** The project's raised (and, for a pledge, pledged) sum can still take `amount`. */
const checkProjectRoom = (project: ProjectWithSums | null, amount: Money, sums: ReadonlyArray<"raised" | "pledged">) =>
  project !== null && sums.some((sum) => !fitsOnTop(project[sum], amount)) ? Effect.fail(projectTotalOutOfRange()) : Effect.void

/** Zakat goes only where it may lawfully be spent: a zakat-eligible project, or the general fund where the tenant allows it. */
const zakatAccepted = (project: ProjectRow | null, settings: TenantSettings) =>
  project === null ? settings.donations?.zakatGeneralFund === true : project.zakat_eligible === true

/** Unguessable: the receipt link is the only key a donor holds. */
const receiptToken = () => randomBytes(24).toString("base64url")

/**
 * Orders, donations and pledges. Each capture is one transaction (the caller's tenant transaction):
 * the record with its reference number, its notification outbox rows, its audit row, its link to the
 * visit. Prices, totals and statuses come from the database, never from the request.
 */
export class Capture extends Effect.Service<Capture>()("Capture/Capture", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const payments = yield* PaymentProvider
    const idempotency = yield* Idempotency

    /**
     * Everything a capture reads, in one round trip: the tenant's settings, the project (when one is
     * named), whether the visits are this tenant's (RLS hides the others): the session's (last touch)
     * and the visitor's first within 30 days (first touch), and, for a new capture (`plan`), its plan's
     * captures limit and this month's use, checked here: fewer round trips hold a connection shorter.
     */
    const context = (
      projectSlug: string | undefined,
      touch: { readonly visitId?: string | undefined; readonly firstVisitId?: string | undefined },
      plan = false
    ) =>
      sql<{
        name_ar: string
        settings: TenantSettings
        project: ProjectWithSums | null
        visit_id: string | null
        first_visit_id: string | null
        captures_max: number | null
        captures_used: number | null
      }>`
        select s.name_ar, s.settings, ${plan ? capturesPlanColumns(sql) : sql`null::int as captures_max, null::int as captures_used`},
          (select json_build_object('id', i.id, 'category', i.category, 'slug', i.slug, 'title_ar', i.title_ar, 'title_en', i.title_en,
              'raised', i.raised_amount::text, 'pledged', i.pledged_amount::text, 'zakat_eligible', i.zakat_eligible or i.category = 'zakat')
            from catalog_items i
            where i.slug = ${projectSlug ?? null} and i.kind = 'project' and i.status in ('active', 'funded')) as project,
          (select v.id from visits v where v.id = ${touch.visitId ?? null}::uuid) as visit_id,
          (select v.id from visits v where v.id = ${touch.firstVisitId ?? touch.visitId ?? null}::uuid
            and v.created_at > now() - interval '30 days') as first_visit_id
        from app.current_tenant_settings() s`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) =>
          rows.length === 0 ? Effect.die(new Error("capture outside an active tenant")) : Effect.succeed(rows[0]!)
        ),
        Effect.tap((row) =>
          plan ? requireCaptureWithinPlan({ captures_max: row.captures_max ?? 0, captures_used: row.captures_used ?? 0 }) : Effect.void
        ),
        Effect.flatMap((row) =>
          projectSlug !== undefined && row.project === null
            ? Effect.fail(new CaptureRefused({ code: "unknown-project", detail: "No open project with this address" }))
            : Effect.succeed(row)
        )
      )

    /**
     * The capture's writes as one statement: the next reference (its counter row stays locked until
     * commit: gapless), the record, the staff's outbox rows (their preferences, else the tenant's contact
     * address), the payer's receipt row, the audit row, and `also`: the Idempotency-Key's completion,
     * a pledge's progress. It is the transaction's last statement and carries its COMMIT
     * (`TenantSql.commitWith`), so the counter row is locked only while Postgres works.
     */
    const write = (options: {
      readonly kind: ReferenceKind
      readonly entity: CaptureKind
      readonly insert: Statement.Fragment
      readonly payload: Record<string, unknown>
      readonly payer: { readonly email?: string | undefined; readonly locale: string }
      readonly contact: string | undefined
      readonly key: IdempotencyHold | undefined
      readonly token: string
      readonly also?: ReadonlyArray<Statement.Fragment>
      /** What to answer when a sum raced past NUMERIC(12,3) after the checks (22003). */
      readonly overflow: CaptureRefused
    }) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const meta = yield* FiberRef.get(currentRequestMeta)
        const payload = JSON.stringify(options.payload)
        const rows = yield* tenantSql
          .commitWith(
            sql<{ id: string; reference: string; created_at: Date }>`
          with counter as (${referenceCounterSql(sql, tenantId, options.kind)}),
          record as (${options.insert}),
          message as (
            select jsonb_build_object('kind', ${options.entity}::text, 'id', r.id, 'reference', r.reference) || ${payload}::jsonb as body, r.id
            from record r
          ),
          staff as (
            insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            select ${tenantId}, 'capture.created', m.body, p.channel, p.target, p.locale, ${`${options.entity}:`} || m.id || ':' || p.channel || ':' || p.target
            from message m cross join notification_preferences p where p.enabled and 'capture.created' = any (p.events)
          ),
          members as (
            -- Members who chose to hear of this kind of capture, by email and/or their linked chat.
            insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            select ${tenantId}, 'capture.created', m.body, r.channel, r.target, r.locale,
              ${`${options.entity}:`} || m.id || ':member:' || r.user_id || ':' || r.channel
            from message m cross join app.member_recipients(${`capture.${options.entity}`}) r
          ),
          office as (
            insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            select ${tenantId}, 'capture.created', m.body, 'email', ${options.contact ?? null}::text, 'ar', ${`${options.entity}:`} || m.id || ':office'
            from message m
            where ${options.contact ?? null}::text is not null
              and not exists (select 1 from notification_preferences p where p.enabled and 'capture.created' = any (p.events))
              and not exists (select 1 from app.member_recipients(${`capture.${options.entity}`}))
          ),
          receipt as (
            insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
            select ${tenantId}, 'capture.receipt', m.body, 'email', ${options.payer.email ?? null}::text, ${options.payer.locale}, ${`${options.entity}:`} || m.id || ':receipt'
            from message m where ${options.payer.email ?? null}::text is not null
          ),
          audit as (
            insert into audit_log (tenant_id, actor_user_id, action, entity_kind, entity_id, after, ip, request_id)
            select ${tenantId}, null, ${`${options.entity}.created`}, ${options.entity}, m.id::text, m.body, ${meta.ip}::inet, ${meta.requestId === "" ? null : meta.requestId}
            from message m
          )${sql.join(
            "",
            false
          )(
            [...(options.key === undefined ? [] : [idempotency.complete(options.key, 201, options.token)]), ...(options.also ?? [])].map(
              (change, index) => sql`, also_${sql.literal(String(index))} as (${change})`
            )
          )}
          select id, reference, created_at from record`
          )
          .pipe(
            Effect.catchAll((error): Effect.Effect<never, CaptureRefused | IdempotencyInFlight> =>
              isNumericOverflow(error)
                ? Effect.fail(options.overflow)
                : // Its key was taken over meanwhile (our lease ended): rolled back; the other request answers for the key.
                  isClaimTakenOver(error)
                  ? Effect.fail(new IdempotencyInFlight({ retryAfterSeconds: 1 }))
                  : Effect.die(error)
            )
          )
        return rows[0]!
      })

    /** The project a capture is for, as the receipt shows it (`alias` is the capture's table). */
    const projectJson = (alias: Statement.Fragment) =>
      sql`(select json_build_object('id', i.id, 'category', i.category, 'slug', i.slug, 'title_ar', i.title_ar, 'title_en', i.title_en,
          'zakat_eligible', i.zakat_eligible or i.category = 'zakat')
        from catalog_items i where i.id = ${alias}.catalog_item_id)`

    const receipt = (
      kind: CaptureKind,
      reference: string,
      amount: Money,
      status: string,
      createdAt: Date,
      payment: CaptureReceipt["payment"],
      token: string,
      about: {
        readonly category: CaptureReceipt["category"]
        readonly project: ProjectRow | null
        readonly lines?: CaptureReceipt["lines"]
        readonly delivery?: CaptureReceipt["delivery"]
      }
    ) =>
      new CaptureReceipt(
        {
          kind,
          reference,
          amount,
          status,
          createdAt: timestamp(createdAt),
          payment,
          category: about.category,
          project:
            about.project === null ? null : { slug: about.project.slug, title: { ar: about.project.title_ar, en: about.project.title_en } },
          lines: about.lines ?? null,
          delivery: about.delivery ?? null,
          receiptToken: token
        },
        true
      )

    const order = (input: NewOrder, key?: IdempotencyHold) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const ids = [...new Set(input.items.map((line) => line.itemId))]
        const [tenant, products] = yield* Effect.all([
          context(undefined, input, true),
          sql<{ id: string; slug: string; title_ar: string; title_en: string; price: string; ships: boolean }>`
            select id, slug, title_ar, title_en, price::text as price, ships from catalog_items
            where id in ${sql.in(ids)} and kind = 'product' and status = 'active'`.pipe(Effect.orDie)
        ])
        const byId = new Map(products.map((product) => [product.id, product]))
        if (ids.some((id) => !byId.has(id))) {
          return yield* new CaptureRefused({ code: "item-unavailable", detail: "An item is not for sale" })
        }
        // Priced here, from the catalog: whatever the request says about prices is not even read.
        const lines = input.items.map((line) => {
          const product = byId.get(line.itemId)!
          const unitPrice = parseMoney(product.price)!
          return {
            itemId: product.id,
            slug: product.slug,
            title: { ar: product.title_ar, en: product.title_en },
            unitPrice,
            quantity: line.quantity,
            lineTotal: multiplyMoney(unitPrice, line.quantity)
          }
        })
        const total = Fils.make(lines.reduce((sum, line) => sum + line.lineTotal, 0n))
        if (total <= 0n) return yield* new CaptureRefused({ code: "empty-order", detail: "The order comes to nothing" })
        if (total > MAX_FILS) return yield* orderTotalOutOfRange()
        const delivery = yield* checkDelivery(
          products.some((product) => product.ships),
          input.delivery,
          tenant.settings
        )
        yield* payments.check(input.paymentMethod, tenant.settings)
        const token = receiptToken()
        const written = yield* write({
          token,
          key,
          kind: "ORD",
          entity: "order",
          insert: sql`insert into orders (tenant_id, reference, customer_name, customer_phone, customer_email, items, total, payment_method, notes, delivery, locale, receipt_token, visit_id, first_visit_id)
            select ${tenantId}, reference, ${input.customer.name}, ${input.customer.phone}, ${input.customer.email ?? null},
              ${JSON.stringify(lines.map((line) => ({ ...line, unitPrice: formatMoney(line.unitPrice), lineTotal: formatMoney(line.lineTotal) })))}::jsonb,
              ${formatMoney(total)}::numeric, ${input.paymentMethod}, ${input.notes},
              ${delivery === null ? null : JSON.stringify(delivery)}::jsonb, ${input.locale}, ${token}, ${tenant.visit_id}, ${tenant.first_visit_id}
            from counter returning id, reference, created_at`,
          payload: { amount: formatMoney(total), name: input.customer.name },
          payer: { email: input.customer.email, locale: input.locale },
          contact: tenant.settings.contact?.email,
          overflow: orderTotalOutOfRange()
        })
        const payment = yield* payments.instructions(input.paymentMethod, tenant.settings, tenant.name_ar, written.reference, total)
        return receipt("order", written.reference, total, "new", written.created_at, payment, token, {
          category: null,
          project: null,
          lines: lines.map((line) => ({
            slug: line.slug,
            title: line.title,
            quantity: line.quantity,
            unitPrice: line.unitPrice,
            lineTotal: line.lineTotal
          })),
          delivery
        })
      })

    const donation = (input: NewDonation, key?: IdempotencyHold) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const tenant = yield* context(input.project, input, true)
        yield* checkGift(input.amount, tenant.settings, "donation")
        const fees = input.coverFees ?? Fils.make(0n)
        if (fees > input.amount) return yield* new CaptureRefused({ code: "fees-too-high", detail: "The fees cannot exceed the donation" })
        // Once received, the donation adds to the project's raised sum.
        yield* checkProjectRoom(tenant.project, input.amount, ["raised"])
        yield* payments.check(input.paymentMethod, tenant.settings)
        const zakatAllowed = zakatAccepted(tenant.project, tenant.settings)
        // A project's own category is its default, but never zakat where zakat is not accepted.
        const fallback = tenant.project?.category ?? "general"
        const category = input.category ?? (fallback === "zakat" && !zakatAllowed ? "general" : fallback)
        if (category === "zakat" && !zakatAllowed) {
          return yield* new CaptureRefused({
            code: "zakat-not-eligible",
            detail: tenant.project === null ? "This charity does not take zakat into its general fund" : "This project does not take zakat"
          })
        }
        const total = Fils.make(input.amount + fees)
        const token = receiptToken()
        const written = yield* write({
          token,
          key,
          kind: "DON",
          entity: "donation",
          insert: sql`insert into donations (tenant_id, reference, catalog_item_id, amount, fees_amount, category, donor_name, donor_phone, donor_email,
              anonymous, dedication, payment_method, locale, receipt_token, visit_id, first_visit_id)
            select ${tenantId}, reference, ${tenant.project?.id ?? null}::uuid, ${formatMoney(input.amount)}::numeric, ${formatMoney(fees)}::numeric,
              ${category}, ${input.donor.name}, ${input.donor.phone}, ${input.donor.email ?? null}, ${input.anonymous}, ${input.dedication},
              ${input.paymentMethod}, ${input.locale}, ${token}, ${tenant.visit_id}, ${tenant.first_visit_id}
            from counter returning id, reference, created_at`,
          payload: { amount: formatMoney(total), category, name: input.anonymous ? "" : input.donor.name },
          payer: { email: input.donor.email, locale: input.locale },
          contact: tenant.settings.contact?.email,
          overflow: new CaptureRefused({
            code: "amount-out-of-range",
            detail: `A donation with its fees comes to at most ${MAX_TOTAL} KWD`
          })
        })
        const payment = yield* payments.instructions(input.paymentMethod, tenant.settings, tenant.name_ar, written.reference, total)
        return receipt("donation", written.reference, total, "pending", written.created_at, payment, token, {
          category,
          project: tenant.project
        })
      })

    const pledge = (input: NewPledge, key?: IdempotencyHold) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        if (input.dueDate < kuwaitDay()) return yield* new CaptureRefused({ code: "due-date-past", detail: "The due date is in the past" })
        if (input.schedule === "once" && input.instalments !== 1) {
          return yield* new CaptureRefused({ code: "instalments-need-schedule", detail: "Instalments need a monthly schedule" })
        }
        const tenant = yield* context(input.project, input, true)
        yield* checkGift(input.amount, tenant.settings, "pledge")
        // It adds to the pledged sum now, and to the raised sum when fulfilled.
        yield* checkProjectRoom(tenant.project, input.amount, ["pledged", "raised"])
        const token = receiptToken()
        const written = yield* write({
          token,
          key,
          kind: "PLG",
          entity: "pledge",
          insert: sql`insert into pledges (tenant_id, reference, catalog_item_id, amount, schedule, instalments, due_date, donor_name, donor_phone, donor_email, locale, receipt_token, visit_id, first_visit_id)
            select ${tenantId}, reference, ${tenant.project?.id ?? null}::uuid, ${formatMoney(input.amount)}::numeric, ${input.schedule}, ${input.instalments},
              ${input.dueDate}::date, ${input.donor.name}, ${input.donor.phone}, ${input.donor.email ?? null}, ${input.locale}, ${token}, ${tenant.visit_id}, ${tenant.first_visit_id}
            from counter returning id, reference, created_at`,
          payload: { amount: formatMoney(input.amount), dueDate: input.dueDate, name: input.donor.name },
          payer: { email: input.donor.email, locale: input.locale },
          contact: tenant.settings.contact?.email,
          overflow: projectTotalOutOfRange(),
          // Pledged money shows in the project's progress beside the money received.
          also:
            tenant.project === null
              ? []
              : [
                  sql`update catalog_items set pledged_amount = pledged_amount + ${formatMoney(input.amount)}::numeric where id = ${tenant.project.id}`
                ]
        })
        return receipt(
          "pledge",
          written.reference,
          input.amount,
          "open",
          written.created_at,
          { _tag: "Later", dueDate: input.dueDate },
          token,
          {
            category: null,
            project: tenant.project
          }
        )
      })

    /** The receipt behind a token, read again (statuses move on); another tenant's token finds nothing. */
    const receiptFor = (token: string) =>
      Effect.gen(function* () {
        const tenant = yield* context(undefined, {})
        const rows = yield* sql<{
          kind: "order" | "donation" | "pledge"
          reference: string
          amount: string
          status: string
          payment_method: "bank_transfer" | "pay_link" | null
          due_date: string | null
          category: "zakat" | "sadaqah" | "waqf" | "general" | null
          project: ProjectRow | null
          created_at: Date
          items: ReadonlyArray<StoredLine> | null
          delivery: OrderDelivery | null
        }>`
          select 'donation' as kind, d.reference, (d.amount + d.fees_amount)::text as amount, d.status, d.payment_method,
            null::text as due_date, d.category, ${projectJson(sql`d`)} as project, d.created_at, null::jsonb as items, null::jsonb as delivery
          from donations d where d.receipt_token = ${token}
          union all
          select 'order', o.reference, o.total::text, o.status, o.payment_method, null, null, null, o.created_at, o.items, o.delivery
          from orders o where o.receipt_token = ${token}
          union all
          select 'pledge', p.reference, p.amount::text, p.status, null, p.due_date::text, null, ${projectJson(sql`p`)}, p.created_at, null, null
          from pledges p where p.receipt_token = ${token}`.pipe(Effect.orDie)
        if (rows.length === 0) return yield* new ReceiptNotFound()
        const row = rows[0]!
        const amount = parseMoney(row.amount)!
        const payment =
          row.payment_method === null
            ? ({ _tag: "Later", dueDate: row.due_date ?? "" } as const)
            : yield* payments
                .instructions(row.payment_method, tenant.settings, tenant.name_ar, row.reference, amount)
                .pipe(Effect.orElseSucceed(() => ({ _tag: "Later", dueDate: "" }) as const))
        return receipt(row.kind, row.reference, amount, row.status, row.created_at, payment, token, {
          // Zakat is named only where it was accepted: a record from before the rule cannot claim it.
          category: row.category === "zakat" && !zakatAccepted(row.project, tenant.settings) ? null : row.category,
          project: row.project,
          lines: row.items === null ? null : row.items.map(storedLine),
          delivery: row.delivery
        })
      })

    /**
     * The PDF receipt of a donation or an order, found by its receipt token (a visitor's link) or by
     * id (staff). Read fresh, so a payment marked received shows on the next download.
     */
    const receiptPdf = (by: { readonly token: string } | { readonly kind: "order" | "donation"; readonly id: string }) =>
      Effect.gen(function* () {
        const tenant = yield* sql<{ name_ar: string; name_en: string; settings: TenantSettings }>`
          select name_ar, name_en, settings from app.current_tenant_settings()`.pipe(Effect.orDie)
        const byDonation = "token" in by ? sql`d.receipt_token = ${by.token}` : by.kind === "donation" ? sql`d.id = ${by.id}` : sql`false`
        const byOrder = "token" in by ? sql`o.receipt_token = ${by.token}` : by.kind === "order" ? sql`o.id = ${by.id}` : sql`false`
        const rows = yield* sql<{
          kind: "donation" | "order"
          reference: string
          created_at: Date
          name: string
          anonymous: boolean
          amount: string
          fees: string
          category: "zakat" | "sadaqah" | "waqf" | "general" | null
          project_ar: string | null
          project_en: string | null
          dedication: string
          items: Array<{ title: { ar: string; en: string }; quantity: number; unitPrice: string; lineTotal: string }> | null
          delivery: OrderDelivery | null
          status: string
          payment_state: string
          zakat_ok: boolean
        }>`
          select 'donation' as kind, d.reference, d.created_at, d.donor_name as name, d.anonymous, d.amount::text as amount,
            d.fees_amount::text as fees, d.category, i.title_ar as project_ar, i.title_en as project_en, d.dedication,
            null::jsonb as items, null::jsonb as delivery, d.status, d.payment_state,
            case when i.id is null then coalesce((s.settings #>> '{donations,zakatGeneralFund}')::boolean, false)
              else i.zakat_eligible or i.category = 'zakat' end as zakat_ok
          from donations d left join catalog_items i on i.id = d.catalog_item_id cross join app.current_tenant_settings() s where ${byDonation}
          union all
          select 'order', o.reference, o.created_at, o.customer_name, false, o.total::text, '0', null, null, null, '',
            o.items, o.delivery, o.status, o.payment_state, false
          from orders o where ${byOrder}`.pipe(Effect.orDie)
        if (rows.length === 0 || tenant.length === 0) return yield* new ReceiptNotFound()
        const row = rows[0]!
        const pdf = yield* renderReceipt({
          kind: row.kind,
          reference: row.reference,
          createdAt: row.created_at,
          tenant: { nameAr: tenant[0]!.name_ar, nameEn: tenant[0]!.name_en, ...receiptContact(tenant[0]!.settings) },
          footer: receiptFooter(tenant[0]!.settings),
          payer: { name: row.name, anonymous: row.anonymous },
          amount: row.amount,
          ...(row.fees === "0.000" || row.fees === "0" ? {} : { fees: row.fees }),
          // Zakat is named only where it was accepted: a record from before the rule cannot claim it.
          ...(row.category === null || (row.category === "zakat" && !row.zakat_ok) ? {} : { category: row.category }),
          project: row.project_ar === null ? null : { ar: row.project_ar, en: row.project_en ?? "" },
          dedication: row.dedication,
          ...(row.items === null ? {} : { lines: row.items }),
          ...(row.delivery === null
            ? {}
            : { delivery: { ar: describeDelivery(row.delivery, "ar"), en: describeDelivery(row.delivery, "en") } }),
          status: row.status,
          paymentState: row.payment_state
        })
        return { reference: row.reference, pdf }
      })

    return { order, donation, pledge, receiptFor, receiptPdf } as const
  }),
  dependencies: [PaymentProvider.Default, Idempotency.Default]
}) {}
