import { HttpApiBuilder } from "@effect/platform"
import { ManaraApi, Storefront } from "@manara/domain"
import { Storefronts } from "@manara/tenancy"
import { Effect } from "effect"
import { asProblem } from "../ProblemMapping.js"

export const StorefrontLive = HttpApiBuilder.group(ManaraApi, "storefront", (handlers) =>
  Effect.gen(function*() {
    const storefronts = yield* Storefronts
    return handlers.handle("storefront", ({ headers }) =>
      storefronts.resolve(headers["x-forwarded-host"] ?? headers.host ?? "").pipe(
        Effect.map((tenant) =>
          new Storefront({
            slug: tenant.slug,
            kind: tenant.kind,
            name: tenant.name,
            defaultLocale: tenant.defaultLocale,
            branding: tenant.branding
          })
        ),
        asProblem
      ))
  }))
