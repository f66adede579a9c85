import { HttpApiBuilder } from "@effect/platform"
import { LoginLimits } from "@manara/auth"
import { currentRequestMeta, TenantSql } from "@manara/db"
import { CurrentAccess, CurrentUser, InvitationPreview, ManaraApi, problem, TeamPolicy } from "@manara/domain"
import { Members, Memberships } from "@manara/tenancy"
import { Effect, FiberRef, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

export const MembersLive = HttpApiBuilder.group(ManaraApi, "members", (handlers) =>
  Effect.gen(function* () {
    const members = yield* Members
    const memberships = yield* Memberships
    const tenantSql = yield* TenantSql
    const limits = yield* LoginLimits

    return handlers
      .handle("list", () => members.list.pipe(inTenant(TeamPolicy.list), asProblem))
      .handle("invitations", () => members.openInvitations.pipe(inTenant(TeamPolicy.invitations), asProblem))
      .handle("invite", ({ payload }) =>
        Effect.gen(function* () {
          const access = yield* CurrentAccess
          if (payload.role === "owner" && access.role !== "owner") {
            return yield* problem(403, "role-not-allowed", "Only an owner can invite an owner")
          }
          return yield* members.invite(payload.email, payload.role, yield* CurrentUser)
        }).pipe(inTenant(TeamPolicy.invite), asProblem)
      )
      .handle("revokeInvitation", ({ path }) =>
        Effect.flatMap(CurrentUser, (user) => members.revoke(path.invitationId, user)).pipe(
          inTenant(TeamPolicy.revokeInvitation),
          asProblem
        )
      )
      .handle("changeRole", ({ path, payload }) =>
        Effect.gen(function* () {
          const access = yield* CurrentAccess
          const member = yield* members.changeRole(path.memberId, payload.role, yield* CurrentUser)
          yield* memberships.invalidate(access.tenantId, member.userId)
          return member
        }).pipe(inTenant(TeamPolicy.changeRole), asProblem)
      )
      .handle("remove", ({ path }) =>
        Effect.gen(function* () {
          const access = yield* CurrentAccess
          const removed = yield* members.remove(path.memberId, yield* CurrentUser)
          yield* memberships.invalidate(access.tenantId, removed.user_id)
        }).pipe(inTenant(TeamPolicy.remove), asProblem)
      )
      .handle("preview", ({ headers, payload }) =>
        // No sign-in: the token is the secret. An unknown tenant or token counts against the caller's IP.
        Effect.gen(function* () {
          const ip = (yield* FiberRef.get(currentRequestMeta)).ip ?? "unknown"
          return yield* limits.probing(
            ip,
            Effect.gen(function* () {
              const tenant = yield* memberships.tenant(headers["x-tenant"])
              const invitation = yield* tenantSql.withTenant(tenant.id, members.preview(payload.token))
              return new InvitationPreview({
                tenant: { slug: tenant.slug, name: tenant.name },
                email: invitation.email,
                role: invitation.role,
                expiresAt: invitation.expiresAt
              })
            }),
            (error) => error._tag === "NotAMember" || error._tag === "InvitationNotFound"
          )
        }).pipe(asProblem)
      )
      .handle("accept", ({ headers, payload }) =>
        // The invitee is not a member yet: the tenant is found by slug, the token checked under its RLS.
        Effect.gen(function* () {
          const user = yield* CurrentUser
          const tenant = yield* memberships.tenant(headers["x-tenant"])
          const member = yield* tenantSql.withTenant(tenant.id, members.accept(payload.token, user))
          yield* memberships.invalidate(tenant.id, user.id)
          return member
        }).pipe(asProblem)
      )
  })
).pipe(Layer.provide([Members.Default, Memberships.Default, LoginLimits.Default]))
