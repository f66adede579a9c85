import type { Role } from "@manara/domain"
import { formatCount as formatCountIn } from "@manara/domain/numbers"
import { m } from "../paraglide/messages.js"
import type { Locale } from "../paraglide/runtime.js"

/** Every time the product shows is in Kuwait's zone (`TIME_ZONE` of @manara/domain, kept out of the browser bundle). */
export const TIME_ZONE = "Asia/Kuwait"

/** A moment as its calendar day in Kuwait, in the page's language (Arabic-Indic digits in Arabic). */
export const formatDate = (iso: string, locale: Locale): string =>
  new Intl.DateTimeFormat(locale === "ar" ? "ar-KW-u-nu-arab" : "en-GB", { timeZone: TIME_ZONE, dateStyle: "medium" }).format(new Date(iso))

/** A moment with its time of day in Kuwait, in the page's language: when a status changed. */
export const formatDateTime = (iso: string, locale: Locale): string =>
  new Intl.DateTimeFormat(locale === "ar" ? "ar-KW-u-nu-arab" : "en-GB", {
    timeZone: TIME_ZONE,
    dateStyle: "medium",
    timeStyle: "short"
  }).format(new Date(iso))

/** A calendar day ("2026-11-20", a day in Kuwait) in the page's language: when a proof happened. */
export const formatDay = (isoDate: string, locale: Locale): string => {
  const instant = new Date(`${isoDate}T12:00:00+03:00`)
  return Number.isNaN(instant.getTime()) ? isoDate : formatDate(instant.toISOString(), locale)
}

/** A count in the page's digits. */
export const formatCount = (count: number, locale: Locale): string => formatCountIn(count, locale)

/** How long to wait, in whole minutes past a minute: "٣ دقائق", "45 seconds". */
export const formatWait = (seconds: number, locale: Locale): string => {
  const [amount, unit] = seconds > 60 ? [Math.ceil(seconds / 60), "minute"] : [Math.max(1, Math.ceil(seconds)), "second"]
  return new Intl.NumberFormat(locale === "ar" ? "ar-KW-u-nu-arab" : "en", { style: "unit", unit, unitDisplay: "long" }).format(amount)
}

export type { Role }
export const roles: ReadonlyArray<Role> = ["owner", "admin", "member"]

export const roleName = (role: Role, locale: Locale): string =>
  role === "owner"
    ? m.dash_role_owner({}, { locale })
    : role === "admin"
      ? m.dash_role_admin({}, { locale })
      : m.dash_role_member({}, { locale })
