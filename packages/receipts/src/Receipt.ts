import { addMoney, displayMoney, formatCount, parseMoney, type Money } from "@manara/domain"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import PDFDocument from "pdfkit"
import { visualRuns } from "./Bidi.js"

export interface ReceiptInput {
  readonly kind: "donation" | "order"
  /** A Latin token such as "DON-2026-000042", printed as is on both sides. */
  readonly reference: string
  /** Printed in Asia/Kuwait time. */
  readonly createdAt: Date
  readonly tenant: {
    readonly nameAr: string
    readonly nameEn: string
    /** The charity's registration number, from its settings. */
    readonly registrationNumber?: string
    /** Phone, email, address lines, from its settings. */
    readonly contact?: ReadonlyArray<Bilingual>
  }
  /** The tenant's receipt footer, from its settings. */
  readonly footer?: Bilingual
  /** "فاعل خير" / "Anonymous donor" when anonymous or empty. */
  readonly payer: { readonly name: string; readonly anonymous?: boolean }
  /** KWD as a decimal string, e.g. "25.750": the donation, or the order's total. */
  readonly amount: string
  /** Fees the donor chose to cover, on top of the amount; shown when above zero. */
  readonly fees?: string
  readonly category?: "zakat" | "sadaqah" | "waqf" | "general"
  readonly project?: { readonly ar: string; readonly en: string } | null
  readonly dedication?: string
  readonly lines?: ReadonlyArray<{
    readonly title: { readonly ar: string; readonly en: string }
    readonly quantity: number
    readonly unitPrice: string
    readonly lineTotal: string
  }>
  /** An order's delivery, written out in each language (an address, or pickup). */
  readonly delivery?: { readonly ar: string; readonly en: string }
  readonly status: string
  readonly paymentState: string
}

type Bilingual = { readonly ar: string; readonly en: string }

const CATEGORY: Record<NonNullable<ReceiptInput["category"]>, Bilingual> = {
  zakat: { ar: "زكاة", en: "Zakat" },
  sadaqah: { ar: "صدقة", en: "Sadaqah" },
  waqf: { ar: "وقف", en: "Waqf" },
  general: { ar: "تبرع عام", en: "General donation" }
}

const PAYMENT: Record<string, Bilingual> = {
  pending: { ar: "بانتظار الدفع", en: "Awaiting payment" },
  received: { ar: "تم الاستلام", en: "Received" },
  failed: { ar: "تعذر الدفع", en: "Payment failed" },
  refunded: { ar: "تم رد المبلغ", en: "Refunded" }
}

const STATUS: Record<string, Bilingual> = {
  pending: { ar: "قيد المراجعة", en: "Pending" },
  new: { ar: "جديد", en: "New" },
  confirmed: { ar: "مؤكد", en: "Confirmed" },
  fulfilled: { ar: "تم التنفيذ", en: "Fulfilled" },
  cancelled: { ar: "ملغى", en: "Cancelled" }
}

const TITLE: Record<ReceiptInput["kind"], Bilingual> = {
  donation: { ar: "إيصال تبرع", en: "Donation receipt" },
  order: { ar: "إيصال طلب", en: "Order receipt" }
}

/** Until the money is received the document only confirms the request: it is not yet a receipt. */
const CONFIRMATION: Record<ReceiptInput["kind"], Bilingual> = {
  donation: { ar: "تأكيد تبرع", en: "Donation confirmation" },
  order: { ar: "تأكيد طلب", en: "Order confirmation" }
}

/** A receipt once the payment is received (or was, before a refund); a confirmation before that. */
export const receiptTitle = (input: Pick<ReceiptInput, "kind" | "paymentState">): Bilingual =>
  input.paymentState === "received" || input.paymentState === "refunded" ? TITLE[input.kind] : CONFIRMATION[input.kind]

// Read once per process: pdfkit parses the bytes per document, the disk is not touched again.
let fontBytes: { readonly regular: Buffer; readonly bold: Buffer } | undefined
const fonts = () =>
  (fontBytes ??= {
    regular: readFileSync(new URL("../fonts/Amiri-Regular.ttf", import.meta.url)),
    bold: readFileSync(new URL("../fonts/Amiri-Bold.ttf", import.meta.url))
  })

const kuwaitTime = (locale: string, date: Date) =>
  new Intl.DateTimeFormat(locale, { timeZone: "Asia/Kuwait", dateStyle: "long", timeStyle: "short" }).format(date)

const amountOf = (text: string): Money => {
  const parsed = parseMoney(text)
  if (parsed === undefined) throw new RangeError(`receipt amount is not KWD: ${JSON.stringify(text)}`)
  return parsed
}

const enMoney = (money: Money) => displayMoney(money, "en")
const arMoney = (money: Money) => displayMoney(money, "ar")
const arDigits = (n: number) => formatCount(n, "ar")

type Side = "ar" | "en"
type Font = "regular" | "bold"

const PAGE = { width: 595.28, height: 841.89 }
const MARGIN = 48
const GUTTER = 28
const COLUMN = (PAGE.width - 2 * MARGIN - GUTTER) / 2
const LABEL = 92
const INK = "#1f2933"
const MUTED = "#5f6b7a"
const ACCENT = "#0f6e5a"

/** One row of the receipt: the English and the Arabic version, drawn side by side. */
interface Row {
  readonly label: Bilingual
  readonly value: Bilingual
  readonly strong?: boolean
  /** Drawn on one line whatever its width (a reference number must never break). */
  readonly whole?: boolean
}

const draw = (input: ReceiptInput, doc: PDFKit.PDFDocument) => {
  const amount = amountOf(input.amount)
  const fees = input.fees === undefined ? undefined : amountOf(input.fees)
  const donation = input.kind === "donation"

  const setFont = (font: Font, size: number) => doc.font(font === "bold" ? "Amiri-Bold" : "Amiri-Regular").fontSize(size)
  const width = (text: string, side: Side) =>
    visualRuns(text, side === "ar" ? "rtl" : "ltr").reduce((sum, run) => sum + doc.widthOfString(run.text, { features: [] }), 0)

  /** Breaks logically at spaces (a word longer than the width is cut), then lays out each line by itself. */
  const wrap = (text: string, side: Side, max: number): Array<string> => {
    const lines: Array<string> = []
    for (const paragraph of text.split(/\r?\n/)) {
      let line = ""
      for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
        const candidate = line === "" ? word : `${line} ${word}`
        if (width(candidate, side) <= max) {
          line = candidate
          continue
        }
        if (line !== "") lines.push(line)
        line = word
        while (width(line, side) > max && Array.from(line).length > 1) {
          const chars = Array.from(line)
          let cut = chars.length - 1
          while (cut > 1 && width(chars.slice(0, cut).join(""), side) > max) cut--
          lines.push(chars.slice(0, cut).join(""))
          line = chars.slice(cut).join("")
        }
      }
      if (line !== "") lines.push(line)
    }
    return lines.length === 0 ? [""] : lines
  }

  /** Draws one line: runs in visual order, flush right for Arabic, flush left for English. */
  const line = (text: string, side: Side, edge: number, y: number) => {
    const runs = visualRuns(text, side === "ar" ? "rtl" : "ltr")
    const widths = runs.map((run) => doc.widthOfString(run.text, { features: [] }))
    let x = side === "ar" ? edge - widths.reduce((a, b) => a + b, 0) : edge
    runs.forEach((run, i) => {
      doc.text(run.text, x, y, { lineBreak: false, features: [] })
      x += widths[i]!
    })
  }

  /** A block of wrapped lines; returns its height. */
  const block = (text: string, side: Side, edge: number, y: number, max: number, font: Font, size: number, whole = false) => {
    setFont(font, size)
    // A whole value that is too wide is drawn smaller rather than broken.
    if (whole) setFont(font, Math.min(size, (size * max) / Math.max(width(text, side), 1)))
    const lines = whole ? [text] : wrap(text, side, max)
    const height = size * 1.55
    lines.forEach((l, i) => line(l, side, edge, y + i * height))
    return lines.length * height
  }

  const enLeft = MARGIN
  const arRight = PAGE.width - MARGIN
  let y = MARGIN

  // Header: the tenant in both languages, then the title.
  doc.fillColor(ACCENT)
  const header = Math.max(
    block(input.tenant.nameEn, "en", enLeft, y, COLUMN, "bold", 17),
    block(input.tenant.nameAr, "ar", arRight, y - 2, COLUMN, "bold", 19)
  )
  y += header + 2
  doc.fillColor(INK)
  const title = receiptTitle(input)
  y += Math.max(block(title.en, "en", enLeft, y, COLUMN, "regular", 14), block(title.ar, "ar", arRight, y, COLUMN, "regular", 15))
  y += 6
  doc
    .moveTo(MARGIN, y)
    .lineTo(PAGE.width - MARGIN, y)
    .lineWidth(1)
    .strokeColor(ACCENT)
    .stroke()
  y += 14

  const rowsAt = (rows: ReadonlyArray<Row>) => {
    for (const row of rows) {
      // A long order goes on a second page rather than off the bottom of the first.
      if (y > PAGE.height - MARGIN - 60) {
        doc.addPage()
        y = MARGIN
      }
      const size = row.strong ? 13 : 11
      const font: Font = row.strong ? "bold" : "regular"
      doc.fillColor(MUTED)
      const labels = Math.max(
        block(row.label.en, "en", enLeft, y + (size - 10), LABEL - 8, "regular", 10),
        block(row.label.ar, "ar", arRight, y + (size - 10) - 1, LABEL - 8, "regular", 10.5)
      )
      doc.fillColor(INK)
      const values = Math.max(
        block(row.value.en, "en", enLeft + LABEL, y, COLUMN - LABEL, font, size, row.whole),
        block(row.value.ar, "ar", arRight - LABEL, y, COLUMN - LABEL, font, size + 0.5, row.whole)
      )
      y += Math.max(labels, values) + 4
    }
  }

  const payer = input.payer.name.trim()
  const anonymous = input.payer.anonymous === true || payer === ""
  const rows: Array<Row> = [
    { label: { en: "Reference", ar: "رقم الإيصال" }, value: { en: input.reference, ar: input.reference }, strong: true, whole: true },
    { label: { en: "Date", ar: "التاريخ" }, value: { en: kuwaitTime("en-GB", input.createdAt), ar: kuwaitTime("ar-KW", input.createdAt) } },
    {
      label: donation ? { en: "Donor", ar: "المتبرع" } : { en: "Customer", ar: "العميل" },
      value: !anonymous ? { en: payer, ar: payer } : donation ? { en: "Anonymous donor", ar: "فاعل خير" } : { en: "—", ar: "—" }
    }
  ]
  if (donation && input.category !== undefined) rows.push({ label: { en: "Type", ar: "نوع التبرع" }, value: CATEGORY[input.category] })
  if (input.project) rows.push({ label: { en: "Project", ar: "المشروع" }, value: input.project })
  if (input.dedication !== undefined && input.dedication.trim() !== "") {
    rows.push({ label: { en: "Dedication", ar: "الإهداء" }, value: { en: input.dedication.trim(), ar: input.dedication.trim() } })
  }
  rowsAt(rows)

  if (input.lines !== undefined && input.lines.length > 0) {
    y += 6
    doc.fillColor(ACCENT)
    y += Math.max(block("Items", "en", enLeft, y, COLUMN, "bold", 12), block("الأصناف", "ar", arRight, y, COLUMN, "bold", 12.5))
    rowsAt(
      input.lines.map((item) => {
        const unit = amountOf(item.unitPrice)
        const total = amountOf(item.lineTotal)
        return {
          label: item.title,
          value: {
            en: `${item.quantity} × ${enMoney(unit)} = ${enMoney(total)}`,
            ar: `${arDigits(item.quantity)} × ${arMoney(unit)} = ${arMoney(total)}`
          }
        }
      })
    )
  }
  if (input.delivery !== undefined) rowsAt([{ label: { en: "Delivery", ar: "التوصيل" }, value: input.delivery }])

  y += 6
  doc
    .moveTo(MARGIN, y)
    .lineTo(PAGE.width - MARGIN, y)
    .lineWidth(0.5)
    .strokeColor("#c9d1d9")
    .stroke()
  y += 10
  const money: Array<Row> = []
  if (fees !== undefined && fees > 0n) {
    money.push(
      { label: { en: "Donation", ar: "مبلغ التبرع" }, value: { en: enMoney(amount), ar: arMoney(amount) } },
      { label: { en: "Covered fees", ar: "رسوم الدفع" }, value: { en: enMoney(fees), ar: arMoney(fees) } },
      {
        label: { en: "Total", ar: "الإجمالي" },
        value: { en: enMoney(addMoney(amount, fees)), ar: arMoney(addMoney(amount, fees)) },
        strong: true
      }
    )
  } else {
    money.push({
      label: donation ? { en: "Amount", ar: "المبلغ" } : { en: "Total", ar: "الإجمالي" },
      value: { en: enMoney(amount), ar: arMoney(amount) },
      strong: true
    })
  }
  money.push(
    { label: { en: "Payment", ar: "الدفع" }, value: PAYMENT[input.paymentState] ?? { en: input.paymentState, ar: input.paymentState } },
    { label: { en: "Status", ar: "الحالة" }, value: STATUS[input.status] ?? { en: input.status, ar: input.status } }
  )
  rowsAt(money)

  // Zakat must be named on the receipt itself: donors keep it as proof of which obligation they paid.
  if (donation && input.category === "zakat") {
    y += 10
    if (y > PAGE.height - MARGIN - 90) {
      doc.addPage()
      y = MARGIN
    }
    const top = y
    doc
      .roundedRect(MARGIN, top, PAGE.width - 2 * MARGIN, 34, 6)
      .fillColor("#e6f4ef")
      .fill()
    doc.fillColor(ACCENT)
    block("This donation is zakat", "en", enLeft + 12, top + 7, COLUMN, "bold", 13)
    block("هذا التبرع زكاة مال", "ar", arRight - 12, top + 5, COLUMN, "bold", 14)
    y = top + 34
  }

  y += 24
  if (y > PAGE.height - MARGIN - 20) {
    doc.addPage()
    y = MARGIN
  }
  doc.fillColor(MUTED)
  block(donation ? "Thank you for your support." : "Thank you for your order.", "en", enLeft, y, COLUMN, "regular", 11)
  y += block(donation ? "شكراً لدعمكم، وجزاكم الله خيراً." : "شكراً لطلبكم.", "ar", arRight, y, COLUMN, "regular", 12)

  // The tenant's own words and how to reach it (settings): registration number, contact, footer.
  const registration = input.tenant.registrationNumber?.trim() ?? ""
  const tail: Array<Bilingual> = [
    ...(registration === "" ? [] : [{ en: `Registration no. ${registration}`, ar: `رقم الترخيص ${registration}` }]),
    ...(input.tenant.contact ?? []).filter((entry) => entry.en.trim() !== "" || entry.ar.trim() !== ""),
    ...(input.footer === undefined || (input.footer.en.trim() === "" && input.footer.ar.trim() === "") ? [] : [input.footer])
  ]
  if (tail.length > 0) {
    y += 16
    doc.fillColor(MUTED)
    for (const entry of tail) {
      if (y > PAGE.height - MARGIN - 30) {
        doc.addPage()
        y = MARGIN
      }
      y += Math.max(
        block(entry.en.trim() || entry.ar.trim(), "en", enLeft, y, COLUMN, "regular", 9.5),
        block(entry.ar.trim() || entry.en.trim(), "ar", arRight, y, COLUMN, "regular", 10)
      )
    }
  }
}

/** An A4 PDF receipt (one page unless an order has dozens of lines), English on the left and Arabic on the right, with the Amiri font embedded. */
export const renderReceipt = (input: ReceiptInput): Effect.Effect<Uint8Array, never> =>
  Effect.async<Uint8Array>((resume) => {
    const { regular, bold } = fonts()
    const title = `${receiptTitle(input).en} ${input.reference}`
    const doc = new PDFDocument({
      size: "A4",
      margin: MARGIN,
      // "" skips pdfkit's default Helvetica, so the file carries no font but Amiri.
      font: "",
      lang: "ar",
      displayTitle: true,
      info: {
        Title: title,
        Author: input.tenant.nameEn,
        Subject: `${receiptTitle(input).ar} ${input.reference}`,
        Creator: "Manara",
        Producer: "Manara",
        CreationDate: input.createdAt
      }
    })
    const chunks: Array<Uint8Array> = []
    doc.on("data", (chunk: Uint8Array) => chunks.push(chunk))
    doc.on("end", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
    doc.on("error", (error: unknown) => resume(Effect.die(error)))
    try {
      doc.registerFont("Amiri-Regular", regular)
      doc.registerFont("Amiri-Bold", bold)
      draw(input, doc)
      doc.end()
    } catch (error) {
      resume(Effect.die(error))
    }
  })
