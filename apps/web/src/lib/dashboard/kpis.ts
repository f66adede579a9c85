// Relative imports, no runes, only @manara/domain/numbers: the unit tests load this module in plain node, and the browser gets no contract.
import { formatCount, formatKwdText } from "@manara/domain/numbers"
import type { Locale } from "../paraglide/runtime.js"

export type PresetId = "today" | "7d" | "30d" | "month" | "ramadan"
export interface Range {
  readonly from: string
  readonly to: string
}

const DAY = 86_400_000
/** A day in Kuwait as YYYY-MM-DD. */
export const kuwaitDay = (at: Date): string => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kuwait" }).format(at)
const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10)

const hijri = new Intl.DateTimeFormat("en-u-ca-islamic-umalqura", { timeZone: "UTC", year: "numeric", month: "numeric" })
const hijriOf = (day: string) => {
  const parts = Object.fromEntries(hijri.formatToParts(new Date(`${day}T12:00:00Z`)).map((part) => [part.type, part.value]))
  return { year: Number.parseInt(parts.year ?? "0", 10), month: Number(parts.month) }
}

/**
 * Ramadan of the Hijri year `today` falls in, by the Umm al-Qura calendar (Intl's `islamic-umalqura`):
 * its first and last Gregorian days. Found by walking the year's days, so no date is written down here.
 */
export const ramadanOf = (today: string): Range & { readonly year: number } => {
  const { year } = hijriOf(today)
  let from: string | undefined
  let to: string | undefined
  for (let offset = -360; offset <= 360; offset++) {
    const day = shift(today, offset)
    const at = hijriOf(day)
    if (at.year === year && at.month === 9) {
      from ??= day
      to = day
    }
  }
  return { year, from: from ?? today, to: to ?? today }
}

/** The picker's presets, as days in Kuwait ending today (Ramadan: the current Hijri year's). */
export const presets = (now: Date): Record<PresetId, Range> => {
  const today = kuwaitDay(now)
  const ramadan = ramadanOf(today)
  return {
    today: { from: today, to: today },
    "7d": { from: shift(today, -6), to: today },
    "30d": { from: shift(today, -29), to: today },
    month: { from: `${today.slice(0, 8)}01`, to: today },
    ramadan: { from: ramadan.from, to: ramadan.to }
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
/** The range the address asks for, else the last 30 days; the API checks the rest (a 400 shows as a refusal). */
export const rangeOf = (params: URLSearchParams, now: Date): Range => {
  const from = params.get("from")
  const to = params.get("to")
  return from !== null && to !== null && DATE.test(from) && DATE.test(to) ? { from, to } : presets(now)["30d"]
}

const numbers = (locale: Locale) => (locale === "ar" ? "ar-KW-u-nu-arab" : "en")

/** A count with separators in the page's digits. */
export const formatNumber = (value: number, locale: Locale): string => formatCount(value, locale)

/** A share (0..1) as a percentage with up to two decimals. */
export const formatRate = (rate: number, locale: Locale): string =>
  new Intl.NumberFormat(numbers(locale), { style: "percent", maximumFractionDigits: 2 }).format(rate)

/** KWD from the API's decimal string, exact (no float): three decimals, thousands separators, the page's digits. */
export const formatKwd = (amount: string, locale: Locale): string => formatKwdText(amount, locale)

/** A day (YYYY-MM-DD) short, for an axis: "3 Dec", "٣ ديسمبر". */
export const formatShortDay = (day: string, locale: Locale): string =>
  new Intl.DateTimeFormat(locale === "ar" ? "ar-KW-u-nu-arab" : "en-GB", { timeZone: "UTC", day: "numeric", month: "short" }).format(
    new Date(`${day}T00:00:00Z`)
  )

// ------------------------------------------------------------------ CSV

/**
 * A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage return) gets a
 * leading apostrophe (OWASP's advice for CSV injection); every cell is quoted.
 */
export const csvCell = (value: string | number | null): string => {
  const text = value === null ? "" : String(value)
  const safe = typeof value === "string" && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return `"${safe.replace(/"/g, '""')}"`
}

export interface KpiCsvInput {
  readonly from: string
  readonly to: string
  readonly days: ReadonlyArray<{ readonly day: string; readonly visits: number; readonly captures: number; readonly raised: string }>
  readonly campaigns: ReadonlyArray<{
    readonly source: string | null
    readonly medium: string | null
    readonly campaign: string | null
    readonly visits: number
    readonly captures: number
    readonly raised: string
    readonly conversionRate: number
  }>
}

/** The export: the campaign table, then the days; a BOM so Excel reads UTF-8 Arabic. */
export const kpiCsv = (kpis: KpiCsvInput): string => {
  const line = (cells: ReadonlyArray<string | number | null>) => cells.map(csvCell).join(",")
  return (
    "\uFEFF" +
    [
      line(["source", "medium", "campaign", "visits", "captures", "raised_kwd", "conversion_rate"]),
      ...kpis.campaigns.map((row) =>
        line([row.source, row.medium, row.campaign, row.visits, row.captures, row.raised, row.conversionRate])
      ),
      "",
      line(["day", "visits", "captures", "raised_kwd"]),
      ...kpis.days.map((row) => line([row.day, row.visits, row.captures, row.raised]))
    ].join("\r\n") +
    "\r\n"
  )
}

// ------------------------------------------------------------------ campaign links

export interface CampaignLinkInput {
  readonly target: string
  readonly source: string
  readonly medium: string
  readonly campaign: string
}

const TAG = /^[\p{L}\p{N} _.-]{1,100}$/u

/** A tagged storefront link: the home page or a project's page, with utm_source/medium/campaign; undefined when a tag is not plain. */
export const campaignLink = (origin: string, input: CampaignLinkInput): string | undefined => {
  if (![input.source, input.medium, input.campaign].every((tag) => TAG.test(tag))) return undefined
  if (input.target !== "" && !/^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/.test(input.target)) return undefined
  const url = new URL(input.target === "" ? "/" : `/catalog/${input.target}`, origin)
  url.searchParams.set("utm_source", input.source)
  url.searchParams.set("utm_medium", input.medium)
  url.searchParams.set("utm_campaign", input.campaign)
  return url.toString()
}
