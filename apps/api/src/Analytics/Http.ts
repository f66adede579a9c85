import { HttpApiBuilder } from "@effect/platform"
import { Kpis, Traffic } from "@manara/analytics"
import { AnalyticsPolicy, CurrentStorefront, ManaraApi } from "@manara/domain"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { inTenant } from "../Tenancy/Middleware.js"

/** The web server's batches of visits and events, for the storefront its host names. */
export const TrafficLive = HttpApiBuilder.group(ManaraApi, "traffic", (handlers) =>
  Effect.gen(function* () {
    const traffic = yield* Traffic
    return handlers.handle("record", ({ payload }) =>
      Effect.flatMap(CurrentStorefront, (tenant) => traffic.record(tenant.id, payload)).pipe(asProblem)
    )
  })
).pipe(Layer.provide(Traffic.Default))

export const AnalyticsLive = HttpApiBuilder.group(ManaraApi, "analytics", (handlers) =>
  Effect.gen(function* () {
    const kpis = yield* Kpis
    return handlers.handle("kpis", ({ urlParams }) => kpis.figures(urlParams).pipe(inTenant(AnalyticsPolicy.read), asProblem))
  })
).pipe(Layer.provide(Kpis.Default))
