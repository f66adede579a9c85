import { formatCount } from "@manara/domain/numbers"
import { m } from "$lib/paraglide/messages.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { normaliseMoney } from "./catalog-form.js"
import { isAmount } from "./money.js"

/** A proof's fields as typed: what a refused submission sends back so nothing is typed twice. */
export interface ProofValues {
  readonly kind: string
  readonly caption_ar: string
  readonly caption_en: string
  readonly occurredOn: string
  readonly amountSpent: string
  readonly mediaId: string
}

export type ProofField = "caption_ar" | "caption_en" | "occurredOn" | "amountSpent" | "mediaId"

/** What a refused `?/addProof` answers: the values, and each field's message in the page's language. */
export interface ProofFailure {
  readonly values: ProofValues
  readonly errors: Partial<Record<ProofField, string>>
}

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

export const readProofForm = (data: FormData): ProofValues => ({
  kind: text(data, "kind"),
  caption_ar: text(data, "caption_ar"),
  caption_en: text(data, "caption_en"),
  occurredOn: text(data, "occurredOn"),
  amountSpent: text(data, "amountSpent"),
  mediaId: text(data, "mediaId")
})

/** A problem+json `errors` path as the proof form's field. */
const fieldOf = (path: ReadonlyArray<string | number>): ProofField | undefined =>
  path[0] === "caption"
    ? path[1] === "en"
      ? "caption_en"
      : "caption_ar"
    : path[0] === "occurredOn" || path[0] === "amountSpent" || path[0] === "mediaId"
      ? path[0]
      : undefined

/** Our checks, and then the contract's or the API's issues by field, each in our words where we have them. */
export const checkProof = (
  values: ProofValues,
  issues: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }> = []
) => {
  const errors: ProofFailure["errors"] = {}
  if (values.caption_ar.trim() === "") errors.caption_ar = m.dash_catalog_error_caption_required()
  if (values.caption_ar.length > 1000) errors.caption_ar = m.dash_catalog_error_too_long({ max: formatCount(1000, getLocale()) })
  if (values.caption_en.length > 1000) errors.caption_en = m.dash_catalog_error_too_long({ max: formatCount(1000, getLocale()) })
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.occurredOn)) errors.occurredOn = m.dash_catalog_error_date()
  const spent = normaliseMoney(values.amountSpent)
  if (spent !== "" && !isAmount(spent)) errors.amountSpent = m.dash_catalog_error_money()
  for (const issue of issues) {
    const field = fieldOf(issue.path)
    if (field)
      errors[field] ??=
        field === "amountSpent" ? m.dash_catalog_error_money() : field === "occurredOn" ? m.dash_catalog_error_date() : issue.message
  }
  return errors
}
