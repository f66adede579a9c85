import { HttpApiBuilder } from "@effect/platform"
import { AiReports } from "@manara/ai-gateway"
import { CurrentUser, ManaraApi, TenantId } from "@manara/domain"
import { PlatformTenants } from "@manara/tenancy"
import { Effect, Layer } from "effect"
import { asProblem } from "../ProblemMapping.js"

export const PlatformLive = HttpApiBuilder.group(ManaraApi, "platform", (handlers) =>
  Effect.gen(function* () {
    const tenants = yield* PlatformTenants
    const reports = yield* AiReports
    return handlers
      .handle("tenants", () => Effect.flatMap(CurrentUser, tenants.list).pipe(asProblem))
      .handle("aiUsage", ({ urlParams }) =>
        Effect.flatMap(CurrentUser, (user) => reports.platformUsage(user, urlParams.month)).pipe(asProblem)
      )
      .handle("setAiBudget", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => reports.setBudget(user, TenantId.make(path.tenantId), payload)).pipe(asProblem)
      )
  })
).pipe(Layer.provide(PlatformTenants.Default))
