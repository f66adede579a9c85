import { RedisClient, redisKeyPrefix } from "@manara/db"
import { Effect } from "effect"

/** What changed about a tenant that its cached resolution (host, slug) must forget. */
export interface TenantChange {
  readonly tenantId: string
  readonly what: "created" | "status" | "domain" | "settings"
}

/**
 * Tenant changes every API process must see on its very next request (a suspension, a reactivation,
 * a custom domain added or removed, new colours): `announce` drops this process's tenant caches at
 * once and publishes on Redis; every process's subscriber drops its own as the message arrives.
 * `announce` waits for Redis's reply to PUBLISH, which comes after Redis has written the message to
 * every subscriber, so by the time the change's response leaves, the others already have it. A
 * resubscription (Redis restarted, messages may be lost) drops everything too; while Redis is
 * unreachable the caches' own TTL (`TENANT_CACHE_TTL`) is the bound.
 */
export class TenantChanges extends Effect.Service<TenantChanges>()("Tenancy/TenantChanges", {
  scoped: Effect.gen(function* () {
    const redis = yield* RedisClient
    const { client } = redis
    // Pub/sub channels are not key-prefixed by ioredis: the prefix keeps deployments (and test runs) apart.
    const channel = `${yield* redisKeyPrefix}tenant-changes`
    const listeners = new Set<Effect.Effect<void>>()
    // Synchronous: a request handled right after the message must not find the old answer.
    const forgetAll = () => {
      for (const listener of listeners) Effect.runSync(listener)
    }

    // A subscribed Redis connection can do nothing else: a second one, for listening only. On a Redis
    // Cluster it is one node: every node hears a PUBLISH made on any other.
    const subscriber = yield* redis.subscriber()
    subscriber.on("message", (from: string) => {
      if (from === channel) forgetAll()
    })
    let ready = 0
    // After a reconnect ioredis subscribes again, but what was published in between is lost.
    subscriber.on("ready", () => {
      if (ready++ > 0) forgetAll()
    })
    yield* Effect.promise(() => subscriber.subscribe(channel).catch(() => undefined))

    /** Run `forget` on every change, in this process or another (for as long as the caller's scope lives). */
    const listen = (forget: Effect.Effect<void>) =>
      Effect.acquireRelease(
        Effect.sync(() => listeners.add(forget)),
        () => Effect.sync(() => listeners.delete(forget))
      )

    /** After the change committed: every process forgets its cached tenants before the next request. */
    const announce = (change: TenantChange) =>
      Effect.sync(forgetAll).pipe(
        Effect.zipRight(
          Effect.tryPromise(() => client.publish(channel, JSON.stringify(change))).pipe(
            Effect.timeout("1 second"),
            Effect.catchAll((error) =>
              Effect.logWarning("tenant change not broadcast: other processes see it after TENANT_CACHE_TTL").pipe(
                Effect.annotateLogs({ tenantId: change.tenantId, what: change.what, error: String(error) })
              )
            )
          )
        )
      )

    return { listen, announce } as const
  })
}) {}
