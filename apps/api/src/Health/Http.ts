import { HttpApiBuilder } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { RedisClient } from "@manara/db"
import { Health, Liveness, ManaraApi, problem } from "@manara/domain"
import { Effect } from "effect"

export const HealthLive = HttpApiBuilder.group(ManaraApi, "health", (handlers) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const redis = yield* RedisClient
    const postgresUp = sql`select 1`.pipe(Effect.timeout("1 second"), Effect.as(true), Effect.orElseSucceed(() => false))
    return handlers
      .handle("check", () =>
        Effect.gen(function*() {
          const [postgres, redisUp] = yield* Effect.all([postgresUp, redis.ping], { concurrency: 2 })
          const checks = { postgres: postgres ? "up" : "down", redis: redisUp ? "up" : "down" } as const
          if (!postgres || !redisUp) {
            return yield* problem(503, "dependency-down", `postgres ${checks.postgres}, redis ${checks.redis}`)
          }
          return new Health({ status: "ok", checks })
        }))
      .handle("live", () => Effect.succeed(new Liveness({ status: "ok" })))
  }))
