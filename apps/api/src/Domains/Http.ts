import { HttpApiBuilder } from "@effect/platform"
import { PublicCache } from "@manara/catalog"
import { CurrentUser, ManaraApi, SettingsPolicy, type TenantAccess, type UserId } from "@manara/domain"
import { CustomDomains } from "@manara/tenancy"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { allow } from "../Tenancy/Middleware.js"

/** `/tenant/domain`: the role and MFA checked as for settings, then the service's rules. */
export const DomainsLive = HttpApiBuilder.group(ManaraApi, "domains", (handlers) =>
  Effect.gen(function* () {
    const domains = yield* CustomDomains
    const cache = yield* PublicCache
    /** A change: the service tells every API process's host caches; the public version moves for the web's page cache. */
    const changing = <A, E, R>(run: (access: TenantAccess, userId: UserId) => Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const access = yield* allow(SettingsPolicy.manage)
        const user = yield* CurrentUser
        const result = yield* run(access, user.id)
        yield* cache.invalidate(access.tenantId, access.slug)
        return result
      })
    return handlers
      .handle("read", () => Effect.flatMap(allow(SettingsPolicy.read), (access) => domains.read(access.tenantId)).pipe(asProblem))
      .handle("claim", ({ payload }) =>
        changing((access, userId) => domains.claim(access.tenantId, userId, payload.domain)).pipe(asProblem)
      )
      .handle("verify", () => changing((access, userId) => domains.verify(access.tenantId, userId)).pipe(asProblem))
      .handle("remove", () => changing((access, userId) => domains.remove(access.tenantId, userId)).pipe(asProblem))
  })
).pipe(Layer.provide([CustomDomains.Default, PublicCache.Default]))
