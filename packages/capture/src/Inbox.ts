import { SqlClient, type Statement } from "@effect/sql"
import { CurrentTenant, recordAudit } from "@manara/db"
import {
  CAPTURE_TRANSITIONS,
  CaptureTotal,
  money,
  TenantOverview,
  TotalsByKind,
  type CaptureKind,
  InboxDetail,
  InboxEntry,
  type InboxQuery,
  PAYMENT_TRANSITIONS,
  formatMoney,
  parseMoney,
  type PaymentState,
  phoneSearchDigits,
  formatPhoneInternational,
  StatusChange,
  timestamp,
  type UserId
} from "@manara/domain"
import { Data, Effect } from "effect"
import { randomBytes } from "node:crypto"
import { nextReference } from "./References.js"
import { isNumericOverflow, ProjectTotalOutOfRange } from "./Totals.js"

export class CaptureNotFound extends Data.TaggedError("CaptureNotFound")<{}> {}
export class InvalidCaptureTransition extends Data.TaggedError("InvalidCaptureTransition")<{
  readonly from: string
  readonly to: string
}> {}

interface EntryRow {
  readonly kind: CaptureKind
  readonly id: string
  readonly reference: string
  readonly status: string
  readonly payment_state: PaymentState | null
  readonly amount: string
  readonly name: string
  readonly phone: string
  readonly email: string | null
  readonly category: "zakat" | "sadaqah" | "waqf" | "general" | null
  readonly project_slug: string | null
  readonly project_ar: string | null
  readonly project_en: string | null
  readonly created_at: Date
  readonly cursor: string
}

const toEntry = (row: EntryRow) =>
  new InboxEntry(
    {
      kind: row.kind,
      id: row.id,
      reference: row.reference,
      status: row.status,
      paymentState: row.payment_state,
      amount: parseMoney(row.amount)!,
      name: row.name,
      phone: row.phone,
      email: row.email,
      category: row.category,
      project: row.project_slug === null ? null : { slug: row.project_slug, title: { ar: row.project_ar ?? "", en: row.project_en ?? "" } },
      createdAt: timestamp(row.created_at)
    },
    true
  )

const DEFAULT_PAGE = 50
/** Longer than a capture's transaction can live: its request deadline (REQUEST_DEADLINE, 10 s by default) rolls it back. */
const REPLAY_OVERLAP = "2 minutes"
/** What one reconnect replays at most: the overlap's captures and the missed ones after them. */
const REPLAY_LIMIT = 1000
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)
const TABLES: Record<CaptureKind, string> = { order: "orders", donation: "donations", pledge: "pledges" }

/**
 * The staff inbox: orders, donations and pledges in one list, their details and history, and the
 * staff's moves (status, payment received). Every move is checked against its workflow, recorded in
 * `status_changes`, audited, and keeps the project's raised and pledged amounts true, in one transaction.
 */
/**
 * Whether a status move takes a reference number (fulfilling a pledge makes a donation with its own
 * DON reference): the caller opens its transaction with `takesReference`, so it waits in the tenant's
 * reference lane like a capture instead of holding a connection while it queues for the counter row.
 */
export const moveTakesReference = (kind: CaptureKind, to: string) => kind === "pledge" && to === "fulfilled"

export class Inbox extends Effect.Service<Inbox>()("Capture/Inbox", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const entries = sql`(
      select 'order' as kind, o.id, o.reference, o.status, o.payment_state, o.total as amount, o.customer_name as name,
        o.customer_phone as phone, o.customer_email as email, null::text as category, null::uuid as item_id, o.created_at
      from orders o
      union all
      select 'donation', d.id, d.reference, d.status, d.payment_state, d.amount + d.fees_amount, d.donor_name,
        d.donor_phone, d.donor_email, d.category, d.catalog_item_id, d.created_at
      from donations d
      union all
      select 'pledge', p.id, p.reference, p.status, null, p.amount, p.donor_name, p.donor_phone, p.donor_email,
        null, p.catalog_item_id, p.created_at
      from pledges p
    ) e left join catalog_items i on i.id = e.item_id`

    const columns = sql`e.kind, e.id, e.reference, e.status, e.payment_state, e.amount::text as amount, e.name, e.phone, e.email,
      e.category, i.slug as project_slug, i.title_ar as project_ar, i.title_en as project_en, e.created_at,
      to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' || e.id as cursor`

    const filters = (query: InboxQuery) => {
      const where: Array<Statement.Fragment> = []
      if (query.kind !== undefined) where.push(sql`e.kind = ${query.kind}`)
      if (query.status !== undefined) where.push(sql`e.status = ${query.status}`)
      if (query.from !== undefined) where.push(sql`e.created_at >= (${query.from}::date)::timestamp at time zone 'Asia/Kuwait'`)
      if (query.to !== undefined) where.push(sql`e.created_at < (${query.to}::date + 1)::timestamp at time zone 'Asia/Kuwait'`)
      if (query.project !== undefined) where.push(sql`i.slug = ${query.project}`)
      if (query.category !== undefined) where.push(sql`e.category = ${query.category}`)
      const q = query.q?.trim() ?? ""
      if (q !== "") {
        // A number in any form (+965 5xx, 00965, 8 local digits, Arabic-Indic digits) as the digits of its E.164.
        const digits = phoneSearchDigits(q)
        // Names fold as the storefront's search does (app.fold_arabic, migration 0003): ة/ه, أ/إ/آ/ا, ى/ي, diacritics.
        where.push(sql`(e.reference ilike ${`%${likeEscape(q)}%`}
          or app.fold_arabic(e.name) like '%' || app.fold_arabic(${likeEscape(q)}) || '%'
          ${digits.length >= 3 ? sql`or regexp_replace(e.phone, '\\D', '', 'g') like ${`%${digits}%`}` : sql``})`)
      }
      if (query.cursor !== undefined) {
        const [at, id] = query.cursor.split("|")
        where.push(sql`(e.created_at, e.id) < (${at}::timestamp at time zone 'UTC', ${id}::uuid)`)
      }
      return where.length === 0 ? sql`true` : sql.and(where)
    }

    const list = (query: InboxQuery) =>
      Effect.gen(function* () {
        const limit = query.limit ?? DEFAULT_PAGE
        const rows = yield* sql<EntryRow>`select ${columns} from ${entries} where ${filters(query)}
          order by e.created_at desc, e.id desc limit ${limit + 1}`.pipe(Effect.orDie)
        return {
          entries: rows.slice(0, limit).map(toEntry),
          nextCursor: rows.length > limit ? rows[limit - 1]!.cursor : null
        }
      })

    /** Everything the filters select, for the CSV export (at most 10,000 lines). */
    const all = (query: InboxQuery) =>
      sql<EntryRow>`select ${columns} from ${entries} where ${filters({ ...query, cursor: undefined })}
        order by e.created_at desc, e.id desc limit 10000`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map(toEntry))
      )

    const entry = (kind: CaptureKind, id: string) =>
      sql<EntryRow>`select ${columns} from ${entries} where e.kind = ${kind} and e.id = ${id}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new CaptureNotFound()) : Effect.succeed(rows[0]!)))
      )

    const detail = (kind: CaptureKind, id: string) =>
      Effect.gen(function* () {
        const row = yield* entry(kind, id)
        const [extra] = yield* (
          kind === "order"
            ? sql<
                Record<string, unknown>
              >`select items, notes, delivery, payment_method, locale, receipt_token from orders where id = ${id}`
            : kind === "donation"
              ? sql<
                  Record<string, unknown>
                >`select amount::text as amount, fees_amount::text as fees, anonymous, dedication, payment_method, locale, receipt_token from donations where id = ${id}`
              : sql<
                  Record<string, unknown>
                >`select schedule, instalments, due_date::text as due_date, fulfilled_by, locale from pledges where id = ${id}`
        ).pipe(Effect.orDie)
        const history = yield* sql<{
          from_status: string | null
          to_status: string
          changed_by: string | null
          note: string
          created_at: Date
        }>`
          select from_status, to_status, changed_by, note, created_at from status_changes
          where entity_kind = ${kind} and entity_id = ${id} order by created_at, id`.pipe(Effect.orDie)
        const { receipt_token: token, ...details } = extra ?? {}
        return new InboxDetail(
          {
            entry: toEntry(row),
            details,
            history: history.map(
              (change) =>
                new StatusChange(
                  {
                    from: change.from_status,
                    to: change.to_status,
                    by: change.changed_by,
                    note: change.note,
                    at: timestamp(change.created_at)
                  },
                  true
                )
            ),
            receiptToken: typeof token === "string" ? token : null
          },
          true
        )
      })

    const recordChange = (kind: string, id: string, from: string | null, to: string, by: UserId, note: string) =>
      Effect.flatMap(
        CurrentTenant,
        (tenantId) =>
          sql`insert into status_changes (tenant_id, entity_kind, entity_id, from_status, to_status, changed_by, note, created_at)
            values (${tenantId}, ${kind}, ${id}, ${from}, ${to}, ${by}, ${note}, clock_timestamp())`
      ).pipe(Effect.orDie)

    /** Keeps a project's progress true: money received, and money promised. */
    const adjustProject = (itemId: string | null, column: "raised_amount" | "pledged_amount", delta: string) =>
      itemId === null
        ? Effect.void
        : sql`update catalog_items set ${sql(column)} = greatest(0, ${sql(column)} + ${delta}::numeric) where id = ${itemId}`.pipe(
            // Past NUMERIC(12,3): refused (the move is rolled back with it), not a 500.
            Effect.catchAll((error) => (isNumericOverflow(error) ? Effect.fail(new ProjectTotalOutOfRange()) : Effect.die(error)))
          )

    const changeStatus = (kind: CaptureKind, id: string, to: string, note: string, by: UserId) =>
      Effect.gen(function* () {
        const [row] = yield* sql<{ status: string; amount: string; catalog_item_id: string | null; payment_state: PaymentState | null }>`
          select status, ${kind === "order" ? sql`total` : sql`amount`}::text as amount,
            ${kind === "order" ? sql`null::uuid` : sql`catalog_item_id`} as catalog_item_id,
            ${kind === "pledge" ? sql`null::text` : sql`payment_state`} as payment_state
          from ${sql(TABLES[kind])} where id = ${id} for update`.pipe(Effect.orDie)
        if (row === undefined) return yield* new CaptureNotFound()
        if (!(CAPTURE_TRANSITIONS[kind][row.status] ?? []).includes(to)) {
          return yield* new InvalidCaptureTransition({ from: row.status, to })
        }
        yield* sql`update ${sql(TABLES[kind])} set status = ${to} where id = ${id}`.pipe(Effect.orDie)
        if (kind === "pledge") {
          // An open pledge counts as pledged; leaving "open" takes it out, coming back puts it in.
          if (row.status === "open") yield* adjustProject(row.catalog_item_id, "pledged_amount", `-${row.amount}`)
          if (to === "open") yield* adjustProject(row.catalog_item_id, "pledged_amount", row.amount)
          if (to === "fulfilled") yield* fulfil(id, row.amount, row.catalog_item_id, by)
        }
        if (kind === "donation" && to === "cancelled" && row.payment_state === "received") {
          yield* adjustProject(row.catalog_item_id, "raised_amount", `-${row.amount}`)
        }
        yield* recordChange(kind, id, row.status, to, by, note)
        yield* recordAudit({
          actor: by,
          action: `${kind}.status_changed`,
          entityKind: kind,
          entityId: id,
          before: { status: row.status },
          after: { status: to, note }
        }).pipe(Effect.orDie)
        return yield* detail(kind, id)
      })

    /** A fulfilled pledge becomes a received donation (its own DON reference), linked from the pledge (see `moveTakesReference`). */
    const fulfil = (pledgeId: string, amount: string, itemId: string | null, by: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const reference = yield* nextReference("DON").pipe(Effect.orDie)
        const [donation] = yield* sql<{ id: string }>`
          insert into donations (tenant_id, reference, catalog_item_id, amount, category, donor_name, donor_phone, donor_email,
            status, payment_method, payment_state, locale, receipt_token)
          select p.tenant_id, ${reference}, p.catalog_item_id, p.amount, coalesce(i.category, 'general'), p.donor_name, p.donor_phone,
            p.donor_email, 'confirmed', 'bank_transfer', 'received', p.locale, ${randomBytes(24).toString("base64url")}
          from pledges p left join catalog_items i on i.id = p.catalog_item_id where p.id = ${pledgeId}
          returning id`.pipe(Effect.orDie)
        yield* sql`update pledges set fulfilled_by = ${donation!.id} where id = ${pledgeId}`.pipe(Effect.orDie)
        yield* adjustProject(itemId, "raised_amount", amount)
        yield* recordChange("donation", donation!.id, null, "confirmed", by, "")
        yield* recordAudit({
          actor: by,
          action: "donation.created",
          entityKind: "donation",
          entityId: donation!.id,
          after: { reference, fromPledge: pledgeId, tenantId }
        }).pipe(Effect.orDie)
      })

    /** The payer's "payment received" email with the final receipt, written with the move; once per payment. */
    const announcePayment = (kind: "order" | "donation", id: string) => {
      const [email, name, amount] =
        kind === "order"
          ? [sql`r.customer_email`, sql`r.customer_name`, sql`r.total`]
          : [sql`r.donor_email`, sql`r.donor_name`, sql`r.amount`]
      return sql`
        insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
        select r.tenant_id, 'payment.received',
          jsonb_build_object('kind', ${kind}::text, 'id', r.id, 'reference', r.reference, 'amount', ${amount}::text, 'name', ${name}),
          'email', ${email}, r.locale, ${`${kind}:`} || r.id || ':payment.received'
        from ${sql(TABLES[kind])} r where r.id = ${id} and ${email} is not null
        on conflict (tenant_id, dedupe_key) do nothing`.pipe(
        Effect.zipRight(sql`
          insert into notification_outbox (tenant_id, event, payload, channel, target, locale, dedupe_key)
          select r.tenant_id, 'staff.payment',
            jsonb_build_object('kind', ${kind}::text, 'id', r.id, 'reference', r.reference, 'amount', ${amount}::text, 'name', ${name}),
            m.channel, m.target, m.locale, ${`${kind}:`} || r.id || ':payment.received:member:' || m.user_id || ':' || m.channel
          from ${sql(TABLES[kind])} r cross join app.member_recipients('payment.received') m where r.id = ${id}
          on conflict (tenant_id, dedupe_key) do nothing`),
        Effect.orDie
      )
    }

    /** Staff mark money received (or failed, or refunded); a received donation is confirmed and counts as raised. */
    const markPayment = (kind: "order" | "donation", id: string, state: PaymentState, note: string, by: UserId) =>
      Effect.gen(function* () {
        const [row] = yield* sql<{ status: string; payment_state: PaymentState; amount: string; catalog_item_id: string | null }>`
          select status, payment_state, ${kind === "order" ? sql`total` : sql`amount`}::text as amount,
            ${kind === "order" ? sql`null::uuid` : sql`catalog_item_id`} as catalog_item_id
          from ${sql(TABLES[kind])} where id = ${id} for update`.pipe(Effect.orDie)
        if (row === undefined) return yield* new CaptureNotFound()
        if (!PAYMENT_TRANSITIONS[row.payment_state].includes(state)) {
          return yield* new InvalidCaptureTransition({ from: `payment ${row.payment_state}`, to: `payment ${state}` })
        }
        yield* sql`update ${sql(TABLES[kind])} set payment_state = ${state} where id = ${id}`.pipe(Effect.orDie)
        yield* recordChange(kind, id, `payment:${row.payment_state}`, `payment:${state}`, by, note)
        if (kind === "donation" && state === "received") {
          yield* adjustProject(row.catalog_item_id, "raised_amount", row.amount)
          if (row.status === "pending") {
            yield* sql`update donations set status = 'confirmed' where id = ${id}`.pipe(Effect.orDie)
            yield* recordChange(kind, id, "pending", "confirmed", by, "")
          }
        }
        if (state === "received") yield* announcePayment(kind, id)
        if (kind === "donation" && state === "refunded") yield* adjustProject(row.catalog_item_id, "raised_amount", `-${row.amount}`)
        if (kind === "order" && state === "received" && row.status === "new") {
          yield* sql`update orders set status = 'confirmed' where id = ${id}`.pipe(Effect.orDie)
          yield* recordChange(kind, id, "new", "confirmed", by, "")
        }
        yield* recordAudit({
          actor: by,
          action: `${kind}.payment_marked`,
          entityKind: kind,
          entityId: id,
          before: { paymentState: row.payment_state },
          after: { paymentState: state, note }
        }).pipe(Effect.orDie)
        return yield* detail(kind, id)
      })

    /**
     * The dashboard's home. Day and month are Kuwait's (UTC+3 all year): a capture at 23:30 UTC counts
     * on the next Kuwait day. Cancelled captures count nowhere.
     */
    const overview = (day: string | undefined) =>
      Effect.gen(function* () {
        const [bounds] = yield* sql<{ day: string; day_start: Date; day_end: Date; month_start: Date; month_end: Date }>`
          with d as (select coalesce(${day ?? null}::date, (now() at time zone 'Asia/Kuwait')::date) as day)
          select d.day::text as day,
            d.day::timestamp at time zone 'Asia/Kuwait' as day_start,
            (d.day + 1)::timestamp at time zone 'Asia/Kuwait' as day_end,
            date_trunc('month', d.day::timestamp) at time zone 'Asia/Kuwait' as month_start,
            (date_trunc('month', d.day::timestamp) + interval '1 month') at time zone 'Asia/Kuwait' as month_end
          from d`.pipe(Effect.orDie)
        const { day_end, day_start, month_end, month_start } = bounds!
        const sums = yield* sql<{ kind: CaptureKind; day_count: number; day_amount: string; month_count: number; month_amount: string }>`
          select e.kind,
            count(*) filter (where e.created_at >= ${day_start} and e.created_at < ${day_end})::int as day_count,
            coalesce(sum(e.amount) filter (where e.created_at >= ${day_start} and e.created_at < ${day_end}), 0)::numeric(15, 3)::text as day_amount,
            count(*)::int as month_count, coalesce(sum(e.amount), 0)::numeric(15, 3)::text as month_amount
          from ${entries}
          where e.status <> 'cancelled' and e.created_at >= ${month_start} and e.created_at < ${month_end}
          group by e.kind`.pipe(Effect.orDie)
        const totals = (period: "day" | "month") =>
          new TotalsByKind(
            Object.fromEntries(
              (["order", "donation", "pledge"] as const).map((kind) => {
                const row = sums.find((sum) => sum.kind === kind)
                return [
                  kind,
                  new CaptureTotal({ count: row?.[`${period}_count`] ?? 0, amount: money(row?.[`${period}_amount`] ?? "0") }, true)
                ]
              })
            ) as Record<CaptureKind, CaptureTotal>,
            true
          )
        const awaiting = sql`e.kind in ('order', 'donation') and e.payment_state = 'pending' and e.status <> 'cancelled'`
        const [pending] = yield* sql<{ count: number; amount: string }>`
          select count(*)::int as count, coalesce(sum(e.amount), 0)::numeric(15, 3)::text as amount from ${entries} where ${awaiting}`.pipe(
          Effect.orDie
        )
        const awaitingRows = yield* sql<EntryRow>`select ${columns} from ${entries} where ${awaiting}
          order by e.created_at desc, e.id desc limit 5`.pipe(Effect.orDie)
        const latest = yield* list({ limit: 5 })
        return new TenantOverview(
          {
            day: bounds!.day,
            today: totals("day"),
            month: totals("month"),
            awaitingPayment: {
              total: new CaptureTotal({ count: pending!.count, amount: money(pending!.amount) }, true),
              entries: awaitingRows.map(toEntry)
            },
            latest: latest.entries
          },
          true
        )
      })

    /**
     * What a reconnecting event stream may have missed since the capture it saw last (its `Last-Event-ID`),
     * oldest first, by creation to the millisecond, then reference, as the event ids order them. A capture's
     * created_at is its transaction's start, not its commit: one that began before the last capture seen but
     * committed after it sorts before it. So the replay starts REPLAY_OVERLAP earlier (the stream's reader
     * drops what it already has, by reference), never repeating the last capture seen itself.
     */
    const since = (after: { readonly at: string; readonly reference: string }) =>
      sql<{ kind: CaptureKind; reference: string; amount: string; at: string }>`
        select e.kind, e.reference, e.amount::text as amount,
          to_char(date_trunc('milliseconds', e.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
        from ${entries}
        where e.created_at > ${after.at}::timestamptz - ${REPLAY_OVERLAP}::interval
          and (date_trunc('milliseconds', e.created_at), e.reference) <> (${after.at}::timestamptz, ${after.reference})
        order by date_trunc('milliseconds', e.created_at), e.reference limit ${REPLAY_LIMIT}`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map((row) => ({ ...row, amount: formatMoney(parseMoney(row.amount)!) })))
      )

    return { list, all, detail, changeStatus, markPayment, overview, since } as const
  })
}) {}

/** What the CSV says, in the staff member's language. */
const CSV_LABELS = {
  ar: {
    header: ["المرجع", "النوع", "الحالة", "الدفع", "المبلغ (د.ك)", "الاسم", "الهاتف", "البريد الإلكتروني", "الفئة", "المشروع", "التاريخ"],
    kind: { order: "طلب", donation: "تبرع", pledge: "تعهد" },
    status: {
      new: "جديد",
      confirmed: "مؤكد",
      fulfilled: "منجز",
      cancelled: "ملغى",
      pending: "قيد الانتظار",
      open: "مفتوح",
      lapsed: "متأخر"
    },
    payment: { pending: "بانتظار الدفع", received: "مستلم", failed: "فشل", refunded: "مسترد" },
    category: { zakat: "زكاة", sadaqah: "صدقة", waqf: "وقف", general: "عام" }
  },
  en: {
    header: ["Reference", "Kind", "Status", "Payment", "Amount (KWD)", "Name", "Phone", "Email", "Category", "Project", "Date"],
    kind: { order: "Order", donation: "Donation", pledge: "Pledge" },
    status: {
      new: "New",
      confirmed: "Confirmed",
      fulfilled: "Fulfilled",
      cancelled: "Cancelled",
      pending: "Pending",
      open: "Open",
      lapsed: "Lapsed"
    },
    payment: { pending: "Awaiting payment", received: "Received", failed: "Failed", refunded: "Refunded" },
    category: { zakat: "Zakat", sadaqah: "Sadaqah", waqf: "Waqf", general: "General" }
  }
} as const

/** A moment as ISO 8601 in Kuwait's time (UTC+3 all year, no DST): "2026-12-03T15:04:05+03:00". */
const kuwaitIso = (at: Date) => `${new Date(at.getTime() + 3 * 3600_000).toISOString().slice(0, 19)}+03:00`

/**
 * A cell that cannot run as a formula (OWASP's CSV injection advice): a value starting with = + - @ | tab, CR
 * or NUL gets a leading apostrophe, then RFC 4180 quoting.
 */
const csvCell = (value: string) => {
  const safe = /^[=+\-@|\t\r\0]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/**
 * A phone as typed ("+965 5000 1234"): it is our own E.164, only "+", digits and spaces, so it can carry
 * no formula; a leading tab keeps spreadsheets from reading it as a number (or "+965" as arithmetic)
 * without the apostrophe staff would see. An old row that is not E.164 is an ordinary cell.
 */
const phoneCell = (stored: string) => (/^\+[1-9][0-9]{6,14}$/.test(stored) ? `"\t${formatPhoneInternational(stored)}"` : csvCell(stored))

/**
 * The inbox as a spreadsheet: UTF-8 with a BOM (so Excel reads Arabic), CRLF, formulas defused; headers
 * and labels in the staff member's language, ISO 8601 dates in Kuwait's time, amounts with 3 decimals.
 */
export const inboxCsv = (entries: ReadonlyArray<InboxEntry>, locale: "ar" | "en" = "ar"): string => {
  const labels = CSV_LABELS[locale]
  const label = (table: Record<string, string>, code: string) => (Object.hasOwn(table, code) ? table[code]! : code)
  const lines = entries.map((e) =>
    [
      csvCell(e.reference),
      csvCell(labels.kind[e.kind]),
      csvCell(label(labels.status, e.status)),
      csvCell(e.paymentState === null ? "" : label(labels.payment, e.paymentState)),
      formatAmount(e.amount),
      csvCell(e.name),
      phoneCell(e.phone),
      csvCell(e.email ?? ""),
      csvCell(e.category === null ? "" : labels.category[e.category]),
      csvCell(e.project?.title[locale] ?? ""),
      kuwaitIso(new Date(e.createdAt))
    ].join(",")
  )
  return `\uFEFF${[labels.header.map(csvCell).join(","), ...lines].join("\r\n")}\r\n`
}

const formatAmount = (fils: bigint) => `${fils / 1000n}.${(fils % 1000n).toString().padStart(3, "0")}`
