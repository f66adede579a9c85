import { HttpApiBuilder } from "@effect/platform"
import { probePostgres, RedisClient, TenantSql } from "@manara/db"
import { Health, Liveness, ManaraApi, problem } from "@manara/domain"
import { Effect } from "effect"

/** A refusal for saturation this recent still counts as a saturated pool. */
const SHED_MEMORY_MS = 5_000

export const HealthLive = HttpApiBuilder.group(ManaraApi, "health", (handlers) =>
  Effect.gen(function* () {
    const redis = yield* RedisClient
    const tenantSql = yield* TenantSql
    // Its own connection, not the pool's: a saturated pool is not a Postgres that is down.
    const postgresUp = yield* probePostgres
    const poolState = () => {
      const gate = tenantSql.gate()
      const shedding = gate.lastShedAt !== undefined && Date.now() - gate.lastShedAt < SHED_MEMORY_MS
      return gate.waiting > 0 || shedding ? ("saturated" as const) : ("ok" as const)
    }
    return handlers
      .handle("check", () =>
        Effect.gen(function* () {
          const [postgres, redisUp] = yield* Effect.all([postgresUp, redis.ping], { concurrency: 2 })
          const checks = { postgres: postgres ? "up" : "down", redis: redisUp ? "up" : "down", pool: poolState() } as const
          if (!postgres || !redisUp) {
            return yield* problem(503, "dependency-down", `postgres ${checks.postgres}, redis ${checks.redis}`)
          }
          return new Health({ status: checks.pool === "ok" ? "ok" : "busy", checks })
        })
      )
      .handle("live", () => Effect.succeed(new Liveness({ status: "ok" })))
  })
)
