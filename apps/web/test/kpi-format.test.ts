import { describe, expect, it } from "vitest"
import { campaignLink, csvCell, formatKwd, formatRate, kpiCsv, presets, ramadanOf } from "../src/lib/dashboard/kpis.js"

describe("KPI page helpers", () => {
  it("finds Ramadan 1448 by the Umm al-Qura calendar", () => {
    expect(ramadanOf("2026-12-03")).toEqual({ year: 1448, from: "2027-02-08", to: "2027-03-08" })
    expect(presets(new Date("2026-12-03T22:00:00Z"))).toMatchObject({
      // 22:00 UTC is already the 4th in Kuwait.
      today: { from: "2026-12-04", to: "2026-12-04" },
      "7d": { from: "2026-11-28", to: "2026-12-04" },
      month: { from: "2026-12-01", to: "2026-12-04" },
      ramadan: { from: "2027-02-08", to: "2027-03-08" }
    })
  })

  it("formats KWD exactly with separators, Arabic-Indic digits in Arabic", () => {
    expect(formatKwd("1234567.5", "en")).toBe("KWD 1,234,567.500")
    expect(formatKwd("1234567.05", "ar")).toBe("١٬٢٣٤٬٥٦٧٫٠٥٠ د.ك")
    expect(formatKwd("999999999999.999", "en")).toBe("KWD 999,999,999,999.999")
    expect(formatRate(0.5, "en")).toBe("50%")
  })

  it("guards CSV cells against formulas", () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell("+1")).toBe(`"'+1"`)
    expect(csvCell("-2")).toBe(`"'-2"`)
    expect(csvCell("@SUM")).toBe(`"'@SUM"`)
    expect(csvCell(12)).toBe(`"12"`)
    const csv = kpiCsv({
      from: "2026-12-01",
      to: "2026-12-01",
      days: [],
      campaigns: [{ source: "=cmd", medium: null, campaign: "c", visits: 2, captures: 1, raised: "5.000", conversionRate: 0.5 }]
    })
    expect(csv.split("\r\n")[1]).toBe(`"'=cmd","","c","2","1","5.000","0.5"`)
  })

  it("builds tagged links only from plain tags and real slugs", () => {
    expect(campaignLink("http://demo.localhost:3000", { target: "", source: "whatsapp", medium: "broadcast", campaign: "رمضان" })).toBe(
      "http://demo.localhost:3000/?utm_source=whatsapp&utm_medium=broadcast&utm_campaign=%D8%B1%D9%85%D8%B6%D8%A7%D9%86"
    )
    expect(campaignLink("http://demo.localhost:3000", { target: "well", source: "<b>", medium: "m", campaign: "c" })).toBeUndefined()
    expect(campaignLink("http://demo.localhost:3000", { target: "../x", source: "s", medium: "m", campaign: "c" })).toBeUndefined()
  })
})
