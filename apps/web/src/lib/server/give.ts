import { fail, redirect, type RequestEvent } from "@sveltejs/kit"
import { type DonationCategory, NewDonation, NewPledge, parseMoney } from "@manara/domain"
import { Schema } from "effect"
import { localizeHref } from "$lib/i18n.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { asciiDigits, coverFees, kuwaitToday, normaliseAmount } from "$lib/storefront/give.js"
import { checkBody, type FormProblem, idempotencyKeyOf, newIdempotencyKey, rememberNote, submitCapture } from "./capture.js"
import { recordEvent } from "./traffic.js"

/** What a refused form gets back: which form, its problem, and what was typed (the new key when needed). */
export interface Refused {
  readonly form: "donate" | "pledge" | "checkout"
  readonly problem: FormProblem
  readonly values: Record<string, string>
}

const text = (data: FormData, name: string, max = 1000): string => String(data.get(name) ?? "").slice(0, max)

/** Everything typed, as strings, to fill the form in again; the honeypot is never echoed. */
const valuesOf = (data: FormData): Record<string, string> => {
  const values: Record<string, string> = {}
  for (const [name, value] of data) if (typeof value === "string" && name !== "website") values[name] = value.slice(0, 1000)
  return values
}

/**
 * A refused form: 400 (or 429) with its values. After "key reused" the visitor changed a form that was
 * already sent: the next try gets a fresh key, so it is a new gift rather than the old one's replay.
 */
export const refuse = (form: Refused["form"], problem: FormProblem, data: FormData) => {
  const values = valuesOf(data)
  if (problem.form === "key-reused") values.idempotencyKey = newIdempotencyKey()
  return fail(problem.form === "rate-limited" ? 429 : 400, { form, problem, values } satisfies Refused)
}

const isCategory = Schema.is(Schema.Literal("zakat", "sadaqah", "waqf", "general"))

/** The gift: a preset, or what was typed in "another amount" (which wins when filled, as typed last). */
const chosenAmount = (data: FormData): string => {
  const custom = normaliseAmount(text(data, "customAmount", 40))
  const preset = text(data, "amount", 40)
  if (custom !== "") return custom
  // The tenant's presets change with its settings: any amount passes here, and the API holds it to the limits.
  return /^[0-9]{1,9}(?:\.[0-9]{1,3})?$/.test(preset) ? preset : ""
}

const optionalEmail = (data: FormData) => {
  const email = text(data, "email", 320).trim()
  return email === "" ? {} : { email }
}

/** The honeypot goes to the API as typed: a filled one is refused there, like a bot's. */
const honeypot = (data: FormData) => {
  const website = text(data, "website", 200)
  return website === "" ? {} : { website }
}

export interface Project {
  readonly slug: string
  readonly category: DonationCategory | null
}

/** `?/donate`: a donation to `project` (or the general fund), then its confirmation. */
export const donate = async (event: RequestEvent, project: Project | undefined) => {
  recordEvent(event, "donate_submit", project?.slug ?? null)
  const data = await event.request.formData()
  const amount = chosenAmount(data)
  const category = text(data, "category", 20)
  const fees = data.get("coverFees") === "on" && parseMoney(amount) !== undefined ? coverFees(amount) : undefined
  const body: typeof NewDonation.Encoded = {
    amount,
    ...(project === undefined ? {} : { project: project.slug }),
    ...(isCategory(category) ? { category } : {}),
    ...(fees === undefined ? {} : { coverFees: fees }),
    donor: { name: text(data, "name", 200).trim(), phone: asciiDigits(text(data, "phone", 40).trim()), ...optionalEmail(data) },
    anonymous: data.get("anonymous") === "on",
    dedication: text(data, "dedication", 400).trim(),
    paymentMethod: text(data, "paymentMethod", 20) as (typeof NewDonation.Encoded)["paymentMethod"],
    locale: getLocale(),
    ...honeypot(data)
  }
  const local = checkBody(NewDonation, body)
  if (local !== undefined) return refuse("donate", local, data)
  const outcome = await submitCapture(event, "donations", body, idempotencyKeyOf(data))
  if (!outcome.ok) return refuse("donate", outcome.problem, data)
  const { receipt } = outcome
  rememberNote(event.cookies, event.url, {
    kind: "donation",
    reference: receipt.reference,
    ...(receipt.receiptToken === null ? {} : { token: receipt.receiptToken }),
    category: body.category ?? project?.category ?? "general",
    ...(project === undefined ? {} : { project: project.slug })
  })
  return redirect(303, localizeHref(`/thanks/${receipt.receiptToken}`))
}

const isRealDate = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) &&
  !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
  new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)

/** `?/pledge`: a promise to give later, once or monthly, then its confirmation. */
export const pledge = async (event: RequestEvent, project: Project | undefined) => {
  const data = await event.request.formData()
  const schedule = text(data, "schedule", 20) === "monthly" ? "monthly" : "once"
  const instalments = schedule === "monthly" ? Number(asciiDigits(text(data, "instalments", 10).trim()) || "NaN") : 1
  const dueDate = text(data, "dueDate", 20).trim()
  const body: typeof NewPledge.Encoded = {
    amount: normaliseAmount(text(data, "amount", 40)),
    ...(project === undefined ? {} : { project: project.slug }),
    schedule,
    instalments,
    dueDate,
    donor: { name: text(data, "name", 200).trim(), phone: asciiDigits(text(data, "phone", 40).trim()), ...optionalEmail(data) },
    locale: getLocale(),
    ...honeypot(data)
  }
  // The contract's date filter throws on "2026-13-45" (a real-date check after the pattern): only real dates reach it.
  const real = isRealDate(dueDate)
  const local = checkBody(NewPledge, real ? body : { ...body, dueDate: "" })
  // The API refuses a past date too; saying so here spares the round trip.
  const past = real && dueDate < kuwaitToday()
  if (local !== undefined || past) {
    const problem = local ?? { errors: {} }
    return refuse("pledge", past ? { ...problem, errors: { ...problem.errors, dueDate: "due-date-past" } } : problem, data)
  }
  const outcome = await submitCapture(event, "pledges", body, idempotencyKeyOf(data))
  if (!outcome.ok) return refuse("pledge", outcome.problem, data)
  const { receipt } = outcome
  rememberNote(event.cookies, event.url, {
    kind: "pledge",
    reference: receipt.reference,
    amount: receipt.amount,
    dueDate,
    schedule,
    instalments,
    ...(project === undefined ? {} : { project: project.slug })
  })
  return redirect(303, localizeHref(`/thanks/pledge/${receipt.reference}`))
}
