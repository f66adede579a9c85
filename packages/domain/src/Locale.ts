import { Schema } from "effect"

/** Arabic first, English second. */
export const Locale = Schema.Literal("ar", "en")
export type Locale = typeof Locale.Type

export const direction = (locale: Locale): "rtl" | "ltr" => (locale === "ar" ? "rtl" : "ltr")

/** Every time the product shows is in Kuwait's zone. */
export const TIME_ZONE = "Asia/Kuwait"

const kuwaitDays = new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE })
/** The calendar day in Kuwait at `at` (YYYY-MM-DD): the day the product's "today" means. */
export const kuwaitDay = (at: Date = new Date()): string => kuwaitDays.format(at)
