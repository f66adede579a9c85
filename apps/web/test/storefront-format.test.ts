import { describe, expect, it } from "vitest"
import { amountExample, calendarDate, localDigits, money, progress } from "../src/lib/storefront/format.js"

describe("storefront formatting", () => {
  it("shows amounts exactly, in each language's digits", () => {
    expect(money("1500.000", "ar")).toBe("١٬٥٠٠٫٠٠٠ د.ك")
    expect(money("1500.5", "en")).toBe("KWD 1,500.500")
    expect(money("0.005", "en")).toBe("KWD 0.005")
    // Beyond a double's precision: still exact.
    expect(money("999999999.999", "en")).toBe("KWD 999,999,999.999")
    expect(localDigits(2026, "ar")).toBe("٢٠٢٦")
    expect(localDigits(12, "en")).toBe("12")
  })

  it("writes a field's example amount in the page's digits: no Latin digit in Arabic", () => {
    expect(amountExample("12.500", "ar")).toBe("١٢٫٥٠٠")
    expect(amountExample("100.000", "ar")).toBe("١٠٠٫٠٠٠")
    expect(amountExample("12.500", "en")).toBe("12.500")
  })

  it("splits the bar into raised and pledged, never beyond the goal", () => {
    expect(progress("1500.000", "250.000", "100.000")).toEqual({ raisedPercent: 16, raisedWidth: 16.6, pledgedWidth: 6.6 })
    expect(progress("100.000", "0.000", "0.000")).toEqual({ raisedPercent: 0, raisedWidth: 0, pledgedWidth: 0 })
    expect(progress("100.000", "80.000", "50.000")).toEqual({ raisedPercent: 80, raisedWidth: 80, pledgedWidth: 20 })
    expect(progress("100.000", "150.000", "10.000")).toEqual({ raisedPercent: 100, raisedWidth: 100, pledgedWidth: 0 })
    expect(progress("999999999.999", "0.001", "0.000")?.raisedPercent).toBe(0)
    expect(progress("0.000", "1.000", "0.000")).toBeUndefined()
    expect(progress("1e3", "1.000", "0.000")).toBeUndefined()
  })

  it("writes a calendar day as it is in Kuwait, in the page's language", () => {
    expect(calendarDate("2026-11-20", "ar")).toBe("٢٠ نوفمبر ٢٠٢٦")
    expect(calendarDate("2026-11-20", "en")).toBe("20 November 2026")
    expect(calendarDate("2027-01-01", "en")).toBe("1 January 2027")
  })
})
