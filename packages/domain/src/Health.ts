import { Schema } from "effect"

export const DependencyState = Schema.Literal("up", "down")

/** `saturated`: Postgres answers, but requests are waiting for (or being refused) a pooled connection. */
export const PoolState = Schema.Literal("ok", "saturated")

export class Health extends Schema.Class<Health>("Health")({
  /** `busy` when the pool is saturated: still ready, but shedding some load. */
  status: Schema.Literal("ok", "busy"),
  checks: Schema.Struct({ postgres: DependencyState, redis: DependencyState, pool: PoolState })
}) {}

export class Liveness extends Schema.Class<Liveness>("Liveness")({
  status: Schema.Literal("ok")
}) {}
