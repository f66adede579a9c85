import { HttpApiBuilder } from "@effect/platform"
import { TenantSql } from "@manara/db"
import { CurrentAccess, CurrentUser, ManaraApi, problem, TeamPolicy } from "@manara/domain"
import { Members, Memberships } from "@manara/tenancy"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

export const MembersLive = HttpApiBuilder.group(ManaraApi, "members", (handlers) =>
  Effect.gen(function* () {
    const members = yield* Members
    const memberships = yield* Memberships
    const tenantSql = yield* TenantSql

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
).pipe(Layer.provide([Members.Default, Memberships.Default]))
