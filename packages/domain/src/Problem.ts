import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** One field that failed validation, by its path in the request. */
export const FieldIssue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String,
  /** Tenant settings: why, as a code the web app's messages key on, and the message in Arabic. */
  code: Schema.optional(Schema.String),
  messageAr: Schema.optional(Schema.String)
})
export type FieldIssue = typeof FieldIssue.Type

const problemFields = {
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.optional(Schema.String),
  instance: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(FieldIssue)),
  /** A plan limit refusal (`plan-limit`): which limit, what it allows and what is used. */
  limit: Schema.optional(Schema.Struct({ name: Schema.String, max: Schema.Number, used: Schema.Number }))
}

/**
 * An RFC 9457 problem. Every error the API answers with is one of these, whatever it was inside:
 * `ProblemMapping` in the API turns domain errors, decode errors and defects into it.
 */
export class Problem extends Schema.TaggedError<Problem>()("Problem", problemFields) {}

/** The wire form is the plain RFC 9457 object: no `_tag`. */
const ProblemJson = Schema.transform(Schema.Struct(problemFields), Schema.typeSchema(Problem), {
  strict: true,
  decode: (wire) => new Problem(wire),
  encode: ({ _tag: _, ...wire }) => wire
})

export const PROBLEM_CONTENT_TYPE = "application/problem+json"

const problemWithStatus = (status: number, description: string) =>
  HttpApiSchema.withEncoding(ProblemJson.pipe(Schema.filter((problem) => problem.status === status)), {
    kind: "Json",
    contentType: PROBLEM_CONTENT_TYPE
  }).annotations(HttpApiSchema.annotations({ status, description }))

/** The statuses the API uses, each a schema of its own so the client decodes by status. */
export const Problems = {
  BadRequest: problemWithStatus(400, "The request is malformed or failed validation"),
  Unauthorized: problemWithStatus(401, "Not signed in"),
  Forbidden: problemWithStatus(403, "Signed in, but the role does not allow it"),
  NotFound: problemWithStatus(404, "Nothing here for this tenant"),
  Conflict: problemWithStatus(409, "Conflicts with the current state"),
  PayloadTooLarge: problemWithStatus(413, "The body is too large"),
  UnsupportedMediaType: problemWithStatus(415, "The content type is not accepted"),
  Unprocessable: problemWithStatus(422, "Well-formed, but cannot be processed"),
  TooManyRequests: problemWithStatus(429, "Rate limited"),
  Internal: problemWithStatus(500, "Unexpected error"),
  Unavailable: problemWithStatus(503, "A dependency is down")
} as const

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

/**
 * Every problem type the API (and the web server, for an API it cannot reach) answers with: the last
 * segment of `https://manara.app/problems/<kind>`. The web app's messages key on it.
 */
export const ProblemKinds = [
  // The request itself
  "invalid-request",
  "unreadable-request",
  "nested-too-deeply",
  "malformed-request",
  "duplicate-host",
  "payload-too-large",
  "headers-too-large",
  "request-timeout",
  "not-found",
  "internal",
  // Dependencies
  "database-unavailable",
  "shutting-down",
  "dependency-down",
  "identity-unavailable",
  "api-unavailable",
  // Bounded waits: a full pool, one tenant's share of it, a request past its deadline
  "database-busy",
  "tenant-busy",
  "deadline-exceeded",
  // Signing in
  "invalid-token",
  "no-session",
  "bad-credentials",
  "bad-code",
  "code-reused",
  "rate-limited",
  // Creating and recovering an account
  "email-taken",
  "weak-password",
  "wrong-code",
  "code-expired",
  // Tenants and their teams
  "tenant-not-found",
  "role-not-allowed",
  "mfa-setup-required",
  "member-not-found",
  "invitation-not-found",
  "invitation-used",
  "invitation-expired",
  "invitation-revoked",
  "already-member",
  "last-owner",
  // Catalog and media
  "item-not-found",
  "proof-not-found",
  "media-not-found",
  "slug-taken",
  "invalid-item",
  "invalid-transition",
  "upload-missing",
  "upload-too-large",
  "unsupported-media-type",
  // Capture and the inbox
  "idempotency-in-flight",
  "idempotency-key-reused",
  "receipt-not-found",
  "capture-not-found",
  "payment-method-unavailable",
  "project-total-out-of-range",
  "order-total-out-of-range",
  "amount-out-of-range",
  "unknown-project",
  "item-unavailable",
  "empty-order",
  "fees-too-high",
  "due-date-past",
  "instalments-need-schedule",
  // Orders that ship
  "delivery-required",
  "pickup-unavailable",
  "zakat-not-eligible",
  // Notifications
  "preference-not-found",
  "preference-exists",
  "delivery-not-found",
  "delivery-not-dead",
  // Notifications per member, Telegram
  "telegram-not-linked",
  "webhook-refused",
  // KPIs
  "invalid-range",
  // Tenant settings
  "invalid-settings",
  "settings-changed",
  // Custom domains
  "invalid-domain",
  "domain-refused",
  "domain-taken",
  "domain-not-found",
  "domain-not-verified",
  // The AI gateway
  "ai-input-too-long",
  "ai-too-many-turns",
  "ai-rate-limited",
  "ai-budget-exhausted",
  "ai-unavailable",
  "ai-provider-failed",
  "ai-timeout",
  // The platform admin console and plans
  "tenant-suspended",
  "tenant-slug-taken",
  "plan-not-found",
  "plan-limit",
  // The storefront assistant
  "assistant-off",
  "faq-not-found",
  "conversation-not-found",
  "conversation-closed"
] as const
export type ProblemKind = (typeof ProblemKinds)[number]

/** Why a capture was refused (a 400 whose problem type is the code). */
export type CaptureRefusalCode = Extract<
  ProblemKind,
  | "amount-out-of-range"
  | "order-total-out-of-range"
  | "project-total-out-of-range"
  | "unknown-project"
  | "item-unavailable"
  | "empty-order"
  | "fees-too-high"
  | "due-date-past"
  | "instalments-need-schedule"
  | "delivery-required"
  | "pickup-unavailable"
  | "zakat-not-eligible"
>

/** `problem(404, "tenant-not-found", "No storefront at this address")`. */
export const problem = (
  status: number,
  slug: ProblemKind,
  detail?: string,
  extra?: {
    readonly errors?: ReadonlyArray<FieldIssue>
    readonly limit?: { readonly name: string; readonly max: number; readonly used: number }
  }
): Problem =>
  new Problem({
    type: `https://manara.app/problems/${slug}`,
    title: titles[status] ?? "Error",
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(extra?.errors === undefined ? {} : { errors: extra.errors }),
    ...(extra?.limit === undefined ? {} : { limit: extra.limit })
  })
