import {
  CAPTURE_TRANSITIONS,
  type CaptureKind,
  type DonationCategory,
  displayMoney,
  type InboxDetail,
  type InboxEntry,
  PAYMENT_TRANSITIONS,
  parseMoney,
  type PaymentState
} from "@manara/domain"
import { m } from "$lib/paraglide/messages.js"
import type { Locale } from "$lib/paraglide/runtime.js"
import { describeFailure, problemKind, type ProblemLike } from "./problems.js"
import { TIME_ZONE } from "./format.js"
import { ApiProblem } from "$lib/session.svelte.js"

export type EntryData = typeof InboxEntry.Encoded
export type DetailData = typeof InboxDetail.Encoded
export type { CaptureKind, PaymentState }

export const KINDS: ReadonlyArray<CaptureKind> = ["order", "donation", "pledge"]
export const CATEGORIES: ReadonlyArray<DonationCategory> = ["zakat", "sadaqah", "waqf", "general"]

/** Every status of a kind (or of all kinds), in workflow order, from the domain's own transitions. */
export const statusesOf = (kind: CaptureKind | undefined): ReadonlyArray<string> => [
  ...new Set((kind === undefined ? KINDS : [kind]).flatMap((one) => Object.keys(CAPTURE_TRANSITIONS[one])))
]

export const nextStatuses = (kind: CaptureKind, status: string): ReadonlyArray<string> => CAPTURE_TRANSITIONS[kind][status] ?? []

/** Payments are recorded on orders and donations; a pledge is paid by fulfilling it. */
export const nextPayments = (kind: CaptureKind, state: PaymentState | null): ReadonlyArray<PaymentState> =>
  kind === "pledge" || state === null ? [] : PAYMENT_TRANSITIONS[state]

// Functions, not tables of strings: each message reads the locale when it is called.

export const kindName = (kind: CaptureKind): string =>
  ({ order: m.dash_inbox_kind_order, donation: m.dash_inbox_kind_donation, pledge: m.dash_inbox_kind_pledge })[kind]()

const statusNames: Record<string, () => string> = {
  new: () => m.dash_inbox_status_new(),
  pending: () => m.dash_inbox_status_pending(),
  open: () => m.dash_inbox_status_open(),
  confirmed: () => m.dash_inbox_status_confirmed(),
  fulfilled: () => m.dash_inbox_status_fulfilled(),
  lapsed: () => m.dash_inbox_status_lapsed(),
  cancelled: () => m.dash_inbox_status_cancelled()
}

/** A status the API may add later still shows, as sent. */
export const statusName = (status: string): string => statusNames[status]?.() ?? status

export const paymentName = (state: PaymentState): string =>
  ({
    pending: m.dash_inbox_payment_pending,
    received: m.dash_inbox_payment_received,
    failed: m.dash_inbox_payment_failed,
    refunded: m.dash_inbox_payment_refunded
  })[state]()

/** A history step's end: a status, or a payment state written `payment:received`. */
export const changeName = (step: string): string =>
  step.startsWith("payment:") ? paymentName(step.slice("payment:".length) as PaymentState) : statusName(step)

const moveNames: Record<string, () => string> = {
  confirmed: () => m.dash_inbox_to_confirmed(),
  cancelled: () => m.dash_inbox_to_cancelled(),
  fulfilled: () => m.dash_inbox_to_fulfilled(),
  lapsed: () => m.dash_inbox_to_lapsed(),
  open: () => m.dash_inbox_to_open()
}

/** The button that moves a capture to `status`. */
export const moveName = (status: string): string => moveNames[status]?.() ?? statusName(status)

export const paymentMoveName = (state: PaymentState): string =>
  state === "received" ? m.dash_inbox_pay_received() : state === "failed" ? m.dash_inbox_pay_failed() : m.dash_inbox_pay_refunded()

export const categoryName = (category: DonationCategory): string =>
  ({
    zakat: m.public_category_zakat,
    sadaqah: m.public_category_sadaqah,
    waqf: m.public_category_waqf,
    general: m.public_category_general
  })[category]()

/** Which badge colour a state gets: settled, waiting, or stopped. */
export const tone = (step: string): "done" | "waiting" | "stopped" =>
  ["confirmed", "fulfilled", "received"].includes(step)
    ? "done"
    : ["cancelled", "lapsed", "failed", "refunded"].includes(step)
      ? "stopped"
      : "waiting"

/** An amount from the API ("12.500") as the domain shows it: KWD with 3 decimals, Arabic-Indic digits in Arabic. */
export const money = (amount: string, locale: Locale): string => {
  const fils = parseMoney(amount)
  // The API only sends valid amounts; should one ever not be, show it as sent rather than a wrong number.
  return fils === undefined ? amount : displayMoney(fils, locale)
}

const dateTimeFormats = {
  ar: new Intl.DateTimeFormat("ar-KW-u-nu-arab", { timeZone: TIME_ZONE, dateStyle: "medium", timeStyle: "short" }),
  en: new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, dateStyle: "medium", timeStyle: "short" })
} as const

/** A moment as its date and time in Kuwait. */
export const formatDateTime = (iso: string, locale: Locale): string => {
  const at = new Date(iso)
  return Number.isNaN(at.getTime()) ? iso : dateTimeFormats[locale].format(at)
}

/** A calendar day ("2026-12-01") in the page's language, read as a day in Kuwait. */
export const formatDay = (day: string, locale: Locale): string => {
  const at = new Date(`${day}T12:00:00+03:00`)
  return Number.isNaN(at.getTime())
    ? day
    : new Intl.DateTimeFormat(locale === "ar" ? "ar-KW-u-nu-arab" : "en-GB", { timeZone: TIME_ZONE, dateStyle: "long" }).format(at)
}

/** One line of the inbox, whatever its kind: how the live stream tells what is new. */
export const entryKey = (entry: { readonly kind: string; readonly id: string }) => `${entry.kind}:${entry.id}`

export interface InboxFilters {
  readonly kind?: CaptureKind
  readonly status?: string
  readonly from?: string
  readonly to?: string
  readonly project?: string
  readonly category?: DonationCategory
  readonly q?: string
}

export const FILTER_NAMES = ["kind", "status", "from", "to", "project", "category", "q"] as const

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** The filters in a URL, keeping only what the API would accept (a hand-edited address is not an error page). */
export const readFilters = (params: URLSearchParams): InboxFilters => {
  const get = (name: string) => params.get(name)?.trim() ?? ""
  const kind = KINDS.find((one) => one === get("kind"))
  const status = get("status")
  const category = CATEGORIES.find((one) => one === get("category"))
  return {
    ...(kind ? { kind } : {}),
    ...(/^[a-z]{1,20}$/.test(status) ? { status } : {}),
    ...(DAY.test(get("from")) ? { from: get("from") } : {}),
    ...(DAY.test(get("to")) ? { to: get("to") } : {}),
    ...(/^[a-z0-9-]{1,80}$/.test(get("project")) ? { project: get("project") } : {}),
    ...(category ? { category } : {}),
    ...(get("q") !== "" ? { q: get("q").slice(0, 100) } : {})
  }
}

/** The filters as a query string (no `?`), only those set, in a stable order. */
export const filterQuery = (filters: InboxFilters, extra: Record<string, string> = {}): string => {
  const params = new URLSearchParams()
  for (const name of FILTER_NAMES) {
    const value = filters[name]
    if (value !== undefined && value !== "") params.set(name, value)
  }
  for (const [name, value] of Object.entries(extra)) params.set(name, value)
  return params.toString()
}

const known: Record<string, () => string> = {
  "invalid-transition": () => m.dash_inbox_error_invalid_transition(),
  "capture-not-found": () => m.dash_inbox_error_not_found(),
  "receipt-not-found": () => m.dash_inbox_error_no_receipt()
}

/** The inbox's own problems in our words; the rest as the whole dashboard says them. */
export const describeInboxFailure = (failure: unknown): string => {
  const problem = failure instanceof ApiProblem ? failure.problem : failure
  if (typeof problem === "object" && problem !== null && typeof (problem as ProblemLike).type === "string") {
    const words = known[problemKind(problem as ProblemLike)]
    if (words) return words()
  }
  return describeFailure(failure)
}

/** The file name a `Content-Disposition` header gives, else `fallback`. */
export const attachmentName = (disposition: string | null, fallback: string): string => {
  const match = /filename="([^"]+)"/.exec(disposition ?? "") ?? /filename=([^;]+)/.exec(disposition ?? "")
  const name = match?.[1]?.trim().replace(/[\\/]/g, "_")
  return name || fallback
}

/**
 * Saves a response as a file: a link cannot carry the Bearer token, so the body is fetched first and
 * handed to the browser as a Blob with a `download` name.
 */
export const saveResponse = async (response: Response, fallbackName: string): Promise<string> => {
  const name = attachmentName(response.headers.get("content-disposition"), fallbackName)
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement("a")
  link.href = url
  link.download = name
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // The download has its own copy once it started; the URL only holds the Blob in memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
  return name
}
