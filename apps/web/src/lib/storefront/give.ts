import { formatCount, formatMoney, localDigits, parseMoney, TIME_ZONE } from "@manara/domain"

/** The amounts offered as one tap each, in KWD, when the tenant has set none; anything else is typed. */
export const PRESET_AMOUNTS = ["5", "10", "25", "50"] as const

/** The tenant's presets ("10.000", "12.500") as the form offers them: whole dinars as "10", else as set. */
export const offeredPresets = (presets: ReadonlyArray<string>): ReadonlyArray<string> =>
  presets.length === 0 ? PRESET_AMOUNTS : presets.map((preset) => preset.replace(/\.000$/, ""))

/** What covering the payment fees adds: 2.5% of the gift, in per mille of fils, rounded up to the fils. */
export const FEE_PER_MILLE = 25n

/** The fee for a gift of `amount` fils, exact: integer arithmetic, rounded up so the fee is covered. */
export const coverFeesFils = (amount: bigint): bigint => (amount * FEE_PER_MILLE + 999n) / 1000n

/** The fee for a gift typed as a decimal string ("25" -> "0.625"); undefined when it is not an amount. */
export const coverFees = (amount: string): string | undefined => {
  const fils = parseMoney(amount)
  return fils === undefined ? undefined : formatMoney(coverFeesFils(fils))
}

/**
 * An amount as a person types it, normalised for the API: Arabic-Indic digits and the Arabic decimal
 * separator become ASCII, surrounding spaces go. Validation stays with `parseMoney`.
 */
export const normaliseAmount = (typed: string): string => asciiDigits(typed.trim()).replace(/\u066b/g, ".")

/** Arabic-Indic and Persian digits as ASCII: phones and amounts are typed with either. */
export const asciiDigits = (typed: string): string =>
  typed
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0))

// Built once: constructing a time-zoned formatter costs more than the rest of the item page's load.
const kuwaitDays = new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE })
/** Today's date in Kuwait, "2026-11-20": the earliest a pledge may fall due. */
export const kuwaitToday = (now: Date = new Date()): string => kuwaitDays.format(now)

/** One line of the cart: a product by its slug and how many. Prices are never kept here. */
export interface CartLine {
  readonly slug: string
  readonly quantity: number
}

export const MAX_CART_LINES = 50
export const MAX_QUANTITY = 99

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/

/** The cart cookie's value: `slug:quantity` pairs joined by `,`; anything malformed is dropped. */
export const parseCart = (value: string | undefined): Array<CartLine> => {
  const lines: Array<CartLine> = []
  for (const part of (value ?? "").split(",")) {
    const [slug = "", count = ""] = part.split(":")
    const quantity = Number(count)
    if (!SLUG.test(slug) || !/^[0-9]{1,2}$/.test(count) || quantity < 1 || lines.some((line) => line.slug === slug)) continue
    lines.push({ slug, quantity })
    if (lines.length === MAX_CART_LINES) break
  }
  return lines
}

export const serialiseCart = (lines: ReadonlyArray<CartLine>): string => lines.map((line) => `${line.slug}:${line.quantity}`).join(",")

/** Adds `quantity` of `slug` (merged with a line already there), capped at 99 per line and 50 lines. */
export const addToCart = (lines: ReadonlyArray<CartLine>, slug: string, quantity: number): Array<CartLine> => {
  const existing = lines.find((line) => line.slug === slug)
  if (existing === undefined)
    return lines.length >= MAX_CART_LINES ? [...lines] : [...lines, { slug, quantity: Math.min(quantity, MAX_QUANTITY) }]
  return lines.map((line) => (line.slug === slug ? { slug, quantity: Math.min(line.quantity + quantity, MAX_QUANTITY) } : line))
}

/** Sets a line's quantity; zero removes it. */
export const setQuantity = (lines: ReadonlyArray<CartLine>, slug: string, quantity: number): Array<CartLine> =>
  quantity <= 0
    ? lines.filter((line) => line.slug !== slug)
    : lines.map((line) => (line.slug === slug ? { slug, quantity: Math.min(quantity, MAX_QUANTITY) } : line))

/** A line's total and the cart's, in fils, from the prices the public catalog shows now. */
export const lineTotal = (price: string, quantity: number): bigint | undefined => {
  const fils = parseMoney(price)
  return fils === undefined ? undefined : fils * BigInt(quantity)
}

/** A preset's label: whole dinars read better on a button than "25.000". */
export const wholeDinars = (amount: string, locale: "ar" | "en"): string =>
  /^[0-9]{1,9}$/.test(amount)
    ? locale === "en"
      ? `KWD ${formatCount(BigInt(amount), locale)}`
      : `${formatCount(BigInt(amount), locale)} د.ك`
    : amount

/** The fee's rate as a person reads it: "2.5%" or "٢٫٥٪". */
export const feePercent = (locale: "ar" | "en"): string => {
  const text = `${FEE_PER_MILLE / 10n}.${FEE_PER_MILLE % 10n}`
  return locale === "en" ? `${text}%` : `${localDigits(text, locale).replace(".", "٫")}٪`
}
