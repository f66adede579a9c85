import { formatCount, formatKwdText, localDigits } from "@manara/domain/numbers"
import { describe, expect, it } from "vitest"

type Message = (inputs: Record<string, string | number>, options: { locale: "ar" | "en" }) => string

const compiled = async (): Promise<Record<string, Message>> =>
  (await import("../src/lib/paraglide/messages.js")).m as unknown as Record<string, Message>

describe("counts in words", () => {
  it("the inbox's unseen count takes each of Arabic's six plural forms, in Arabic-Indic digits", async () => {
    const m = await compiled()
    const unread = (count: number, locale: "ar" | "en") => m.dash_inbox_unread!({ count, shown: formatCount(count, locale) }, { locale })
    // zero, one, two, few (3-10), many (11-99), other (100+)
    expect([0, 1, 2, 3, 11, 100, 1200].map((count) => unread(count, "ar"))).toEqual([
      "لا جديد",
      "واحد جديد لم تُطّلع عليه",
      "اثنان جديدان لم تُطّلع عليهما",
      "٣ جديدة لم تُطّلع عليها",
      "١١ جديدًا لم تُطّلع عليه",
      "١٠٠ جديد لم تُطّلع عليه",
      "١٬٢٠٠ جديد لم تُطّلع عليه"
    ])
    expect([1, 2, 1200].map((count) => unread(count, "en"))).toEqual([
      "1 new, not yet seen",
      "2 new, not yet seen",
      "1,200 new, not yet seen"
    ])
  })

  it("the dashboard's awaiting summary agrees with its count and writes amounts with separators", async () => {
    const m = await compiled()
    const summary = (count: number, locale: "ar" | "en") =>
      m.dash_home_awaiting_summary!({ count, shown: formatCount(count, locale), amount: formatKwdText("12500", locale) }, { locale })
    expect([0, 1, 2, 5, 12].map((count) => summary(count, "ar"))).toEqual([
      "لا شيء بانتظار التأكيد.",
      "واحد بانتظار التأكيد، مبلغه ١٢٬٥٠٠٫٠٠٠ د.ك.",
      "اثنان بانتظار التأكيد، مجموعهما ١٢٬٥٠٠٫٠٠٠ د.ك.",
      "٥ بانتظار التأكيد، مجموعها ١٢٬٥٠٠٫٠٠٠ د.ك.",
      "١٢ بانتظار التأكيد، مجموعها ١٢٬٥٠٠٫٠٠٠ د.ك."
    ])
    expect(summary(1, "en")).toBe("1 awaiting confirmation, KWD 12,500.000.")
    expect(summary(3, "en")).toBe("3 awaiting confirmation, KWD 12,500.000 in all.")
  })

  it("Arabic hints and limits carry no Latin digit", async () => {
    const m = await compiled()
    for (const key of [
      "public_give_instalments_label",
      "public_give_error_instalments",
      "public_give_amount_hint",
      "donor_share_link_hint"
    ]) {
      const text = m[key]!({}, { locale: "ar" })
      expect(text, key).not.toMatch(/[0-9]/)
    }
    expect(localDigits("DON-2026", "ar")).toBe("DON-٢٠٢٦")
  })
})
