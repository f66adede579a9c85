import { renderReceipt, type ReceiptInput } from "@manara/receipts"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import { visualRuns } from "../src/Bidi.js"

const RESULTS = fileURLToPath(new URL("../test-results/", import.meta.url))

/** pdftotext wraps RTL lines in embedding marks; the words are what a reader copies. */
const plain = (text: string) => text.replace(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, "")
/** pdftotext splits a word where Amiri kerns a gap (الخيرية comes out as "الخير ية"): compare letters in order. */
const squeezed = (text: string) => plain(text).replace(/\s+/g, "")

const poppler = (tool: string, args: Array<string>) => {
  try {
    return execFileSync(tool, args, { encoding: "utf8" })
  } catch (error) {
    throw new Error(`${tool} failed; install Debian's poppler-utils (scripts/test.sh does): ${String(error)}`)
  }
}

// A4 in points: pdftotext reads the left (English) and right (Arabic) halves apart, so that its bidi
// pass over a whole line mixing both columns does not move the English brackets.
const HALF = ["-y", "0", "-H", "842", "-W", "298"]

/** Writes the PDF and its 80 dpi PNG under test-results/ (to look at) and returns what pdftotext reads. */
const inspect = (name: string, pdf: Uint8Array) => {
  const path = `${RESULTS}${name}.pdf`
  writeFileSync(path, pdf)
  poppler("pdftoppm", ["-png", "-r", "80", path, `${RESULTS}${name}`])
  const raw = poppler("pdftotext", ["-layout", path, "-"])
  return {
    text: plain(raw),
    raw,
    en: plain(poppler("pdftotext", ["-layout", "-x", "0", ...HALF, path, "-"])),
    ar: plain(poppler("pdftotext", ["-layout", "-x", "298", ...HALF, path, "-"])),
    info: poppler("pdfinfo", ["-isodates", path])
  }
}

const tenant = { nameAr: "جمعية النور الخيرية", nameEn: "Al Noor Charity" }

const zakat: ReceiptInput = {
  kind: "donation",
  reference: "DON-2026-000042",
  createdAt: new Date("2026-03-12T11:05:00Z"),
  tenant,
  payer: { name: "", anonymous: true },
  amount: "25.750",
  fees: "0.250",
  category: "zakat",
  project: { ar: "سقيا الماء (الكويت)", en: "Water wells (Kuwait)" },
  dedication: "عن روح والدي رحمه الله",
  status: "pending",
  paymentState: "pending"
}

const order: ReceiptInput = {
  kind: "order",
  reference: "ORD-2026-000007",
  createdAt: new Date("2026-01-31T22:30:00Z"),
  tenant: { nameAr: "متجر الخير", nameEn: "Al Khair Shop" },
  payer: { name: "Fatima Al-Sabah" },
  amount: "12.500",
  lines: [
    { title: { ar: "تمر خلاص", en: "Khalas dates" }, quantity: 2, unitPrice: "5.000", lineTotal: "10.000" },
    { title: { ar: "ماء زمزم", en: "Zamzam water" }, quantity: 1, unitPrice: "2.500", lineTotal: "2.500" }
  ],
  status: "confirmed",
  paymentState: "received"
}

const render = (input: ReceiptInput) => Effect.runPromise(renderReceipt(input))

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true })
})

describe("bidi runs", () => {
  it("puts an amount's Arabic-Indic digits left to right inside a right-to-left line", () => {
    // Visual order: currency, digits, label; the digits pre-reversed because fontkit reverses Arabic-script runs.
    expect(visualRuns("المبلغ ٢٥٫٧٥٠ د.ك", "rtl")).toEqual([
      { text: " د.ك", rtl: true },
      { text: "٠٥٧٫٥٢", rtl: false },
      { text: "المبلغ ", rtl: true }
    ])
  })

  it("keeps a Latin reference one left-to-right run and mirrors brackets in Arabic", () => {
    expect(visualRuns("رقم DON-2026-000042", "rtl")).toEqual([
      { text: "DON-2026-000042", rtl: false },
      { text: "رقم ", rtl: true }
    ])
    expect(visualRuns("سقيا (الكويت)", "rtl")).toEqual([{ text: "سقيا )الكويت(", rtl: true }])
    expect(visualRuns("Water wells (Kuwait)", "ltr")).toEqual([{ text: "Water wells (Kuwait)", rtl: false }])
  })
})

describe("receipts", () => {
  it("prints the tenant's registration number, contact lines and receipt footer (its settings) in both languages", async () => {
    const { en, ar } = inspect(
      "settings-footer",
      await render({
        ...zakat,
        tenant: {
          ...tenant,
          registrationNumber: "MSA-2020-318",
          contact: [
            { en: "Phone +965 2244 6688", ar: "هاتف +965 2244 6688" },
            { en: "Jabriya, Kuwait", ar: "الجابرية، الكويت" }
          ]
        },
        footer: { en: "May your giving be accepted", ar: "تقبل الله منكم" }
      })
    )
    for (const words of ["Registration no. MSA-2020-318", "Phone +965 2244 6688", "Jabriya, Kuwait", "May your giving be accepted"])
      expect(en, words).toContain(words)
    for (const words of ["رقم الترخيص", "هاتف", "تقبل الله منكم"]) expect(ar, words).toContain(words)
    // Without settings, none of it.
    expect(inspect("settings-none", await render(zakat)).en).not.toContain("Registration no.")
  })

  it("renders a zakat donation that says it is zakat, in both languages, with the reference and amount intact", async () => {
    const pdf = await render(zakat)
    expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-")
    const bytes = Buffer.from(pdf).toString("latin1")
    expect(bytes).toContain("Amiri-Regular")
    expect(bytes).toContain("Amiri-Bold")
    expect(bytes).not.toContain("Helvetica")

    const { text, raw, en, ar, info } = inspect("zakat-donation", pdf)
    for (const words of [
      "DON-2026-000042",
      "Al Noor Charity",
      "Donation confirmation",
      "KWD 25.750",
      "Covered fees",
      "KWD 0.250",
      "KWD 26.000",
      "Zakat",
      "This donation is zakat",
      "Water wells (Kuwait)",
      "Anonymous donor",
      "Awaiting payment",
      "12 March 2026 at 14:05"
    ])
      expect(en, words).toContain(words)
    expect(en).not.toMatch(/زكاة|إيصال|تأكيد/)
    // Arabic comes out in logical order: pdftotext reorders right-to-left lines it recognises as such.
    for (const words of [
      "تأكيد تبرع",
      "رقم الإيصال",
      "نوع التبرع",
      "زكاة",
      "هذا التبرع زكاة مال",
      "فاعل خير",
      "بانتظار الدفع",
      "عن روح والدي رحمه الله",
      "٢٥٫٧٥٠",
      "٢٦٫٠٠٠",
      "DON-2026-000042"
    ]) {
      expect(ar, words).toContain(words)
    }
    expect(ar).not.toMatch(/Donation|Anonymous|KWD/)
    expect(squeezed(ar)).toContain(squeezed(tenant.nameAr))
    // Brackets are drawn mirrored; pdftotext reverses the line back without un-mirroring them.
    expect(squeezed(ar)).toContain("سقياالماء)الكويت(")
    expect(squeezed(ar)).toContain("١٢مارس٢٠٢٦")
    // A glyph-order render (no bidi step) would give these reversed strings instead.
    expect(text).not.toContain("لام ةاكز عربتلا اذه")
    expect(text).not.toContain("240000-6202-NOD")
    expect(text).not.toContain("٠٥٧٫٥٢")
    // The right-to-left lines are marked as such by pdftotext: the Arabic was laid out as Arabic.
    expect(raw).toMatch(/\u202B[^\n]*زكاة/)

    expect(info).toMatch(/^Title:\s+Donation confirmation DON-2026-000042$/m)
    expect(info).toMatch(/^Author:\s+Al Noor Charity$/m)
    expect(info).toMatch(/^CreationDate:\s+2026-03-12T11:05:00/m)
    expect(info).toMatch(/^Pages:\s+1$/m)
  })

  it("names the donor unless anonymous, and says zakat only for zakat", async () => {
    const named = inspect(
      "sadaqah-donation",
      await render({
        ...zakat,
        reference: "DON-2026-000043",
        payer: { name: "Ahmad Al-Mutairi" },
        category: "sadaqah",
        fees: "0.000",
        paymentState: "received",
        status: "confirmed"
      })
    ).text
    expect(named).toContain("Ahmad Al-Mutairi")
    expect(named).not.toContain("Anonymous")
    expect(named).not.toContain("فاعل خير")
    expect(named).toContain("Sadaqah")
    expect(named).toContain("صدقة")
    expect(named).not.toContain("zakat")
    expect(named).not.toContain("زكاة")
    expect(named).not.toContain("Covered fees")
    expect(named).toContain("Received")
    expect(named).toContain("تم الاستلام")

    const hidden = inspect("anonymous-donation", await render({ ...zakat, payer: { name: "Ahmad Al-Mutairi", anonymous: true } })).text
    expect(hidden).not.toContain("Ahmad")
    expect(hidden).toContain("Anonymous donor")
    expect(hidden).toContain("فاعل خير")

    const blank = inspect("blank-donation", await render({ ...zakat, payer: { name: "   " } })).text
    expect(blank).toContain("Anonymous donor")
  })

  it("writes large amounts with thousands separators and three decimals, Arabic-Indic in Arabic", async () => {
    const { en, ar } = inspect("large", await render({ ...zakat, amount: "1234567.891" }))
    expect(en).toContain("KWD 1,234,567.891")
    expect(ar).toContain("١٬٢٣٤٬٥٦٧٫٨٩١")
    expect(en).not.toContain("1234567")
  })

  it("renders an order with its lines, total and payment state", async () => {
    const pdf = await render(order)
    expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-")
    const { text, en, ar, info } = inspect("order", pdf)
    for (const words of [
      "ORD-2026-000007",
      "Order receipt",
      "Al Khair Shop",
      "Fatima Al-Sabah",
      "Khalas dates",
      "2 × KWD 5.000 = KWD 10.000",
      "Zamzam water",
      "KWD 12.500",
      "Received",
      "Confirmed",
      "1 February 2026 at 01:30"
    ])
      expect(en, words).toContain(words)
    for (const words of [
      "إيصال طلب",
      "متجر الخير",
      "الأصناف",
      "تمر خلاص",
      "ماء زمزم",
      "تم الاستلام",
      "١٢٫٥٠٠",
      "الإجمالي",
      "ORD-2026-000007",
      "Fatima Al-Sabah"
    ]) {
      expect(ar, words).toContain(words)
    }
    expect(text).not.toContain("zakat")
    expect(text).not.toContain("Anonymous")
    expect(info).toMatch(/^Pages:\s+1$/m)
  })

  it("wraps long values and keeps one page", async () => {
    const long = "Ongoing support for families in need across Kuwait, including rent, school fees, medical bills and monthly food baskets"
    const pdf = await render({
      ...zakat,
      reference: "DON-2026-000044",
      project: {
        ar: "دعم مستمر للأسر المحتاجة في الكويت يشمل الإيجار والرسوم المدرسية والفواتير الطبية والسلال الغذائية الشهرية",
        en: long
      }
    })
    const { text, info } = inspect("long-donation", pdf)
    expect(text).toContain("Ongoing support")
    expect(text).toContain("food baskets")
    expect(text).toContain("السلال الغذائية")
    expect(info).toMatch(/^Pages:\s+1$/m)
  })

  it("continues a long order on a second page instead of losing lines", async () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({
      title: { ar: `صنف رقم ${i + 1}`, en: `Item number ${i + 1}` },
      quantity: 1,
      unitPrice: "1.000",
      lineTotal: "1.000"
    }))
    const { en, info } = inspect("long-order", await render({ ...order, amount: "40.000", lines }))
    expect(info).toMatch(/^Pages:\s+2$/m)
    expect(en).toMatch(/Item number 1\s/)
    expect(en).toContain("Item number 40")
    expect(en).toContain("KWD 40.000")
    expect(en).toContain("Thank you for your order.")
  })

  it("titles a pending donation a confirmation and a received one a receipt, in both languages", async () => {
    const pending = inspect("title-pending", await render({ ...zakat, paymentState: "pending" }))
    expect(pending.en).toContain("Donation confirmation")
    expect(pending.en).not.toContain("Donation receipt")
    expect(pending.ar).toContain("تأكيد تبرع")
    expect(pending.ar).not.toContain("إيصال تبرع")
    expect(pending.info).toMatch(/^Title:\s+Donation confirmation DON-2026-000042$/m)

    const received = inspect("title-received", await render({ ...zakat, paymentState: "received" }))
    expect(received.en).toContain("Donation receipt")
    expect(received.en).not.toContain("confirmation")
    expect(received.ar).toContain("إيصال تبرع")
    expect(received.ar).not.toContain("تأكيد تبرع")
    expect(received.info).toMatch(/^Title:\s+Donation receipt DON-2026-000042$/m)

    const order = inspect("title-order-pending", await render({ ...zakat, kind: "order", paymentState: "pending" }))
    expect(order.en).toContain("Order confirmation")
  })

  it("never breaks the reference number, even in a narrow column at a large size", async () => {
    const reference = "DON-2026-1234567890123456"
    const { en, ar } = inspect("long-reference", await render({ ...zakat, reference }))
    // One line each side: pdftotext would otherwise split it across two lines.
    expect(en).toContain(reference)
    expect(ar).toContain(reference)
  })

  it("refuses an amount that is not KWD as a defect", async () => {
    const exit = await Effect.runPromiseExit(renderReceipt({ ...zakat, amount: "25.7501" }))
    expect(exit._tag).toBe("Failure")
  })
})
