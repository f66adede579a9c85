import { HttpApiBuilder } from "@effect/platform"
import { CurrentStorefront, ManaraApi, Storefront } from "@manara/domain"
import { Effect } from "effect"
import { asProblem } from "../ProblemMapping.js"

export const StorefrontLive = HttpApiBuilder.group(ManaraApi, "storefront", (handlers) =>
  Effect.sync(() => {
    return handlers.handle("storefront", () =>
      CurrentStorefront.pipe(
        Effect.map(
          (tenant) =>
            new Storefront({
              slug: tenant.slug,
              kind: tenant.kind,
              name: tenant.name,
              defaultLocale: tenant.defaultLocale,
              branding: tenant.branding
            })
        ),
        asProblem
      )
    )
  })
)
