import { countOf, formatCount, formatKwd, formatKwdText, localDigits, money, pluralCategory } from "@manara/domain"
import { describe, expect, it } from "vitest"

describe("numbers as people read them", () => {
  it("shows KWD with thousands separators and exactly three decimals, from exact fils", () => {
    expect(formatKwd(money("1234567.891"), "en")).toBe("KWD 1,234,567.891")
    expect(formatKwd(money("1234567.891"), "ar")).toBe("١٬٢٣٤٬٥٦٧٫٨٩١ د.ك")
    expect(formatKwd(money("0.05"), "en")).toBe("KWD 0.050")
    expect(formatKwd(money("0.05"), "ar")).toBe("٠٫٠٥٠ د.ك")
    expect(formatKwd(money("25000"), "en")).toBe("KWD 25,000.000")
    // The largest amount NUMERIC(12,3) holds: beyond a float's 15-16 significant digits, still exact.
    expect(formatKwd(999_999_999_999n, "en")).toBe("KWD 999,999,999.999")
    expect(formatKwd(-500n, "en")).toBe("KWD -0.500")
  })

  it("reads the API's decimal strings the same way, and shows anything else as sent", () => {
    expect(formatKwdText("1234567.891", "en")).toBe("KWD 1,234,567.891")
    expect(formatKwdText("12.5", "ar")).toBe("١٢٫٥٠٠ د.ك")
    expect(formatKwdText("1e3", "en")).toBe("1e3")
  })

  it("writes counts with separators in the language's digits", () => {
    expect(formatCount(1250, "en")).toBe("1,250")
    expect(formatCount(1250, "ar")).toBe("١٬٢٥٠")
    expect(formatCount(12n, "ar")).toBe("١٢")
    expect(localDigits("2026-12-01", "ar")).toBe("٢٠٢٦-١٢-٠١")
    expect(localDigits("12.500", "en")).toBe("12.500")
  })

  it("chooses the plural form by CLDR's rules in Arabic and English", () => {
    const counts = [0, 1, 2, 3, 11, 100]
    expect(counts.map((n) => pluralCategory(n, "ar"))).toEqual(["zero", "one", "two", "few", "many", "other"])
    expect(counts.map((n) => pluralCategory(n, "en"))).toEqual(["other", "one", "other", "other", "other", "other"])
  })

  it("puts a count with its noun in the right form", () => {
    const instalments = {
      ar: { zero: "لا دفعات", one: "دفعة واحدة", two: "دفعتان", few: "# دفعات", many: "# دفعة", other: "# دفعة" },
      en: { one: "# instalment", other: "# instalments" }
    }
    expect([0, 1, 2, 3, 11, 12, 100].map((n) => countOf(n, "ar", instalments.ar))).toEqual([
      "لا دفعات",
      "دفعة واحدة",
      "دفعتان",
      "٣ دفعات",
      "١١ دفعة",
      "١٢ دفعة",
      "١٠٠ دفعة"
    ])
    expect([0, 1, 2, 3, 11, 100].map((n) => countOf(n, "en", instalments.en))).toEqual([
      "0 instalments",
      "1 instalment",
      "2 instalments",
      "3 instalments",
      "11 instalments",
      "100 instalments"
    ])
  })
})
