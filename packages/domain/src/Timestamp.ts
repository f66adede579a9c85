import { Schema } from "effect"

/**
 * An instant as ISO 8601 in UTC with milliseconds (`2026-11-24T09:30:00.000Z`): how responses carry
 * time. Made once from the database's value and passed through as text (a `DateTime` per field cost a
 * staff list of 20 items about a fifth of its time); pages format it for people in Asia/Kuwait.
 */
// No pattern check: every value is made by `timestamp` or by `@manara/db`'s `timestampSql`, and a check
// per field would run on every item of every list we send.
export const Timestamp = Schema.String.annotations({
  identifier: "Timestamp",
  description: "an instant, ISO 8601 in UTC with milliseconds",
  examples: ["2026-11-24T09:30:00.000Z"]
})
export type Timestamp = typeof Timestamp.Type

export const timestamp = (date: Date): Timestamp => date.toISOString()
