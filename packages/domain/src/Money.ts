import { ParseResult, Schema } from "effect"
import { formatKwd } from "./Numbers.js"

/**
 * Kuwaiti dinars, exact: an integer count of fils (1 KWD = 1000 fils), never a float.
 * On the wire and in SQL (`NUMERIC(12,3)`) it is a decimal string such as "12.500".
 */
export const Fils = Schema.BigIntFromSelf.pipe(Schema.brand("Fils"))
export type Money = typeof Fils.Type

const FILS_PER_DINAR = 1000n
/** NUMERIC(12,3) holds at most 999,999,999.999. */
export const MAX_FILS = 999_999_999_999n

const DECIMAL = /^(0|[1-9][0-9]{0,8})(?:\.([0-9]{1,3}))?$/

/** Parses "12.5" or "12.500"; refuses signs, exponents, spaces and a fourth decimal. */
export const parseMoney = (text: string): Money | undefined => {
  const match = DECIMAL.exec(text)
  if (match === null) return undefined
  const fraction = (match[2] ?? "").padEnd(3, "0")
  return Fils.make(BigInt(match[1]!) * FILS_PER_DINAR + BigInt(fraction))
}

export const formatMoney = (money: bigint): string => {
  const sign = money < 0n ? "-" : ""
  const abs = money < 0n ? -money : money
  return `${sign}${abs / FILS_PER_DINAR}.${(abs % FILS_PER_DINAR).toString().padStart(3, "0")}`
}

export const money = (text: string): Money => {
  const parsed = parseMoney(text)
  if (parsed === undefined) throw new RangeError(`not an amount of KWD: ${text}`)
  return parsed
}

export const addMoney = (a: Money, b: Money): Money => Fils.make(a + b)
export const multiplyMoney = (a: Money, quantity: number): Money => {
  if (!Number.isSafeInteger(quantity)) throw new RangeError(`quantity must be an integer: ${quantity}`)
  return Fils.make(a * BigInt(quantity))
}

/** The JSON form: a decimal string with three places, e.g. "12.500". Non-negative. */
export const Money = Schema.transformOrFail(Schema.String.annotations({ examples: ["12.500"] }), Fils, {
  strict: true,
  decode: (text, _, ast) => {
    const parsed = parseMoney(text)
    return parsed === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, text, "an amount in KWD with at most 3 decimals, like 12.500"))
      : ParseResult.succeed(parsed)
  },
  encode: (fils) => ParseResult.succeed(formatMoney(fils))
}).annotations({ identifier: "Money", description: "KWD as a decimal string with up to 3 decimals" })

/** How a person reads an amount: "KWD 1,250.500", "١٬٢٥٠٫٥٠٠ د.ك" (see `formatKwd`). */
export const displayMoney = (amount: Money, locale: "ar" | "en"): string => formatKwd(amount, locale)
