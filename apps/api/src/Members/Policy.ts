import { CurrentTenant, TenantSql } from "@manara/db"
import { CurrentUser, problem, type Role } from "@manara/domain"
import { Memberships, type TenantAccess } from "@manara/tenancy"
import { Context, Effect } from "effect"

/** The caller's membership in the tenant the request names: available to handlers after `asMember`. */
export class CurrentAccess extends Context.Tag("Api/CurrentAccess")<CurrentAccess, TenantAccess>() {}

/** Who may do what with a tenant's team. */
export const TeamPolicy = {
  list: ["owner", "admin", "member"],
  invitations: ["owner", "admin"],
  invite: ["owner", "admin"],
  changeRole: ["owner"],
  remove: ["owner"]
} as const satisfies Record<string, ReadonlyArray<Role>>

/**
 * The door for every tenant endpoint: the slug must name a tenant the caller belongs to (else 404,
 * never 403: a stranger learns nothing), the role must be allowed (else 403), an owner or admin must
 * have set up MFA first (else 403 `mfa-setup-required`).
 */
export const memberOf = (slug: string, allowed: ReadonlyArray<Role>) =>
  Effect.gen(function*() {
    const user = yield* CurrentUser
    const access = yield* (yield* Memberships).access(slug, user.id).pipe(
      Effect.catchTag("NotAMember", () => Effect.fail(problem(404, "tenant-not-found", "No such tenant")))
    )
    if (!allowed.includes(access.role)) {
      return yield* problem(403, "role-not-allowed", `A ${access.role} cannot do this`)
    }
    if ((access.role === "owner" || access.role === "admin") && !user.mfaEnabled) {
      return yield* problem(403, "mfa-setup-required", "Set up an authenticator app before managing this tenant")
    }
    return access
  })

/** `memberOf`, then `work` in the tenant's transaction. */
export const asMember = (slug: string, allowed: ReadonlyArray<Role>) =>
<A, E, R>(work: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const access = yield* memberOf(slug, allowed)
    const tenantSql = yield* TenantSql
    return yield* tenantSql.withTenant(access.tenantId, Effect.provideService(work, CurrentAccess, access))
  })

export { CurrentTenant }
