import { SqlError } from "@effect/sql/SqlError"
import { formatMoney, MAX_FILS, type Money, parseMoney } from "@manara/domain"
import { Data } from "effect"

/** The largest amount a record or a project's sum holds: NUMERIC(12,3). */
export const MAX_TOTAL = formatMoney(MAX_FILS)

/** Postgres' "numeric field overflow" (22003): a sum past NUMERIC(12,3), caught where a check raced. */
export const isNumericOverflow = (error: unknown): boolean =>
  error instanceof SqlError && (error.cause as { code?: unknown } | undefined)?.code === "22003"

/** Whether `amount` still fits on top of a project's sum (as Postgres gives it, a decimal string). */
export const fitsOnTop = (sum: string, amount: Money): boolean => (parseMoney(sum) ?? MAX_FILS) + amount <= MAX_FILS

/** A staff move that would take a project's raised or pledged sum past what it can hold: 409. */
export class ProjectTotalOutOfRange extends Data.TaggedError("ProjectTotalOutOfRange")<{}> {}
