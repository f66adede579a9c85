import { RedisClient } from "@manara/db"
import { Cause, Config, Deferred, Duration, Effect, FiberId } from "effect"

/** The Redis counter of a tenant's public data (after the client's key prefix): the web's page cache keys on it too. */
export const publicVersionKey = (slug: string) => `public-version:${slug}`

const MAX_ENTRIES_PER_TENANT = 500

interface TenantEntries {
  /** Bumped by every invalidation: a load that started before it must not store its stale answer. */
  generation: number
  readonly entries: Map<string, { readonly expires: number; readonly value: unknown }>
  /** Loads under way: concurrent misses of one key wait for the one load, not each its own (no herd when an entry expires). */
  readonly loading: Map<string, { readonly generation: number; readonly done: Deferred.Deferred<unknown, unknown> }>
}

/** A cached answer, and how many seconds past its TTL it is when the database could not give a fresh one. */
export interface Served<A> {
  readonly value: A
  readonly staleSeconds: number | undefined
}

/**
 * Public reads (catalog list, item page, proofs) are the same for every visitor of a tenant: kept
 * in-process for a few seconds, keyed by tenant first, and dropped for that tenant by every write
 * this process makes. Every write also bumps the tenant's public version in Redis (`publicVersionKey`):
 * readers that put `version` in their keys (the public reads here, the web's page cache) see another
 * process's write on their next request. While the database is slow or
 * down, the last good copy is served for up to STALE_IF_ERROR past its TTL (docs/faults.md).
 */
export class PublicCache extends Effect.Service<PublicCache>()("Catalog/PublicCache", {
  effect: Effect.gen(function* () {
    // PUBLIC_CACHE_TTL "0 seconds" turns it off (the benchmark's uncached line).
    const ttl = Duration.toMillis(yield* Config.duration("PUBLIC_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(5))))
    const staleFor = Duration.toMillis(yield* Config.duration("STALE_IF_ERROR").pipe(Config.withDefault(Duration.minutes(5))))
    // With a stale copy at hand, a fresh one is not waited for longer than this.
    const staleWait = yield* Config.duration("PUBLIC_CACHE_STALE_WAIT").pipe(Config.withDefault(Duration.seconds(1)))
    const { client: redis } = yield* RedisClient
    const tenants = new Map<string, TenantEntries>()
    const tenant = (tenantId: string) => {
      let found = tenants.get(tenantId)
      if (found === undefined) tenants.set(tenantId, (found = { generation: 0, entries: new Map(), loading: new Map() }))
      return found
    }

    /**
     * One load per key and generation at a time, in a fiber of its own (a caller that goes away does not
     * cancel it for the others); the rest wait for its answer. Without it, every request between an
     * entry's expiry and the first reload's end started a transaction of its own: under load those
     * queued on the pool past PUBLIC_CACHE_STALE_WAIT and the reads were served stale.
     */
    const shared = <A, E, R>(cache: TenantEntries, key: string, generation: number, load: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.suspend(() => {
        const running = cache.loading.get(key)
        if (running !== undefined && running.generation === generation) return Deferred.await(running.done as Deferred.Deferred<A, E>)
        const done = Deferred.unsafeMake<A, E>(FiberId.none)
        cache.loading.set(key, { generation, done: done as Deferred.Deferred<unknown, unknown> })
        const settle = Effect.exit(load).pipe(
          Effect.flatMap((exit) =>
            Effect.sync(() => {
              if (cache.loading.get(key)?.done === done) cache.loading.delete(key)
            }).pipe(Effect.zipRight(Deferred.done(done, exit)))
          )
        )
        return Effect.zipRight(Effect.forkDaemon(settle), Deferred.await(done))
      })

    const serve = <A, E, R>(tenantId: string, key: string, load: Effect.Effect<A, E, R>): Effect.Effect<Served<A>, E, R> =>
      Effect.suspend(() => {
        const cache = tenant(tenantId)
        const hit = cache.entries.get(key)
        const now = Date.now()
        if (hit !== undefined && hit.expires > now) return Effect.succeed({ value: hit.value as A, staleSeconds: undefined })
        const generation = cache.generation
        const loaded = Effect.map(
          Effect.tap(load, (value) =>
            Effect.sync(() => {
              if (cache.generation !== generation || ttl <= 0) return
              if (cache.entries.size >= MAX_ENTRIES_PER_TENANT) cache.entries.clear()
              cache.entries.set(key, { expires: Date.now() + ttl, value })
            })
          ),
          (value): Served<A> => ({ value, staleSeconds: undefined })
        )
        const fresh = ttl <= 0 ? loaded : shared(cache, key, generation, loaded)
        if (hit === undefined || now - hit.expires > staleFor) return fresh
        // Stale on error: the database failed, timed out or refused; the last good copy answers instead.
        const stale = (reason: string) =>
          Effect.as(Effect.logWarning("public read served stale").pipe(Effect.annotateLogs({ tenantId, key, reason })), {
            value: hit.value as A,
            staleSeconds: Math.max(1, Math.round((Date.now() - hit.expires) / 1000))
          })
        return Effect.disconnect(fresh).pipe(
          Effect.timeoutFail({ duration: staleWait, onTimeout: () => "timeout" as const }),
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : stale(Cause.pretty(cause).split("\n")[0]!)
          )
        )
      }) as Effect.Effect<Served<A>, E, R>

    const through = <A, E, R>(tenantId: string, key: string, load: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.map(serve(tenantId, key, load), (served) => served.value)

    /** The tenant's public version ("0" before its first write); while Redis is down, "down": this process's generation still holds. */
    const version = (slug: string) =>
      Effect.tryPromise(() => redis.get(publicVersionKey(slug))).pipe(
        Effect.timeout("1 second"),
        Effect.map((found) => found ?? "0"),
        Effect.orElseSucceed(() => "down")
      )

    /**
     * After a committed write of the tenant's public data (catalog, proofs, captures that move totals,
     * settings): this process's copies go, and the version every process and web server keys on moves.
     */
    const invalidate = (tenantId: string, slug: string) =>
      Effect.zipRight(
        Effect.sync(() => {
          const cache = tenant(tenantId)
          cache.generation++
          cache.entries.clear()
        }),
        Effect.tryPromise(() => redis.incr(publicVersionKey(slug))).pipe(
          Effect.timeout("1 second"),
          Effect.catchAll((error) =>
            Effect.logWarning("public version not bumped").pipe(Effect.annotateLogs({ slug, error: String(error) }))
          )
        )
      )

    return { serve, through, invalidate, version } as const
  })
}) {}
