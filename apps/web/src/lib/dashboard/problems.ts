import { m } from "$lib/paraglide/messages.js"
import { ApiProblem } from "$lib/session.svelte.js"

/** Problem kinds whose own words we have in both languages; the rest show the API's detail. */
const known: Record<string, () => string> = {
  "bad-credentials": () => m.dash_signin_bad_credentials(),
  "bad-code": () => m.dash_code_wrong(),
  "code-reused": () => m.dash_code_reused(),
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
  "already-member": () => m.dash_error_already_member(),
  "api-unavailable": () => m.dash_error_unavailable(),
  "database-unavailable": () => m.dash_error_unavailable(),
  "dependency-down": () => m.dash_error_unavailable()
}

/**
 * What to tell the person about a failed call: our words for a known problem, the API's detail for
 * another, and a network message when the request never got an answer (`fetch` rejects with a TypeError).
 */
export const describeFailure = (failure: unknown): string => {
  if (failure instanceof ApiProblem) {
    const words = known[failure.kind]
    if (words) return words()
    if (failure.problem.status === 503) return m.dash_error_unavailable()
    return m.dash_error_with_detail({ detail: failure.problem.detail ?? failure.problem.title ?? String(failure.problem.status) })
  }
  if (failure instanceof TypeError) return m.dash_error_network()
  return m.dash_error_with_detail({ detail: failure instanceof Error ? failure.message : String(failure) })
}
