// How people read numbers: the one place amounts and counts become text. No imports, so the web app's
// browser code can take it alone (`@manara/domain/numbers`) without the API contract.

/** The languages numbers are written in: Arabic-Indic digits in Arabic, Latin in English. */
export type NumberLocale = "ar" | "en"

const LOCALES: Record<NumberLocale, string> = { ar: "ar-KW-u-nu-arab", en: "en-KW" }

const grouped = {
  ar: new Intl.NumberFormat(LOCALES.ar),
  en: new Intl.NumberFormat(LOCALES.en)
} as const
// Fils are always three digits: formatting 1000 + fils and dropping the leading 1 gives them in the locale's digits.
const plain = {
  ar: new Intl.NumberFormat(LOCALES.ar, { useGrouping: false }),
  en: new Intl.NumberFormat(LOCALES.en, { useGrouping: false })
} as const
const separatorOf = (locale: NumberLocale): string =>
  grouped[locale].formatToParts(1.5).find((part) => part.type === "decimal")?.value ?? "."
// Found once per locale: formatToParts on every amount was a visible share of a storefront render.
const decimalSeparators: Record<NumberLocale, string> = { ar: separatorOf("ar"), en: separatorOf("en") }

const FILS_PER_DINAR = 1000n

/**
 * An exact amount of fils as a person reads KWD: "KWD 1,234,567.891", "١٬٢٣٤٬٥٦٧٫٨٩١ د.ك".
 * Intl groups the whole dinars (a BigInt, never a float); the fils follow in the locale's digits.
 */
export const formatKwd = (fils: bigint, locale: NumberLocale): string => {
  const negative = fils < 0n
  const abs = negative ? -fils : fils
  const whole = grouped[locale].format(abs / FILS_PER_DINAR)
  const fraction = plain[locale].format(FILS_PER_DINAR + (abs % FILS_PER_DINAR)).slice(1)
  const number = `${negative ? "-" : ""}${whole}${decimalSeparators[locale]}${fraction}`
  return locale === "en" ? `KWD ${number}` : `${number} د.ك`
}

// Any number of whole dinars: totals (KPIs, sums) may exceed what one amount can be.
const AMOUNT = /^([0-9]+)(?:\.([0-9]{1,3}))?$/

/** An amount as the API sends it ("12.5", "1500.000") in `formatKwd`'s form; anything else is shown as sent. */
export const formatKwdText = (amount: string, locale: NumberLocale): string => {
  const match = AMOUNT.exec(amount)
  if (match === null) return amount
  return formatKwd(BigInt(match[1]!) * FILS_PER_DINAR + BigInt((match[2] ?? "").padEnd(3, "0")), locale)
}

/** A count with thousands separators in the locale's digits: "1,250", "١٬٢٥٠". */
export const formatCount = (count: number | bigint, locale: NumberLocale): string => grouped[locale].format(count)

/** Latin digits inside a text (a date, a reference, an example) in the locale's digits; "." stays. */
export const localDigits = (text: string | number, locale: NumberLocale): string =>
  locale === "ar" ? String(text).replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit))) : String(text)

/** CLDR plural categories; Arabic uses all six, English "one" and "other". */
export type PluralCategory = Intl.LDMLPluralRule

const pluralRules = { ar: new Intl.PluralRules(LOCALES.ar), en: new Intl.PluralRules(LOCALES.en) } as const

/** Which plural form `count` takes: Arabic 0 zero, 1 one, 2 two, 3-10 few, 11-99 many, 100 other. */
export const pluralCategory = (count: number, locale: NumberLocale): PluralCategory => pluralRules[locale].select(count)

/**
 * A count with its noun in the right form, e.g. `countOf(12, "ar", { one: "دفعة واحدة", two: "دفعتان",
 * few: "# دفعات", other: "# دفعة" })` is "١٢ دفعة"; "#" stands for the count, formatted. Missing forms fall back to `other`.
 */
export const countOf = (
  count: number,
  locale: NumberLocale,
  forms: Partial<Record<PluralCategory, string>> & { readonly other: string }
): string => (forms[pluralCategory(count, locale)] ?? forms.other).replace("#", formatCount(count, locale))
