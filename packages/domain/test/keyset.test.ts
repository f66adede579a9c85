import { CatalogCursor, decodeCatalogCursor, encodeCatalogCursor, isRealDay, isRealMicroTimestamp } from "@manara/domain"
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"

const id = "0b6f1a52-4a1e-4c1e-9d7e-2f0c2a9b7e11"

describe("keyset cursors and dates are real values", () => {
  it("a day exists on the calendar or is refused", () => {
    for (const day of ["2026-02-28", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"]) expect(isRealDay(day), day).toBe(true)
    for (const day of ["2026-02-30", "2026-13-45", "0000-00-00", "1900-02-29", "2026-04-31", "2026-1-01", "2026-01-01x"]) {
      expect(isRealDay(day), day).toBe(false)
    }
    expect(isRealMicroTimestamp("2026-12-03T23:59:59.999999")).toBe(true)
    expect(isRealMicroTimestamp("2026-12-03T24:00:00.000000")).toBe(false)
    expect(isRealMicroTimestamp("2026-12-03T23:60:00.000000")).toBe(false)
    expect(isRealMicroTimestamp("2026-12-03T23:00:00.000")).toBe(false)
  })

  it("a catalog cursor round-trips, is opaque base64url and refuses anything it did not make", () => {
    const position = { sort: -5, at: "2026-12-03T06:00:00.123456", id }
    const cursor = encodeCatalogCursor(position)
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCatalogCursor(cursor)).toEqual(position)
    expect(Schema.decodeUnknownSync(CatalogCursor)(cursor)).toEqual(position)
    const forged = (text: string) => Buffer.from(text).toString("base64url")
    for (const bad of [
      "",
      "0.12",
      `${cursor}=`,
      `${cursor}!`,
      "x".repeat(200),
      forged(`1000001|2026-12-03T06:00:00.123456|${id}`),
      forged(`99999999999999999999|2026-12-03T06:00:00.123456|${id}`),
      forged(`0|2026-02-30T06:00:00.123456|${id}`),
      forged(`0|2026-12-03T06:00:00.123456|${id.toUpperCase()}`),
      forged(`0|2026-12-03T06:00:00.123456|${id}|1`),
      forged(`00|2026-12-03T06:00:00.123456|${id}`)
    ]) {
      expect(decodeCatalogCursor(bad), bad).toBeUndefined()
      expect(Either.isLeft(Schema.decodeUnknownEither(CatalogCursor)(bad)), bad).toBe(true)
    }
  })
})
