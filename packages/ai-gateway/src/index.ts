export * from "./Cost.js"
export * from "./Errors.js"
export * from "./Gateway.js"
export * from "./Models.js"
export * from "./Month.js"
export * from "./Plans.js"
export * from "./PlatformSpend.js"
export * from "./Quota.js"
export * from "./Usage.js"
export * from "./UsageLog.js"

import { Layer } from "effect"
import { Gateway } from "./Gateway.js"
import { AiPlans } from "./Plans.js"
import { AiQuota } from "./Quota.js"
import { AiReports } from "./Reports.js"
import { AiUsage } from "./Usage.js"
import { AiUsageLog } from "./UsageLog.js"

/** The gateway and its parts; needs a `GatewayModel`, an `AiRedis`, the SQL client and `TenantSql`. */
export const AiGatewayLive = Layer.mergeAll(Gateway.Default, AiReports.Default).pipe(
  // The log's writer closes after the gateway and before the pool: what is queued at shutdown is written.
  Layer.provideMerge(AiUsageLog.Default),
  Layer.provideMerge(Layer.mergeAll(AiQuota.Default, AiPlans.Default, AiUsage.Default))
)
export * from "./Reports.js"

import { Config, Effect } from "effect"
import { AiRedis } from "./Quota.js"
import { ConfiguredModel } from "./Models.js"
import { AiSweeperLive } from "./Gateway.js"
import { budgetMonth } from "./Month.js"

/** At start, in the background: this month's counters of every tenant rebuilt from `ai_usage_log` where Redis has none. */
export const AiStartupRebuildLive = Layer.scopedDiscard(
  Effect.flatMap(Effect.zip(Gateway, Config.boolean("AI_REBUILD_AT_START").pipe(Config.withDefault(true))), ([gateway, atStart]) =>
    !atStart
      ? Effect.void
      : gateway.rebuildAll(budgetMonth(), false).pipe(
          Effect.tap((tenants) =>
            Effect.logInfo(`AI counters rebuilt from Postgres for ${tenants.filter((t) => t.written).length} tenants`)
          ),
          Effect.catchAllCause((cause) => Effect.logWarning("AI counters not rebuilt at start; each is rebuilt on its first call", cause)),
          Effect.forkScoped
        )
  )
)

/** The API's AI: the configured model, the shared Redis connection, the sweeper and the start-up rebuild. */
export const AiServicesLive = Layer.mergeAll(AiSweeperLive, AiStartupRebuildLive).pipe(
  Layer.provideMerge(AiGatewayLive),
  Layer.provide(ConfiguredModel),
  Layer.provideMerge(AiRedis.fromRedisClient)
)
