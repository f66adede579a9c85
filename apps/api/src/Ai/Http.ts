import { HttpApiBuilder } from "@effect/platform"
import { AiReports } from "@manara/ai-gateway"
import { AiPolicy, ManaraApi } from "@manara/domain"
import { Effect } from "effect"
import { asProblem } from "../ProblemMapping.js"
import { allow } from "../Tenancy/Middleware.js"

/** The tenant's usage: the policy first, then the report (it reads Postgres in the tenant's transaction, Redis outside it). */
export const AiLive = HttpApiBuilder.group(ManaraApi, "ai", (handlers) =>
  Effect.gen(function* () {
    const reports = yield* AiReports
    return handlers.handle("usage", ({ urlParams }) =>
      allow(AiPolicy.read).pipe(
        Effect.flatMap((access) => reports.tenantUsage(access.tenantId, urlParams.month)),
        asProblem
      )
    )
  })
)
