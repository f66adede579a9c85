import { ParseResult, Schema } from "effect"

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Whether a year (1-9999), month and day name a day that exists: 2026-02-30 and 0000-00-00 do not. */
export const isCalendarDay = (year: number, month: number, day: number): boolean => {
  if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1)) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/
const MICROS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}$/

/** `YYYY-MM-DD` of a day that exists. */
export const isRealDay = (text: string): boolean => {
  const match = DAY.exec(text)
  return match !== null && isCalendarDay(Number(match[1]), Number(match[2]), Number(match[3]))
}

/** A UTC time as Postgres prints it to the microsecond (`YYYY-MM-DDTHH:MM:SS.ffffff`), that exists. */
export const isRealMicroTimestamp = (text: string): boolean => {
  const match = MICROS.exec(text)
  return (
    match !== null &&
    isCalendarDay(Number(match[1]), Number(match[2]), Number(match[3])) &&
    Number(match[4]) <= 23 &&
    Number(match[5]) <= 59 &&
    Number(match[6]) <= 59
  )
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Where a catalog page ended: the last item's `sort`, creation time (UTC, microseconds) and id. */
export interface CatalogPosition {
  readonly sort: number
  readonly at: string
  readonly id: string
}

const toBase64Url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")

/** The opaque cursor of a catalog position: base64url of `sort|at|id`, nothing counted across tenants. */
export const encodeCatalogCursor = (position: CatalogPosition): string => toBase64Url(`${position.sort}|${position.at}|${position.id}`)

/** A cursor back into its position, or undefined unless every part is a real value. */
export const decodeCatalogCursor = (cursor: string): CatalogPosition | undefined => {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cursor)) return undefined
  let text: string
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))
  } catch {
    return undefined
  }
  const match = /^(-?[0-9]{1,7})\|([0-9T:.-]{26})\|([0-9a-f-]{36})$/.exec(text)
  if (match === null) return undefined
  const position = { sort: Number(match[1]), at: match[2]!, id: match[3]! }
  // The bounds of catalog_items.sort; anything else was not made here.
  if (position.sort < -1_000_000 || position.sort > 1_000_000) return undefined
  if (!isRealMicroTimestamp(position.at) || !UUID.test(position.id)) return undefined
  return encodeCatalogCursor(position) === cursor ? position : undefined
}

const CatalogPositionSchema = Schema.Struct({ sort: Schema.Int, at: Schema.String, id: Schema.String })

/** Keyset pagination: an opaque cursor from the previous page, decoded and checked as real values. */
export const CatalogCursor = Schema.transformOrFail(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,128}$/)), CatalogPositionSchema, {
  strict: true,
  decode: (cursor, _, ast) => {
    const position = decodeCatalogCursor(cursor)
    return position === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, cursor, "a cursor from a previous page"))
      : ParseResult.succeed(position)
  },
  encode: (position) => ParseResult.succeed(encodeCatalogCursor(position))
}).annotations({ identifier: "CatalogCursor", description: "an opaque cursor from a previous page" })
