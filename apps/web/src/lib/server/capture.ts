import { env } from "$env/dynamic/private"
import { error, type Cookies, type RequestEvent } from "@sveltejs/kit"
import { CaptureReceipt, type FieldIssue } from "@manara/domain"
import { Effect, Either, ParseResult, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { missingOrDown } from "./storefront.js"
import { recordEvent, touchOf } from "./traffic.js"

/** A receipt as pages see it: the wire form, money as decimal strings. */
export type ReceiptData = typeof CaptureReceipt.Encoded

/** Form fields a capture can find fault with; each names its input in the form. */
export type Field =
  | "amount"
  | "category"
  | "coverFees"
  | "paymentMethod"
  | "name"
  | "phone"
  | "email"
  | "dedication"
  | "notes"
  | "schedule"
  | "instalments"
  | "dueDate"
  // An order's delivery (`delivery.method`, `delivery.address.*`; the address's notes are `addressNotes`).
  | "delivery"
  | "governorate"
  | "area"
  | "block"
  | "street"
  | "building"
  | "floor"
  | "flat"
  | "addressNotes"

/** Why a field was refused: usually "the field is wrong" (its own name), a few have a reason of their own. */
export type FieldCode =
  | Field
  | "amount-range"
  | "project-total-range"
  | "fees-too-high"
  | "payment-unavailable"
  | "due-date-past"
  | "instalments-need-schedule"
  | "delivery-required"
  | "pickup-unavailable"
  | "zakat-not-eligible"

/** What went wrong with the form as a whole. */
export type FormCode =
  | "rate-limited"
  | "unavailable"
  | "in-flight"
  | "key-reused"
  | "unknown-project"
  | "item-unavailable"
  | "empty-cart"
  | "order-too-large"
  | "invalid"

export interface FormProblem {
  readonly errors: Partial<Record<Field, FieldCode>>
  readonly form?: FormCode
  /** Seconds to wait after a 429. */
  readonly retryAfter?: number
}

/** What the API answered to a capture. */
export type CaptureOutcome = { readonly ok: true; readonly receipt: ReceiptData } | { readonly ok: false; readonly problem: FormProblem }

// The last string of an issue's path is the field, whatever wraps it (`donor`, `customer`).
const FIELDS: Record<string, Field> = {
  amount: "amount",
  category: "category",
  coverFees: "coverFees",
  paymentMethod: "paymentMethod",
  name: "name",
  phone: "phone",
  email: "email",
  dedication: "dedication",
  notes: "notes",
  schedule: "schedule",
  instalments: "instalments",
  dueDate: "dueDate"
}

// Under `delivery`: the address's own fields; its notes are not the order's.
const DELIVERY_FIELDS: Record<string, Field> = {
  delivery: "delivery",
  method: "delivery",
  address: "delivery",
  governorate: "governorate",
  area: "area",
  block: "block",
  street: "street",
  building: "building",
  floor: "floor",
  flat: "flat",
  notes: "addressNotes"
}

/** Field issues (the API's, or our own decode of the same schema) as the form's errors. */
export const fieldProblem = (issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey> }>): FormProblem => {
  const errors: Partial<Record<Field, FieldCode>> = {}
  let form: FormCode | undefined
  for (const issue of issues) {
    const names = issue.path.filter((part): part is string => typeof part === "string")
    if (names[0] === "project") form = "unknown-project"
    else if (names[0] === "items") form = "item-unavailable"
    const field = names[0] === "delivery" ? DELIVERY_FIELDS[names.at(-1) ?? ""] : FIELDS[names.at(-1) ?? ""]
    if (field !== undefined) errors[field] ??= field
  }
  // A refusal that names no field the visitor can fix (the honeypot, a malformed key) is the form's.
  return { errors, ...(form !== undefined ? { form } : Object.keys(errors).length === 0 ? { form: "invalid" as const } : {}) }
}

/**
 * The body checked against the contract's own schema before it is sent: a typo costs no round trip
 * and none of the visitor's rate-limit budget. The API checks again; it decides.
 */
export const checkBody = <A, I>(schema: Schema.Schema<A, I>, body: I): FormProblem | undefined => {
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all" })(body)
  return Either.isRight(decoded) ? undefined : fieldProblem(ParseResult.ArrayFormatter.formatErrorSync(decoded.left))
}

/** The API's refusals by problem type: the field they belong to and what to say. */
const REFUSALS: Record<string, FormProblem> = {
  "amount-out-of-range": { errors: { amount: "amount-range" } },
  "project-total-out-of-range": { errors: { amount: "project-total-range" } },
  "fees-too-high": { errors: { coverFees: "fees-too-high" } },
  "payment-method-unavailable": { errors: { paymentMethod: "payment-unavailable" } },
  "due-date-past": { errors: { dueDate: "due-date-past" } },
  "instalments-need-schedule": { errors: { instalments: "instalments-need-schedule" } },
  "delivery-required": { errors: { delivery: "delivery-required" } },
  "pickup-unavailable": { errors: { delivery: "pickup-unavailable" } },
  "zakat-not-eligible": { errors: { category: "zakat-not-eligible" } },
  "unknown-project": { errors: {}, form: "unknown-project" },
  "item-unavailable": { errors: {}, form: "item-unavailable" },
  "empty-order": { errors: {}, form: "empty-cart" },
  "order-total-out-of-range": { errors: {}, form: "order-too-large" },
  "idempotency-in-flight": { errors: {}, form: "in-flight" },
  "idempotency-key-reused": { errors: {}, form: "key-reused" }
}

const isReceipt = Schema.decodeUnknownEither(CaptureReceipt)
const encodeReceipt = Schema.encodeSync(CaptureReceipt)

const apiUrl = () => env.API_URL || "http://127.0.0.1:4000"

/**
 * Sends a capture as the visitor: the storefront host names the tenant, the visitor's address is what
 * the API rate-limits, and the form's Idempotency-Key makes a second submit replay the first answer.
 * Raw `fetch` rather than the typed client: a 429's `Retry-After` header is part of the answer.
 */
export const submitCapture = async (
  event: Pick<RequestEvent, "url" | "getClientAddress" | "cookies" | "request">,
  endpoint: "donations" | "pledges" | "orders",
  body: object,
  idempotencyKey: string
): Promise<CaptureOutcome> => {
  let response: Response
  try {
    // eslint-disable-next-line manara/no-string-api-calls -- a 429's Retry-After header is part of the answer (above)
    response = await fetch(new URL(`/api/v1/public/${endpoint}`, apiUrl()), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-forwarded-host": event.url.host,
        "x-forwarded-for": event.getClientAddress(),
        "idempotency-key": idempotencyKey
      },
      // The session's visit and the visitor's first: the capture is attributed to both.
      body: JSON.stringify({ ...body, ...touchOf(event.cookies) }),
      signal: AbortSignal.timeout(15_000)
    })
  } catch {
    return { ok: false, problem: { errors: {}, form: "unavailable" } }
  }
  const json: unknown = await response.json().catch(() => undefined)
  if (response.status === 201 || response.status === 200) {
    const receipt = isReceipt(json)
    if (Either.isRight(receipt)) {
      if (response.status === 201) recordEvent(event, "capture", receipt.right.project?.slug ?? null)
      return { ok: true, receipt: encodeReceipt(receipt.right) }
    }
    return { ok: false, problem: { errors: {}, form: "unavailable" } }
  }
  if (response.status === 429) {
    const seconds = Number(response.headers.get("retry-after"))
    return {
      ok: false,
      problem: { errors: {}, form: "rate-limited", retryAfter: Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 60 }
    }
  }
  const problem = (json ?? {}) as { type?: unknown; errors?: ReadonlyArray<FieldIssue> }
  const type = typeof problem.type === "string" ? problem.type.slice(problem.type.lastIndexOf("/") + 1) : ""
  const known = REFUSALS[type]
  if (known !== undefined) return { ok: false, problem: known }
  if (response.status === 400 && Array.isArray(problem.errors)) return { ok: false, problem: fieldProblem(problem.errors) }
  if (response.status === 404) error(404, "No storefront at this address")
  return { ok: false, problem: { errors: {}, form: response.status >= 500 ? "unavailable" : "invalid" } }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The form's Idempotency-Key: the one it was rendered with, or a new one if it came back mangled. */
export const idempotencyKeyOf = (data: FormData): string => {
  const key = String(data.get("idempotencyKey") ?? "")
  return UUID.test(key) ? key : randomUUID()
}

export const newIdempotencyKey = (): string => randomUUID()

const TOKEN = /^[A-Za-z0-9_-]{32,64}$/

/** A receipt read again by its token (statuses move on); not this storefront's, or no such token: 404. */
export const readReceipt = async (locals: App.Locals, host: string, token: string): Promise<ReceiptData> => {
  if (!TOKEN.test(token)) error(404, "Not found")
  const result = await locals.api((client) =>
    client.capture.receipt({ headers: { "x-forwarded-host": host }, path: { token } }).pipe(Effect.timeout("5 seconds"))
  )
  if (Either.isRight(result)) return encodeReceipt(result.right)
  const status = missingOrDown(result.left)
  return error(status, status === 404 ? "Not found" : "Storefront unavailable")
}

/**
 * What the confirmation shows that the receipt does not carry: a donation's category (zakat says so),
 * the project it went to, and a pledge entire (pledges have no receipt token to read them back by).
 * Kept in this browser for a day; only the visitor's own, never a name or a phone.
 */
export interface GivenNote {
  readonly reference: string
  readonly kind: "donation" | "pledge" | "order"
  readonly token?: string
  readonly category?: string
  readonly project?: string
  readonly amount?: string
  readonly dueDate?: string
  readonly schedule?: "once" | "monthly"
  readonly instalments?: number
}

const GIVEN_COOKIE = "manara_given"
const MAX_NOTES = 5

const GivenNotes = Schema.parseJson(
  Schema.Array(
    Schema.Struct({
      reference: Schema.String,
      kind: Schema.Literal("donation", "pledge", "order"),
      token: Schema.optional(Schema.String),
      category: Schema.optional(Schema.String),
      project: Schema.optional(Schema.String),
      amount: Schema.optional(Schema.String),
      dueDate: Schema.optional(Schema.String),
      schedule: Schema.optional(Schema.Literal("once", "monthly")),
      instalments: Schema.optional(Schema.Number)
    })
  )
)

export const readNotes = (cookies: Cookies): ReadonlyArray<GivenNote> =>
  Either.getOrElse(Schema.decodeUnknownEither(GivenNotes)(cookies.get(GIVEN_COOKIE) ?? ""), () => [])

export const rememberNote = (cookies: Cookies, url: URL, note: GivenNote) => {
  const kept = readNotes(cookies)
    .filter((old) => old.reference !== note.reference)
    .slice(-(MAX_NOTES - 1))
  cookies.set(GIVEN_COOKIE, Schema.encodeSync(GivenNotes)([...kept, note]), {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: url.protocol === "https:",
    maxAge: 60 * 60 * 24
  })
}
