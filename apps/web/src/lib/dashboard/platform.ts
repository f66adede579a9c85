import { m } from "$lib/paraglide/messages.js"

/** A tenant's kind and status in the page's language. */
export const kindLabel = (kind: string): string =>
  kind === "masjid" ? m.admin_kind_masjid() : kind === "store" ? m.admin_kind_store() : m.admin_kind_charity()
export const statusLabel = (status: string): string => (status === "suspended" ? m.admin_status_suspended() : m.admin_status_active())

/** What a plan limits, in the page's language. */
export const limitLabel = (limit: string): string =>
  limit === "items"
    ? m.plan_limit_items()
    : limit === "storage"
      ? m.plan_limit_storage()
      : limit === "members"
        ? m.plan_limit_members()
        : m.plan_limit_captures()

export const LIMITS = ["items", "storage", "members", "captures"] as const

/** A form field as text. */
export const field = (data: FormData, name: string): string => {
  const value = data.get(name)
  return typeof value === "string" ? value.trim() : ""
}

/** A whole number typed in a form (Arabic-Indic digits too); `undefined` when it is not one. */
export const wholeNumber = (text: string): number | undefined => {
  const latin = text.replace(/[٠-٩]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
  return /^\d{1,16}$/.test(latin) ? Number(latin) : undefined
}
