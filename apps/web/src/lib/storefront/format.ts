import { displayMoney, type Locale, localDigits, parseMoney, TIME_ZONE } from "@manara/domain"

/** ASCII digits and counts as the page's language writes them: Arabic-Indic in Arabic. */
export { countOf, formatCount, localDigits } from "@manara/domain"

const MONEY_SEEN = 5_000
/** Amounts already written, per locale: a storefront's cards show the same few on every render. */
const moneySeen = { ar: new Map<string, string>(), en: new Map<string, string>() } as const

/** An amount from the API (a decimal string such as "12.500"), as a person reads it; exact, never a float. */
export const money = (amount: string, locale: Locale): string => {
  const seen = moneySeen[locale]
  const known = seen.get(amount)
  if (known !== undefined) return known
  const fils = parseMoney(amount)
  // The API only sends valid amounts; should one ever not be, show it as sent rather than a wrong number.
  const text = fils === undefined ? amount : displayMoney(fils, locale)
  // Bounded: a full table starts over rather than growing with every amount ever shown.
  if (seen.size >= MONEY_SEEN) seen.clear()
  seen.set(amount, text)
  return text
}

/** An example amount for a field's placeholder ("12.500"), in the page's digits: "١٢٫٥٠٠" in Arabic. */
export const amountExample = (amount: string, locale: Locale): string =>
  locale === "ar" ? localDigits(amount, locale).replace(".", "\u066b") : amount

const dateFormats = {
  ar: new Intl.DateTimeFormat("ar-KW-u-nu-arab", { timeZone: TIME_ZONE, dateStyle: "long" }),
  en: new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, dateStyle: "long" })
} as const

/** A calendar date ("2026-11-20", a day in Kuwait) in the page's language. */
export const calendarDate = (isoDate: string, locale: Locale): string => {
  const instant = new Date(`${isoDate}T12:00:00+03:00`)
  return Number.isNaN(instant.getTime()) ? isoDate : dateFormats[locale].format(instant)
}

export interface Progress {
  /** Whole percent of the goal raised (0-100), for `aria-valuenow`. */
  readonly raisedPercent: number
  /** The bar's two segments in percent of its length, one decimal; together at most 100. */
  readonly raisedWidth: number
  readonly pledgedWidth: number
}

/** How far raised and pledged go towards the goal, in integer fils arithmetic. */
export const progress = (goal: string, raised: string, pledged: string): Progress | undefined => {
  const target = parseMoney(goal)
  const got = parseMoney(raised)
  const promised = parseMoney(pledged)
  if (target === undefined || got === undefined || promised === undefined || target === 0n) return undefined
  const atMost = (limit: bigint, value: bigint) => (value > limit ? limit : value)
  // Per mille, so a bar can show 0.5%; capped, an over-funded project fills the bar and no more.
  const raisedShare = atMost(1000n, (got * 1000n) / target)
  const pledgedShare = atMost(1000n - raisedShare, (promised * 1000n) / target)
  return {
    raisedPercent: Number(atMost(100n, (got * 100n) / target)),
    raisedWidth: Number(raisedShare) / 10,
    pledgedWidth: Number(pledgedShare) / 10
  }
}

/**
 * `lang`/`dir` for a tenant's text shown in `locale`: when the English was left empty the Arabic
 * stands in, and screen readers and layout must know it is Arabic.
 */
export const fallbackAttributes = (text: { readonly ar: string; readonly en: string }, locale: Locale): { lang?: "ar"; dir?: "rtl" } =>
  locale === "en" && text.en === "" && text.ar !== "" ? { lang: "ar", dir: "rtl" } : {}
