import { Config, Duration, Effect } from "effect"

const MAX_ENTRIES_PER_TENANT = 500

interface TenantEntries {
  /** Bumped by every invalidation: a load that started before it must not store its stale answer. */
  generation: number
  readonly entries: Map<string, { readonly expires: number; readonly value: unknown }>
}

/**
 * Public reads (catalog list, item page, proofs) are the same for every visitor of a tenant: kept
 * in-process for a few seconds, keyed by tenant first, and dropped for that tenant by every write
 * this process makes. Another process's writes show within the TTL.
 */
export class PublicCache extends Effect.Service<PublicCache>()("Catalog/PublicCache", {
  effect: Effect.gen(function*() {
    // PUBLIC_CACHE_TTL "0 seconds" turns it off (the benchmark's uncached line).
    const ttl = Duration.toMillis(yield* Config.duration("PUBLIC_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(5))))
    const tenants = new Map<string, TenantEntries>()
    const tenant = (tenantId: string) => {
      let found = tenants.get(tenantId)
      if (found === undefined) tenants.set(tenantId, found = { generation: 0, entries: new Map() })
      return found
    }

    const through = <A, E, R>(tenantId: string, key: string, load: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.suspend(() => {
        const cache = tenant(tenantId)
        const hit = cache.entries.get(key)
        if (hit !== undefined && hit.expires > Date.now()) return Effect.succeed(hit.value as A)
        const generation = cache.generation
        return Effect.tap(load, (value) =>
          Effect.sync(() => {
            if (cache.generation !== generation || ttl <= 0) return
            if (cache.entries.size >= MAX_ENTRIES_PER_TENANT) cache.entries.clear()
            cache.entries.set(key, { expires: Date.now() + ttl, value })
          }))
      })

    const invalidate = (tenantId: string) =>
      Effect.sync(() => {
        const cache = tenant(tenantId)
        cache.generation++
        cache.entries.clear()
      })

    return { through, invalidate } as const
  })
}) {}
