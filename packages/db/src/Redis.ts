import { Config, Effect, Redacted } from "effect"
import type { RedisOptions } from "ioredis"
import { connectRedis, type RedisConnection, type RedisTarget, subscriberRedis } from "./RedisConnection.js"

export * from "./RedisConnection.js"

export const redisUrl = Config.redacted("REDIS_URL").pipe(Config.withDefault(Redacted.make("redis://127.0.0.1:6379")))

/** `REDIS_CLUSTER=true`: `REDIS_URL` is a Redis Cluster's seed (ElastiCache's configuration endpoint), not a single node. */
export const redisCluster = Config.boolean("REDIS_CLUSTER").pipe(Config.withDefault(false))

/** Put before every key: deployments (and test runs) sharing one Redis never see each other's counters. */
export const redisKeyPrefix = Config.string("REDIS_KEY_PREFIX").pipe(Config.withDefault("manara:"))

/**
 * One Redis connection for caches, quotas and rate limits: a single node, or a Redis Cluster
 * (`REDIS_CLUSTER`). Commands fail at once while Redis is down (no offline queue), so a health check or
 * a cache read never hangs on it. On a cluster every command names one key or keys of one hash tag.
 */
export class RedisClient extends Effect.Service<RedisClient>()("Db/RedisClient", {
  scoped: Effect.gen(function* () {
    const target: RedisTarget = { url: Redacted.value(yield* redisUrl), cluster: yield* redisCluster }
    const keyPrefix = yield* redisKeyPrefix
    const client: RedisConnection = yield* Effect.acquireRelease(
      Effect.sync(() =>
        connectRedis(target, {
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
    /** A connection of its own for SUBSCRIBE, closed with the caller's scope (`subscriberRedis`). */
    const subscriber = (options: RedisOptions = {}) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const connection = subscriberRedis(target, { lazyConnect: true, enableOfflineQueue: true, connectTimeout: 2000, ...options })
          connection.on("error", () => {})
          return connection
        }),
        (connection) => Effect.promise(() => connection.quit().catch(() => connection.disconnect()))
      )
    return { client, ping, subscriber, cluster: target.cluster } as const
  })
}) {}
