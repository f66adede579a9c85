import { Schema } from "effect"

export const DependencyState = Schema.Literal("up", "down")

export class Health extends Schema.Class<Health>("Health")({
  status: Schema.Literal("ok"),
  checks: Schema.Struct({ postgres: DependencyState, redis: DependencyState })
}) {}

export class Liveness extends Schema.Class<Liveness>("Liveness")({
  status: Schema.Literal("ok")
}) {}
