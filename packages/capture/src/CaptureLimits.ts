import { RateLimited } from "@manara/auth"
import { RedisClient } from "@manara/db"
import { Config, Effect } from "effect"
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"

const LimitsConfig = Config.all({
  perIp: Config.integer("CAPTURE_LIMIT_PER_IP").pipe(Config.withDefault(20)),
  perTenant: Config.integer("CAPTURE_LIMIT_PER_TENANT").pipe(Config.withDefault(600)),
  windowSeconds: Config.integer("CAPTURE_LIMIT_WINDOW_SECONDS").pipe(Config.withDefault(60))
})

/**
 * Captures per visitor IP (within a tenant) and per tenant, counted in Redis over a fixed window:
 * a flood from one address, or at one tenant, gets 429 with Retry-After before anything is written.
 */
export class CaptureLimits extends Effect.Service<CaptureLimits>()("Capture/CaptureLimits", {
  effect: Effect.gen(function* () {
    const { client } = yield* RedisClient
    const config = yield* LimitsConfig
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterRedis({ storeClient: client, useRedisPackage: false, keyPrefix, points, duration: config.windowSeconds })
    const byIp = limiter("rl:capture:ip", config.perIp)
    const byTenant = limiter("rl:capture:tenant", config.perTenant)

    const take = (limit: RateLimiterRedis, key: string, points: number) =>
      limit.consume(key).catch((rejection: unknown) =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the limiter's own rejection passes through as it came
        Promise.reject(
          rejection instanceof RateLimiterRes
            ? new RateLimited({
                limit: points,
                retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
                windowSeconds: config.windowSeconds
              })
            : rejection
        )
      )

    /** Keys are prefixed by tenant: one tenant's flood never blocks another's visitors. Both counters go to Redis together. */
    const admit = (tenantId: string, ip: string | null): Effect.Effect<void, RateLimited> =>
      Effect.promise(() =>
        Promise.all([take(byIp, `${tenantId}:${ip ?? "unknown"}`, config.perIp), take(byTenant, tenantId, config.perTenant)]).then(
          () => undefined,
          // Redis down: captures go on (the database still guards the data); the limit is best effort.
          (error: unknown) => (error instanceof RateLimited ? error : undefined)
        )
      ).pipe(Effect.flatMap((limited) => (limited === undefined ? Effect.void : Effect.fail(limited))))

    return { admit } as const
  })
}) {}
