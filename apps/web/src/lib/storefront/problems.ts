import type { Field, FieldCode, FormCode, FormProblem } from "$lib/server/capture.js"
import { m } from "$lib/paraglide/messages.js"
import { localDigits } from "./format.js"
import type { Locale } from "$lib/paraglide/runtime.js"

// Functions, not tables of strings: each message reads the request's locale when it is called.

const fieldMessages: Record<FieldCode, () => string> = {
  amount: m.public_give_error_amount,
  "amount-range": m.public_give_error_amount_range,
  "project-total-range": m.public_give_error_project_total_range,
  category: m.public_give_error_category,
  coverFees: m.public_give_error_fees,
  "fees-too-high": m.public_give_error_fees,
  paymentMethod: m.public_give_error_payment,
  "payment-unavailable": m.public_give_error_payment_unavailable,
  name: m.public_give_error_name,
  phone: m.public_give_error_phone,
  email: m.public_give_error_email,
  dedication: m.public_give_error_dedication,
  notes: m.public_give_error_notes,
  schedule: m.public_give_error_schedule,
  instalments: m.public_give_error_instalments,
  "instalments-need-schedule": m.public_give_error_instalments_need_schedule,
  "zakat-not-eligible": m.donor_zakat_not_eligible,
  dueDate: m.public_give_error_due_date,
  "due-date-past": m.public_give_error_due_date_past,
  delivery: m.people_delivery_error_method,
  "delivery-required": m.people_delivery_error_required,
  "pickup-unavailable": m.people_delivery_error_pickup,
  governorate: m.people_delivery_error_governorate,
  area: m.people_delivery_error_area,
  block: m.people_delivery_error_block,
  street: m.people_delivery_error_street,
  building: m.people_delivery_error_building,
  floor: m.people_delivery_error_floor,
  flat: m.people_delivery_error_flat,
  addressNotes: m.people_delivery_error_notes
}

/** What to tell the visitor about one field, or undefined when it is fine. */
export const fieldError = (problem: FormProblem | undefined, field: Field): string | undefined => {
  const code = problem?.errors[field]
  return code === undefined ? undefined : fieldMessages[code]()
}

const formMessages: Record<Exclude<FormCode, "rate-limited">, () => string> = {
  unavailable: m.public_give_error_unavailable,
  "in-flight": m.public_give_error_in_flight,
  "key-reused": m.public_give_error_key_reused,
  "unknown-project": m.public_give_error_unknown_project,
  "item-unavailable": m.public_give_error_item_unavailable,
  "empty-cart": m.public_give_error_empty_cart,
  "order-too-large": m.public_give_error_order_too_large,
  invalid: m.public_give_error_invalid
}

/** The form's own message: what went wrong as a whole, or "check the fields below". */
export const formError = (problem: FormProblem | undefined, locale: Locale): string | undefined => {
  if (problem === undefined) return undefined
  if (problem.form === "rate-limited") return m.public_give_error_rate_limited({ seconds: localDigits(problem.retryAfter ?? 60, locale) })
  if (problem.form !== undefined) return formMessages[problem.form]()
  return Object.keys(problem.errors).length > 0 ? m.public_give_error_summary() : undefined
}

/** `aria-describedby` for a field: its error first (when there is one), then its hints. */
export const describedBy = (error: string | undefined, id: string, ...hints: Array<string>): string | undefined =>
  [...(error ? [`${id}-error`] : []), ...hints].join(" ") || undefined
