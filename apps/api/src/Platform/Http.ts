import { HttpApiBuilder } from "@effect/platform"
import { CurrentUser, ManaraApi } from "@manara/domain"
import { PlatformTenants } from "@manara/tenancy"
import { Effect } from "effect"
import { asProblem } from "../ProblemMapping.js"

export const PlatformLive = HttpApiBuilder.group(ManaraApi, "platform", (handlers) =>
  Effect.gen(function*() {
    const tenants = yield* PlatformTenants
    return handlers.handle("tenants", () => Effect.flatMap(CurrentUser, tenants.list).pipe(asProblem))
  }))
