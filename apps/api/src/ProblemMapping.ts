import { HttpApiBuilder, HttpApiError, HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import type { AnalyticsError } from "@manara/analytics"
import type { AssistantError } from "@manara/assistant"
import { type AiGatewayError, AiBudgetExhausted, AiRateLimited, AiUnavailable } from "@manara/ai-gateway"
import { type AuthError, CognitoThrottled, RateLimited } from "@manara/auth"
import { type CaptureError, IdempotencyInFlight } from "@manara/capture"
import type { CatalogError } from "@manara/catalog"
import { currentRequestMeta, PlanLimitReached, poolBusyOf } from "@manara/db"
import { type FieldIssue, ManaraApi, Problem, problem, type ProblemKind } from "@manara/domain"
import type { NotificationsError } from "@manara/notifications"
import { InvalidSettings, type TenancyError } from "@manara/tenancy"
import { Cause, Effect, FiberRef, Option } from "effect"

/**
 * A lost database, and only that: connection failures (not 08P01, a protocol violation a bad value can
 * cause), a server shutting down or starting (57P01-03), socket errors, and node-postgres' own words.
 */
const OUTAGE_CODES = new Set([
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN"
])
const OUTAGE_MESSAGE =
  /^Connection terminated|^timeout exceeded when trying to connect|^Client has encountered a connection error|^Client was closed/

export const isOutage = (error: SqlError): boolean => {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined
  return (
    (typeof cause?.code === "string" && OUTAGE_CODES.has(cause.code)) ||
    (typeof cause?.message === "string" && OUTAGE_MESSAGE.test(cause.message))
  )
}

/**
 * A database that is up but cannot serve this now, and the request may well succeed later (503 +
 * Retry-After; docs/faults.md "Bounded waits"): the gate in front of the pool refused (the tenant's
 * share, or saturation), the pool's own queue timed out, a lock was not granted within `lock_timeout`
 * (55P03), a statement ran past `statement_timeout` (57014), no connection slot was left (53300).
 */
const busyProblem = (error: unknown): Problem | undefined => {
  const busy = poolBusyOf(error)
  if (busy?.reason === "tenant-share")
    return problem(503, "tenant-busy", "This storefront has too many requests in progress; try again shortly")
  if (busy !== undefined) return problem(503, "database-busy", "The database is busy; try again shortly")
  if (!(error instanceof SqlError)) return undefined
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined
  const message = typeof cause?.message === "string" ? cause.message : ""
  // Checked before outages: node-postgres words a pool wait that ran out like a failed connection.
  if (cause?.code === "55P03" || /^timeout exceeded when trying to connect/.test(message)) {
    return problem(503, "database-busy", "The database is busy; try again shortly")
  }
  if (cause?.code === "57014" || cause?.code === "53300") {
    return problem(503, "database-busy", "The database is too busy to answer in time; try again shortly")
  }
  return undefined
}

/** Every expected failure a service may answer with, each package's own union. */
export type ServiceError =
  | PlanLimitReached
  | AiGatewayError
  | AnalyticsError
  | AssistantError
  | AuthError
  | CaptureError
  | CatalogError
  | NotificationsError
  | TenancyError

const LIMIT_WORDS = {
  items: "catalog items",
  storage: "bytes of media",
  members: "members (open invitations count)",
  captures: "captures this month"
}

type Mapping = readonly [status: number, kind: ProblemKind, detail: string, extra?: { readonly errors?: ReadonlyArray<FieldIssue> }]

/**
 * Expected failures of the services, by tag: status, problem type, what the person is told. Total over
 * `ServiceError`, so a new error without a mapping does not compile.
 */
const byTag: { readonly [Tag in ServiceError["_tag"]]: (error: Extract<ServiceError, { readonly _tag: Tag }>) => Mapping } = {
  InvalidToken: () => [401, "invalid-token", "Sign in again: the access token is missing, invalid or expired"],
  BadCredentials: () => [401, "bad-credentials", "The email or password is wrong"],
  BadCode: () => [401, "bad-code", "The code is wrong or expired"],
  CodeReused: () => [401, "code-reused", "That code was already used; wait for the next one"],
  CognitoUnavailable: () => [503, "identity-unavailable", "Sign-in is unavailable right now"],
  SessionStoreUnavailable: () => [503, "identity-unavailable", "Sign-in is unavailable right now"],
  RateLimited: () => [429, "rate-limited", "Too many attempts; try again later"],
  EmailTaken: () => [409, "email-taken", "This email already has an account: sign in, or reset the password"],
  WeakPassword: () => [
    400,
    "weak-password",
    "The password needs at least 8 characters, with a lower-case and an upper-case letter, a digit and a symbol",
    { errors: [{ path: ["password"], message: "at least 8 characters, with a lower-case and an upper-case letter, a digit and a symbol" }] }
  ],
  WrongCode: () => [400, "wrong-code", "The code is not the one we emailed"],
  CodeExpired: () => [400, "code-expired", "The code is no longer valid; ask for a new one"],
  CognitoThrottled: () => [429, "rate-limited", "Too many attempts; try again later"],
  AccountNotEligible: () => [400, "invalid-request", "This account cannot do that"],
  TenantNotFound: () => [404, "tenant-not-found", "No storefront at this address"],
  NotAMember: () => [404, "tenant-not-found", "No such tenant"],
  MemberNotFound: () => [404, "member-not-found", "No such member in this tenant"],
  InvitationNotFound: () => [404, "invitation-not-found", "No such invitation for you in this tenant"],
  InvitationUsed: () => [409, "invitation-used", "This invitation was already accepted"],
  InvitationExpired: () => [409, "invitation-expired", "This invitation has expired; ask for a new one"],
  InvitationRevoked: () => [409, "invitation-revoked", "This invitation was withdrawn; ask for a new one"],
  AlreadyMember: () => [409, "already-member", "You are already a member of this tenant"],
  LastOwner: () => [409, "last-owner", "A tenant keeps at least one owner"],
  NotPlatformAdmin: () => [404, "not-found", "No such endpoint"],
  PlatformTenantNotFound: () => [404, "tenant-not-found", "No such tenant"],
  TenantSlugTaken: (error) => [409, "tenant-slug-taken", `Another tenant already has the slug ${error.slug}`],
  PlanNotFound: (error) => [400, "plan-not-found", `No plan has the code ${error.code}`],
  InvalidFiguresRange: (error) => [400, "invalid-range", `Choose another date range: ${error.reason}`],
  TenantSuspended: () => [403, "tenant-suspended", "This site is suspended by the platform; it takes no orders, donations or questions"],
  PlanLimitReached: (error) => [
    409,
    "plan-limit",
    `The plan allows ${error.max} ${LIMIT_WORDS[error.limit]} and ${error.used} are used: ask the platform for a larger plan`
  ],
  ItemNotFound: () => [404, "item-not-found", "No such catalog item in this tenant"],
  ProofNotFound: () => [404, "proof-not-found", "No such proof in this tenant"],
  // A picture that could not be drawn now (sharp or its fonts failed): try again, the page still shares without it.
  ShareImageFailed: () => [503, "api-unavailable", "The share picture could not be drawn; try again shortly"],
  MediaNotFound: () => [404, "media-not-found", "No such uploaded file in this tenant"],
  SlugTaken: () => [409, "slug-taken", "Another item of this tenant already has this slug"],
  InvalidItem: (error) => [400, "invalid-item", error.detail],
  InvalidItemTransition: (error) => [400, "invalid-transition", `Cannot go from ${error.from} to ${error.to}`],
  UploadMissing: () => [409, "upload-missing", "The file has not arrived in storage; upload it first"],
  UploadTooLarge: () => [413, "upload-too-large", "The file is larger than 10 MiB"],
  UnsupportedMediaType: (error) => [415, "unsupported-media-type", error.detail],
  IdempotencyInFlight: () => [409, "idempotency-in-flight", "A request with this Idempotency-Key is still being processed; retry shortly"],
  IdempotencyMismatch: () => [422, "idempotency-key-reused", "This Idempotency-Key was used with a different request"],
  ReceiptNotFound: () => [404, "receipt-not-found", "No receipt at this address"],
  CaptureNotFound: () => [404, "capture-not-found", "No such order, donation or pledge in this tenant"],
  CaptureRefused: (error) =>
    error.errors === undefined ? [400, error.code, error.detail] : [400, error.code, error.detail, { errors: error.errors }],
  HoneypotFilled: () => [400, "invalid-request", "The request did not pass validation"],
  InvalidCaptureTransition: (error) => [400, "invalid-transition", `Cannot go from ${error.from} to ${error.to}`],
  PaymentMethodUnavailable: () => [400, "payment-method-unavailable", "This way of paying is not available here"],
  ProjectTotalOutOfRange: () => [409, "project-total-out-of-range", "The project's total cannot grow past 999999999.999 KWD"],
  PreferenceNotFound: () => [404, "preference-not-found", "No such notification preference in this tenant"],
  InvalidKpiRange: (error) => [400, "invalid-range", `Choose another date range: ${error.reason}`],
  PreferenceExists: () => [409, "preference-exists", "This channel and target are already notified"],
  DeliveryNotFound: () => [404, "delivery-not-found", "No such notification in this tenant"],
  DeliveryNotDead: () => [409, "delivery-not-dead", "Only a dead notification can be retried"],
  // Notifications per member, Telegram
  TelegramNotLinked: () => [409, "telegram-not-linked", "Link a Telegram chat before choosing Telegram notifications"],
  WebhookRefused: () => [403, "webhook-refused", "This update does not carry the bot's secret token"],
  AiInputTooLong: (error) => [413, "ai-input-too-long", `The question is longer than this plan's ${error.limit} characters`],
  AiTooManyTurns: (error) => [
    422,
    "ai-too-many-turns",
    `The conversation is longer than this plan's ${error.limit} questions; start a new one`
  ],
  AiRateLimited: (error) => [
    429,
    "ai-rate-limited",
    `Too many questions ${error.scope === "ip" ? "from this address" : error.scope === "conversation" ? "in this conversation" : "at this tenant"}; try again later`
  ],
  AiBudgetExhausted: (error) => [
    429,
    "ai-budget-exhausted",
    `This month's AI budget (${error.reason === "cost" ? "cost" : "tokens"}) is spent; it renews next month`
  ],
  AiUnavailable: () => [503, "ai-unavailable", "The assistant is unavailable right now; nothing was charged"],
  AiProviderFailed: () => [502, "ai-provider-failed", "The model's provider failed; what it answered was counted"],
  AiTimeout: () => [504, "ai-timeout", "The model's provider stopped answering"],
  AiTenantInactive: () => [404, "tenant-not-found", "No such tenant"],
  AiNotPlatformAdmin: () => [404, "not-found", "No such endpoint"],
  AiTenantNotFound: () => [404, "tenant-not-found", "No such tenant"],
  // The storefront assistant
  AssistantOff: () => [404, "assistant-off", "This storefront has no assistant"],
  ConversationNotFound: () => [404, "conversation-not-found", "No such conversation here (or the token is wrong)"],
  ConversationClosed: () => [409, "conversation-closed", "This conversation is closed or resolved"],
  FaqNotFound: () => [404, "faq-not-found", "No such FAQ in this tenant"],
  // Tenant settings: the field errors are added by `toProblem`.
  InvalidSettings: () => [400, "invalid-settings", "Some settings need correcting"],
  SettingsChanged: (error) => [
    409,
    "settings-changed",
    `Someone saved these settings after you read them (now version ${error.version}): read them again, then save`
  ],
  // Custom domains
  CustomDomainInvalid: (error) => [400, "invalid-domain", `Enter a domain name such as example.org: ${error.reason}`],
  CustomDomainRefused: (error) => [400, "domain-refused", `${error.domain} is the platform's own domain or under it`],
  CustomDomainTaken: (error) => [409, "domain-taken", `${error.domain} belongs to another tenant`],
  CustomDomainNotFound: () => [404, "domain-not-found", "No domain is waiting to be verified; enter one first"],
  CustomDomainNotVerified: (error) => [
    422,
    "domain-not-verified",
    error.reason === "lookup-failed"
      ? `DNS did not answer for ${error.domain}; try again shortly`
      : `The TXT record of ${error.domain} ${error.reason === "no-record" ? "is not there yet" : "does not carry this token"}; DNS changes can take a while to show`
  ]
}

/** The tags the mapping knows: a test holds it against every error the packages export. */
export const mappedErrorTags: ReadonlyArray<string> = Object.keys(byTag)

const serviceMapping = (error: unknown): Mapping | undefined => {
  const tag = (error as { _tag?: unknown } | null)?._tag
  if (typeof tag !== "string" || !Object.hasOwn(byTag, tag)) return undefined
  return (byTag[tag as ServiceError["_tag"]] as (error: ServiceError) => Mapping)(error as ServiceError)
}

/** One message per field, the schema's own, without echoing the rejected value back. */
const fieldIssues = (issues: HttpApiError.HttpApiDecodeError["issues"]): Array<FieldIssue> => {
  const byPath = new Map<string, FieldIssue>()
  for (const issue of issues) {
    const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))
    const key = JSON.stringify(path)
    if (!byPath.has(key)) byPath.set(key, { path, message: issue.message.replace(/,? ?actual [\s\S]*$/, "") })
  }
  return [...byPath.values()]
}

/** The one mapping from whatever went wrong to an RFC 9457 problem. Never leaks internals. */
export const toProblem = (error: unknown): Problem => {
  if (error instanceof Problem) return error
  const known = serviceMapping(error)
  // A plan limit says which limit, what it allows and what is used, for the dashboard's notice.
  if (known !== undefined && error instanceof PlanLimitReached)
    return problem(known[0], known[1], known[2], { ...known[3], limit: { name: error.limit, max: error.max, used: error.used } })
  if (known !== undefined && error instanceof InvalidSettings) {
    return problem(known[0], known[1], known[2], {
      errors: (error.issues ?? []).map((issue) => ({
        path: issue.path,
        message: issue.message,
        code: issue.code,
        messageAr: issue.messageAr
      }))
    })
  }
  if (known !== undefined) return problem(...known)
  if (error instanceof HttpApiError.HttpApiDecodeError) {
    return problem(400, "invalid-request", "The request did not pass validation", {
      errors: fieldIssues(error.issues)
    })
  }
  const busy = busyProblem(error)
  if (busy !== undefined) return busy
  if (error instanceof SqlError && isOutage(error)) return problem(503, "database-unavailable", "The database is unreachable")
  const tag = (error as { _tag?: unknown } | null)?._tag
  if (tag === "RouteNotFound") return problem(404, "not-found", "No such endpoint")
  if (tag === "RequestError") return problem(400, "unreadable-request", "The request body could not be read")
  // A multipart body (no endpoint wants one, but the platform reads it by its Content-Type): broken is a 400, too much a 413.
  if (tag === "MultipartError") {
    const reason = (error as { reason?: unknown }).reason
    if (reason === "Parse") return problem(400, "unreadable-request", "The request body could not be read")
    if (reason !== "InternalError") return problem(413, "payload-too-large", "The body has too many or too large parts")
  }
  return problem(500, "internal", "Something went wrong on our side; the request id identifies it")
}

const retryAfter = (seconds: number) =>
  HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(HttpServerResponse.setHeader(response, "retry-after", String(seconds))))

/** Headers that belong with a problem: when to come back after a 429 or a 503, or a 409 for a key still in flight. */
const headersFor = (error: unknown) =>
  error instanceof IdempotencyInFlight ||
  error instanceof AiRateLimited ||
  error instanceof AiBudgetExhausted ||
  error instanceof AiUnavailable ||
  error instanceof CognitoThrottled
    ? retryAfter(error.retryAfterSeconds)
    : error instanceof RateLimited
      ? HttpApp.appendPreResponseHandler((_, response) =>
          Effect.succeed(
            HttpServerResponse.setHeaders(response, {
              "retry-after": String(error.retryAfterSeconds),
              ratelimit: `limit=${error.limit}, remaining=0, reset=${error.retryAfterSeconds}`,
              "ratelimit-policy": `${error.limit};w=${error.windowSeconds}`
            })
          )
        )
      : Effect.void

/** For handlers: expected failures of a service become problems at the edge. */
export const asProblem = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Problem, R> =>
  Effect.catchAll(effect, (error) => Effect.zipRight(headersFor(error), Effect.fail(toProblem(error))))

/**
 * API-wide middleware: everything that escapes a handler — decode errors, unknown routes, defects —
 * leaves as a problem carrying the request path and id. Defects are logged here, once, with their cause.
 */
export const ProblemMappingLive = HttpApiBuilder.middleware(ManaraApi, (httpApp) =>
  Effect.catchAllCause(httpApp, (cause) =>
    Effect.gen(function* () {
      if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
      const request = yield* HttpServerRequest.HttpServerRequest
      const { requestId } = yield* FiberRef.get(currentRequestMeta)
      const failure = Cause.failureOption(cause)
      const cause_ = Option.isSome(failure) ? failure.value : Cause.squash(cause)
      const mapped = toProblem(cause_)
      if (mapped.status === 500) yield* Effect.logError("request failed", cause)
      else if (mapped.status > 500) yield* Effect.logWarning(`dependency unavailable: ${mapped.detail ?? mapped.type}`)
      return yield* Effect.fail(
        new Problem({ ...mapped, instance: request.url.split("?")[0]!, ...(requestId === "" ? {} : { requestId }) })
      )
    })
  )
)

/** Deeper than any form of ours nests (an order is three levels): past it, decoding's messages would recurse once per level. */
export const MAX_JSON_DEPTH = 32

/** Whether JSON text opens more than `max` arrays or objects inside one another; strings are skipped, nothing is parsed. */
export const nestedDeeperThan = (text: string, max: number): boolean => {
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index)
    if (inString) {
      if (char === 92)
        index++ // a backslash: the next character is escaped
      else if (char === 34) inString = false
    } else if (char === 34) inString = true
    else if (char === 123 || char === 91) {
      if (++depth > max) return true
    } else if (char === 125 || char === 93) depth--
  }
  return false
}

/**
 * Refuses a JSON body nested past `MAX_JSON_DEPTH` with a 400 `nested-too-deeply` before any schema
 * sees it. The body is read once (the platform caches it for the decoder); a body that cannot be read
 * is left to the decoder, which answers it.
 */
export const JsonDepthLive = HttpApiBuilder.middleware(ManaraApi, (httpApp) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (/[/+]json\b/i.test(request.headers["content-type"] ?? "")) {
      const text = yield* Effect.option(request.text)
      if (Option.isSome(text) && nestedDeeperThan(text.value, MAX_JSON_DEPTH)) {
        return yield* problem(400, "nested-too-deeply", `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`)
      }
    }
    return yield* httpApp
  })
)
