import { Config, Effect, Redacted } from "effect"
import { Redis } from "ioredis"

export const redisUrl = Config.redacted("REDIS_URL").pipe(Config.withDefault(Redacted.make("redis://127.0.0.1:6379")))

/** Put before every key: deployments (and test runs) sharing one Redis never see each other's counters. */
export const redisKeyPrefix = Config.string("REDIS_KEY_PREFIX").pipe(Config.withDefault("manara:"))

/**
 * One Redis connection for caches, quotas and rate limits. Commands fail at once while Redis is
 * down (no offline queue), so a health check or a cache read never hangs on it.
 */
export class RedisClient extends Effect.Service<RedisClient>()("Db/RedisClient", {
  scoped: Effect.gen(function* () {
    const url = yield* redisUrl
    const keyPrefix = yield* redisKeyPrefix
    const client = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Redis(Redacted.value(url), {
            lazyConnect: true,
            keyPrefix,
            enableOfflineQueue: false,
            // Commands issued in the same tick (a capture's two rate counters) share one write and one read.
            enableAutoPipelining: true,
            maxRetriesPerRequest: 1,
            connectTimeout: 2000,
            retryStrategy: (attempt) => Math.min(attempt * 200, 2000)
          })
      ),
      (client) => Effect.promise(() => client.quit().catch(() => client.disconnect()))
    )
    client.on("error", () => {}) // reconnects by itself; health reports the state
    yield* Effect.promise(() => client.connect().catch(() => undefined))
    const ping = Effect.tryPromise(() => client.ping()).pipe(
      Effect.timeout("1 second"),
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    )
    return { client, ping } as const
  })
}) {}
