import { Cluster, Redis, type RedisOptions } from "ioredis"

/** What the app talks to: one Redis, or a Redis Cluster (ElastiCache with cluster mode enabled). */
export type RedisConnection = Redis | Cluster

/**
 * Where Redis is. `url`: `redis://` or `rediss://` (TLS), with the AUTH token (and user) in it. With
 * `cluster`, the URL is a seed, ElastiCache's configuration endpoint: the client learns every shard from it.
 */
export interface RedisTarget {
  readonly url: string
  readonly cluster: boolean
}

/** Reads `REDIS_CLUSTER` outside Effect as Effect's `Config.boolean` reads it inside (the API's): "true", "yes", "on", "1", "y". */
export const isClusterFlag = (value: string | undefined) => ["true", "yes", "on", "1", "y"].includes(value?.toLowerCase() ?? "")

/** The seed's address and what every node of the cluster needs too (TLS, AUTH): a cluster's nodes take it from here, not from the URL. */
const seedOf = (url: string) => {
  const parsed = new URL(url)
  const tls = parsed.protocol === "rediss:"
  const username = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  return {
    host: parsed.hostname,
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    node: {
      ...(username === "" ? {} : { username }),
      ...(password === "" ? {} : { password }),
      ...(tls ? { tls: {} } : {})
    } satisfies RedisOptions
  }
}

/**
 * A connection for commands. Single-node: an ioredis `Redis` on the URL. Cluster: an ioredis `Cluster`
 * seeded by the URL, each node connected with the URL's TLS and AUTH token, and the options below
 * (`keyPrefix`, the offline queue, pipelining, retries) applied as a single node would apply them.
 */
export const connectRedis = (target: RedisTarget, options: RedisOptions = {}): RedisConnection => {
  if (!target.cluster) return new Redis(target.url, options)
  const { host, port, node } = seedOf(target.url)
  const { keyPrefix, enableOfflineQueue, enableAutoPipelining, lazyConnect, retryStrategy, ...perNode } = options
  return new Cluster([{ host, port }], {
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(typeof retryStrategy === "function" ? { clusterRetryStrategy: (attempt: number) => retryStrategy(attempt) ?? null } : {}),
    // ElastiCache with TLS names its nodes by hostname: connect to the name, so the certificate matches it.
    dnsLookup: (address, callback) => callback(null, address),
    slotsRefreshTimeout: 2000,
    redisOptions: { ...perNode, ...node }
  })
}

/**
 * A connection for SUBSCRIBE only (a subscribed connection can do nothing else). Always one node: in a
 * Redis Cluster a PUBLISH on any node reaches the subscribers of every node, so the seed serves (on
 * ElastiCache the configuration endpoint, which names a live node again after a failover). It
 * reconnects by itself and says so with `ready`: what was published in between is lost.
 */
export const subscriberRedis = (target: RedisTarget, options: RedisOptions = {}): Redis => new Redis(target.url, options)
