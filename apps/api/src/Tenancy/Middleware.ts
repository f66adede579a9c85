import { HttpApiError, HttpServerRequest } from "@effect/platform"
import { noteRequestWho, TenantSql } from "@manara/db"
import {
  allows,
  CurrentAccess,
  CurrentStorefront,
  CurrentUser,
  needsMfa,
  type Policy,
  problem,
  StorefrontHeaders,
  StorefrontHost,
  TenantHeaders,
  TenantMembership
} from "@manara/domain"
import { Memberships, Storefronts } from "@manara/tenancy"
import { Effect, Layer, Option, ParseResult, Schema } from "effect"
import { toProblem } from "../ProblemMapping.js"

const notAMember = problem(404, "tenant-not-found", "No such tenant")
const unauthorized = problem(401, "invalid-token", "Sign in again: the access token is missing, invalid or expired")

/** The middleware runs before the endpoint decodes: a malformed header is refused here as the decoder would. */
const decodeHeaders = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknown(schema)
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => decode(request.headers)).pipe(
    Effect.catchIf(ParseResult.isParseError, (error) => HttpApiError.HttpApiDecodeError.refailParseError(error)),
    Effect.mapError(toProblem)
  )
}
const storefrontHeaders = decodeHeaders(StorefrontHeaders)
const tenantHeaders = decodeHeaders(TenantHeaders)

/** Host -> the storefront's tenant (cached by `Storefronts`). */
export const StorefrontHostLive = Layer.effect(
  StorefrontHost,
  Effect.gen(function* () {
    const storefronts = yield* Storefronts
    return Effect.gen(function* () {
      const headers = yield* storefrontHeaders
      return yield* storefronts.resolve(headers["x-forwarded-host"] ?? headers.host ?? "").pipe(
        Effect.tap((tenant) => noteRequestWho({ tenantId: tenant.id })),
        Effect.mapError(toProblem)
      )
    })
  })
).pipe(Layer.provide(Storefronts.Default))

/** `X-Tenant` -> the signed-in caller's membership (cached by `Memberships`: the hot path adds no query). */
export const TenantMembershipLive = Layer.effect(
  TenantMembership,
  Effect.gen(function* () {
    const memberships = yield* Memberships
    return Effect.gen(function* () {
      const headers = yield* tenantHeaders
      // Authentication runs first and provides the user; without it there is nobody to look up.
      const user = yield* Effect.serviceOption(CurrentUser)
      if (Option.isNone(user)) return yield* unauthorized
      return yield* memberships.access(headers["x-tenant"], user.value.id).pipe(
        Effect.tap((access) => noteRequestWho({ tenantId: access.tenantId })),
        Effect.mapError(() => notAMember)
      )
    })
  })
).pipe(Layer.provide(Memberships.Default))

/**
 * The endpoint's policy: the role must be allowed (else 403), an owner or admin must have set up MFA
 * first (else 403 `mfa-setup-required`).
 */
export const allow = (policy: Policy) =>
  Effect.gen(function* () {
    const access = yield* CurrentAccess
    if (!allows(policy, access.role)) return yield* problem(403, "role-not-allowed", `A ${access.role} cannot do this`)
    if (needsMfa(access.role) && !(yield* CurrentUser).mfaEnabled) {
      return yield* problem(403, "mfa-setup-required", "Set up an authenticator app before managing this tenant")
    }
    return access
  })

/** `allow`, then `work` in the tenant's transaction (through its reference lane when `work` takes a reference number). */
export const inTenant =
  (policy: Policy, options?: { readonly takesReference?: boolean }) =>
  <A, E, R>(work: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const access = yield* allow(policy)
      return yield* (yield* TenantSql).withTenant(access.tenantId, work, options)
    })

/** `work` in the transaction of the storefront's tenant. */
export const inStorefront = <A, E, R>(work: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const tenant = yield* CurrentStorefront
    return yield* (yield* TenantSql).withTenant(tenant.id, work)
  })
