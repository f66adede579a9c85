import { addMoney, displayMoney, formatMoney, Money, money, multiplyMoney, parseMoney } from "@manara/domain"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"

describe("Money (KWD, exact fils)", () => {
  it("parses decimal strings with up to 3 places into fils", () => {
    expect(parseMoney("12.5")).toBe(12_500n)
    expect(parseMoney("0.001")).toBe(1n)
    expect(parseMoney("999999999.999")).toBe(999_999_999_999n)
    expect(parseMoney("0")).toBe(0n)
  })

  it("refuses floats in disguise, signs, a fourth decimal and junk", () => {
    for (const text of ["1e3", "-1", "+1", "1.2345", "01", " 1", "1,000", "", ".5", "1.", "NaN", "1000000000"]) {
      expect(parseMoney(text), text).toBeUndefined()
    }
  })

  it("adds and multiplies exactly where a float would not", () => {
    expect(formatMoney(multiplyMoney(money("0.333"), 3))).toBe("0.999")
    expect(formatMoney(addMoney(money("0.1"), money("0.2")))).toBe("0.300")
    expect(() => multiplyMoney(money("1"), 1.5)).toThrow(RangeError)
  })

  it("goes over the wire as a 3-decimal string and refuses numbers", () => {
    expect(Schema.encodeSync(Money)(money("12.5"))).toBe("12.500")
    expect(Either.isLeft(Schema.decodeUnknownEither(Money)(12.5))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Money)("1e3"))).toBe(true)
  })

  it("reads naturally in both languages", () => {
    expect(displayMoney(money("1250.5"), "en")).toBe("KWD 1,250.500")
    expect(displayMoney(money("1250.5"), "ar")).toBe("١٬٢٥٠٫٥٠٠ د.ك")
  })
})
