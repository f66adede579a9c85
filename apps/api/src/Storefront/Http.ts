import { HttpApiBuilder } from "@effect/platform"
import { PublicCache } from "@manara/catalog"
import { CurrentStorefront, ManaraApi, Storefront } from "@manara/domain"
import { TenantSettingsService } from "@manara/tenancy"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inStorefront } from "../Tenancy/Middleware.js"

export const StorefrontLive = HttpApiBuilder.group(ManaraApi, "storefront", (handlers) =>
  Effect.gen(function* () {
    const settings = yield* TenantSettingsService
    const cache = yield* PublicCache
    return handlers.handle("storefront", () =>
      Effect.gen(function* () {
        const tenant = yield* CurrentStorefront
        // Every page asks: kept with the tenant's public reads, which a settings change drops at once.
        const shown = yield* cache.through(tenant.id, "settings", inStorefront(settings.readPublic))
        return new Storefront({
          slug: tenant.slug,
          kind: tenant.kind,
          name: tenant.name,
          defaultLocale: tenant.defaultLocale,
          branding: tenant.branding,
          settings: shown
        })
      }).pipe(asProblem)
    )
  })
).pipe(Layer.provide([TenantSettingsService.Default, PublicCache.Default]))
