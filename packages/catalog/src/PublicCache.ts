import { Cause, Config, Duration, Effect } from "effect"

const MAX_ENTRIES_PER_TENANT = 500

interface TenantEntries {
  /** Bumped by every invalidation: a load that started before it must not store its stale answer. */
  generation: number
  readonly entries: Map<string, { readonly expires: number; readonly value: unknown }>
}

/** A cached answer, and how many seconds past its TTL it is when the database could not give a fresh one. */
export interface Served<A> {
  readonly value: A
  readonly staleSeconds: number | undefined
}

/**
 * Public reads (catalog list, item page, proofs) are the same for every visitor of a tenant: kept
 * in-process for a few seconds, keyed by tenant first, and dropped for that tenant by every write
 * this process makes. Another process's writes show within the TTL. While the database is slow or
 * down, the last good copy is served for up to STALE_IF_ERROR past its TTL (docs/faults.md).
 */
export class PublicCache extends Effect.Service<PublicCache>()("Catalog/PublicCache", {
  effect: Effect.gen(function* () {
    // PUBLIC_CACHE_TTL "0 seconds" turns it off (the benchmark's uncached line).
    const ttl = Duration.toMillis(yield* Config.duration("PUBLIC_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(5))))
    const staleFor = Duration.toMillis(yield* Config.duration("STALE_IF_ERROR").pipe(Config.withDefault(Duration.minutes(5))))
    // With a stale copy at hand, a fresh one is not waited for longer than this.
    const staleWait = yield* Config.duration("PUBLIC_CACHE_STALE_WAIT").pipe(Config.withDefault(Duration.seconds(1)))
    const tenants = new Map<string, TenantEntries>()
    const tenant = (tenantId: string) => {
      let found = tenants.get(tenantId)
      if (found === undefined) tenants.set(tenantId, (found = { generation: 0, entries: new Map() }))
      return found
    }

    const serve = <A, E, R>(tenantId: string, key: string, load: Effect.Effect<A, E, R>): Effect.Effect<Served<A>, E, R> =>
      Effect.suspend(() => {
        const cache = tenant(tenantId)
        const hit = cache.entries.get(key)
        const now = Date.now()
        if (hit !== undefined && hit.expires > now) return Effect.succeed({ value: hit.value as A, staleSeconds: undefined })
        const generation = cache.generation
        const fresh = Effect.map(
          Effect.tap(load, (value) =>
            Effect.sync(() => {
              if (cache.generation !== generation || ttl <= 0) return
              if (cache.entries.size >= MAX_ENTRIES_PER_TENANT) cache.entries.clear()
              cache.entries.set(key, { expires: Date.now() + ttl, value })
            })
          ),
          (value): Served<A> => ({ value, staleSeconds: undefined })
        )
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

    const invalidate = (tenantId: string) =>
      Effect.sync(() => {
        const cache = tenant(tenantId)
        cache.generation++
        cache.entries.clear()
      })

    return { serve, through, invalidate } as const
  })
}) {}
