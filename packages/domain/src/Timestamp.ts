import { Schema } from "effect"

/**
 * An instant as ISO 8601 in UTC with milliseconds (`2026-11-24T09:30:00.000Z`): how responses carry
 * time. Made once from the database's value and passed through as text (a `DateTime` per field cost a
 * staff list of 20 items about a fifth of its time); pages format it for people in Asia/Kuwait.
 */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  Schema.annotations({ identifier: "Timestamp", description: "an instant, ISO 8601 in UTC" })
)
export type Timestamp = typeof Timestamp.Type

export const timestamp = (date: Date): Timestamp => date.toISOString()
