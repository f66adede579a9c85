import { HttpApiBuilder } from "@effect/platform"
import { PublicCache } from "@manara/catalog"
import { CurrentAccess, CurrentUser, ManaraApi, SettingsPolicy } from "@manara/domain"
import { TenantChanges, TenantSettingsService } from "@manara/tenancy"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

export const SettingsLive = HttpApiBuilder.group(ManaraApi, "settings", (handlers) =>
  Effect.gen(function* () {
    const settings = yield* TenantSettingsService
    const changes = yield* TenantChanges
    const cache = yield* PublicCache
    return handlers
      .handle("read", () => settings.read.pipe(inTenant(SettingsPolicy.read), asProblem))
      .handle("save", ({ payload }) =>
        Effect.gen(function* () {
          const user = yield* CurrentUser
          const saved = yield* settings.save(payload, user.id).pipe(inTenant(SettingsPolicy.manage))
          // Colours live in the host cache of every API process, the rest in the public read cache: both forget this tenant now.
          const access = yield* CurrentAccess
          yield* changes.announce({ tenantId: access.tenantId, what: "settings" })
          // The bump of the public version makes every API process and the web's page cache see it on the next request.
          yield* cache.invalidate(access.tenantId, access.slug)
          return saved
        }).pipe(asProblem)
      )
  })
).pipe(Layer.provide([TenantSettingsService.Default, PublicCache.Default]))
