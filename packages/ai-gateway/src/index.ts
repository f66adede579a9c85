export * from "./Cost.js"
export * from "./Errors.js"
export * from "./Gateway.js"
export * from "./Models.js"
export * from "./Month.js"
export * from "./Plans.js"
export * from "./Quota.js"
export * from "./Usage.js"

import { Layer } from "effect"
import { Gateway } from "./Gateway.js"
import { AiPlans } from "./Plans.js"
import { AiQuota } from "./Quota.js"
import { AiUsage } from "./Usage.js"

/** The gateway and its parts; needs a `GatewayModel`, an `AiRedis`, the SQL client and `TenantSql`. */
export const AiGatewayLive = Gateway.Default.pipe(Layer.provideMerge(Layer.mergeAll(AiQuota.Default, AiPlans.Default, AiUsage.Default)))
