import { Email, MultilineText, NewDonation, Text } from "@manara/domain"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"

const accepts = <A>(schema: Schema.Schema<A, string>, value: string) => Either.isRight(Schema.decodeUnknownEither(schema)(value))

describe("Text: what a person can type, and nothing that breaks storage", () => {
  it("refuses NUL and other C0 controls, DEL, C1 controls, lone surrogates and the noncharacters U+FFFE/U+FFFF", () => {
    for (const bad of [
      "\u0000",
      "\u0001",
      "\u0008",
      "\u000b",
      "\u001b",
      "\u007f",
      "\u0085",
      "\u009f",
      "\ud800",
      "\udfff",
      "a\udc00b",
      "\ud83d",
      "\ufffe",
      "\uffff",
      "\ufdd0"
    ]) {
      expect(accepts(Text, `x${bad}y`), JSON.stringify(bad)).toBe(false)
      expect(accepts(MultilineText, `x${bad}y`), JSON.stringify(bad)).toBe(false)
    }
  })

  it("takes Arabic, emoji (paired surrogates), zero-width joiners and Arabic-Indic digits; line breaks only where text runs over lines", () => {
    for (const good of ["أم محمد", "جمعية 🌙 الخير", "می\u200cخواهم", "٠١٢٣٤٥٦٧٨٩", "A\u0301", ""]) {
      expect(accepts(Text, good), good).toBe(true)
      expect(accepts(MultilineText, good), good).toBe(true)
    }
    for (const multi of ["a\nb", "a\r\nb", "a\tb"]) {
      expect(accepts(Text, multi), JSON.stringify(multi)).toBe(false)
      expect(accepts(MultilineText, multi), JSON.stringify(multi)).toBe(true)
    }
  })

  it("says what is wrong, and the fields built on it refuse the same", () => {
    const result = Schema.decodeUnknownEither(Text)("a\u0000")
    expect(Either.isLeft(result) && result.left.message).toMatch(/control character/)
    expect(accepts(Email, "a\u0000@example.com")).toBe(false)
    const donation = { amount: "5.000", paymentMethod: "bank_transfer", donor: { name: "a\ud800" } }
    expect(Either.isLeft(Schema.decodeUnknownEither(NewDonation)(donation))).toBe(true)
  })
})
