import type { ProblemKind } from "@manara/domain"
import { formatCount as formatCountIn } from "@manara/domain/numbers"
import { m } from "$lib/paraglide/messages.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { limitLabel } from "./platform.js"

const PROBLEMS = "https://manara.app/problems/"

/** An RFC 9457 problem as the typed client decodes it, or as it arrives as JSON. */
export interface ProblemLike {
  readonly type: string
  readonly status: number
  readonly title?: string
  readonly detail?: string
  /** A `plan-limit` refusal: which limit, what it allows and what is used. */
  readonly limit?: { readonly name: string; readonly max: number; readonly used: number } | undefined
}

/** The last segment of a problem type: `bad-credentials`, `last-owner`, ... */
export const problemKind = (problem: ProblemLike): string => (problem.type.startsWith(PROBLEMS) ? problem.type.slice(PROBLEMS.length) : "")

/** Problem kinds whose own words we have in both languages; the rest show the API's detail. */
const known: Partial<Record<ProblemKind, () => string>> = {
  "bad-credentials": () => m.dash_signin_bad_credentials(),
  "bad-code": () => m.dash_code_wrong(),
  "code-reused": () => m.dash_code_reused(),
  "wrong-code": () => m.dash_error_wrong_code(),
  "code-expired": () => m.dash_error_code_expired(),
  "weak-password": () => m.dash_error_weak_password(),
  "email-taken": () => m.dash_error_email_taken(),
  "identity-unavailable": () => m.dash_signin_identity_unavailable(),
  "invalid-request": () => m.dash_error_invalid_request(),
  "nested-too-deeply": () => m.dash_error_nested_too_deeply(),
  "role-not-allowed": () => m.dash_error_role_not_allowed(),
  "last-owner": () => m.dash_error_last_owner(),
  "member-not-found": () => m.dash_error_member_not_found(),
  "tenant-not-found": () => m.dash_error_tenant_not_found(),
  "invitation-not-found": () => m.dash_error_invitation_not_found(),
  "invitation-used": () => m.dash_error_invitation_used(),
  "invitation-expired": () => m.dash_error_invitation_expired(),
  "invitation-revoked": () => m.dash_error_invitation_revoked(),
  "already-member": () => m.dash_error_already_member(),
  "api-unavailable": () => m.dash_error_unavailable(),
  "database-unavailable": () => m.dash_error_unavailable(),
  "dependency-down": () => m.dash_error_unavailable(),
  "database-busy": () => m.dash_error_unavailable(),
  "tenant-busy": () => m.dash_error_unavailable(),
  "deadline-exceeded": () => m.dash_error_unavailable(),
  "tenant-slug-taken": () => m.admin_error_slug_taken(),
  "plan-not-found": () => m.admin_error_plan_not_found(),
  "invalid-domain": () => m.dash_domain_error_invalid(),
  "domain-refused": () => m.dash_domain_error_refused(),
  "domain-taken": () => m.dash_domain_error_taken(),
  "settings-changed": () => m.dash_settings_error_changed(),
  "domain-not-found": () => m.dash_domain_error_not_found(),
  "domain-not-verified": () => m.dash_domain_error_not_verified()
}

export const describeProblem = (problem: ProblemLike): string => {
  // The dashboard's notice of a plan limit: which one, and how much of it is used.
  if (problemKind(problem) === "plan-limit" && problem.limit !== undefined) {
    const locale = getLocale()
    return m.plan_limit_reached({
      limit: limitLabel(problem.limit.name),
      used: formatCountIn(problem.limit.used, locale),
      max: formatCountIn(problem.limit.max, locale)
    })
  }
  const words = known[problemKind(problem) as ProblemKind]
  if (words) return words()
  if (problem.status === 503) return m.dash_error_unavailable()
  return m.dash_error_with_detail({ detail: problem.detail ?? problem.title ?? String(problem.status) })
}

const isProblem = (failure: unknown): failure is ProblemLike =>
  typeof failure === "object" &&
  failure !== null &&
  typeof (failure as ProblemLike).type === "string" &&
  typeof (failure as ProblemLike).status === "number"

const tagOf = (failure: unknown) => (typeof failure === "object" && failure !== null ? (failure as { _tag?: unknown })._tag : undefined)

/**
 * What to tell the person about a failed call: our words for a known problem, the API's detail for
 * another, and a network message when the request never got an answer (the typed client's
 * `RequestError`, or `fetch` rejecting with a TypeError in the browser).
 */
export const describeFailure = (failure: unknown): string => {
  const carried = typeof failure === "object" && failure !== null ? (failure as { problem?: unknown }).problem : undefined
  if (isProblem(carried)) return describeProblem(carried)
  if (isProblem(failure)) return describeProblem(failure)
  const tag = tagOf(failure)
  // The web server could not reach the API: the service is down, not the person's connection.
  if (tag === "RequestError") return m.dash_error_unavailable()
  if (failure instanceof TypeError) return m.dash_error_network()
  // The typed client checks what it sends against the contract before sending it.
  if (tag === "ParseError" || tag === "HttpApiDecodeError") return m.dash_error_invalid_request()
  if (tag === "TimeoutException" || tag === "ResponseError") return m.dash_error_unavailable()
  return m.dash_error_with_detail({ detail: failure instanceof Error ? failure.message : String(failure) })
}
