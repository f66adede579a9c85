/** Budget months follow Kuwait's calendar (UTC+3 all year, no daylight saving). */
const KUWAIT_OFFSET_MS = 3 * 3600 * 1000

/** `2026-12` for any instant in December 2026, Kuwait time. */
export const budgetMonth = (at: Date = new Date()): string => new Date(at.getTime() + KUWAIT_OFFSET_MS).toISOString().slice(0, 7)

/** The month's first day, as `ai_usage_log.billed_month` stores it. */
export const monthStart = (month: string): string => `${month}-01`

/** Seconds until the next budget month begins: when a refused budget frees up. */
export const secondsToNextMonth = (at: Date = new Date()): number => {
  const local = new Date(at.getTime() + KUWAIT_OFFSET_MS)
  const next = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - KUWAIT_OFFSET_MS
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000))
}

/** The days of a month (`YYYY-MM-DD`), for a per-day chart with no holes. */
export const daysOf = (month: string): ReadonlyArray<string> => {
  const [year, m] = month.split("-").map(Number) as [number, number]
  const count = new Date(Date.UTC(year, m, 0)).getUTCDate()
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`)
}
