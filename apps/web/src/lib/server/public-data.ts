import { env } from "$env/dynamic/private"
import { LRUCache } from "lru-cache"

/**
 * The storefront's public reads, remembered at the tenant's public version (docs/page-cache.md): an
 * uncached page at an unchanged version renders from memory, with no API call. A write bumps the
 * version, so the next request reads again.
 */

/** The tenant and the public version read for this request, before any of its data. */
export interface PublicVersionAt {
  readonly slug: string
  readonly version: string
}

interface Kept {
  readonly version: string
  readonly data: unknown
  readonly size: number
}

const MAX_BYTES = Number(env.PUBLIC_DATA_MAX_BYTES || 32 * 1024 * 1024)
/** Like the page cache's entries: no answer outlives a Redis outage by more than this. */
const MAX_AGE_MS = 10 * 60 * 1000

/** One entry per tenant and read: a newer version's answer replaces the older one. */
const kept = new LRUCache<string, Kept>({ max: 10_000, maxSize: MAX_BYTES, sizeCalculation: (entry) => entry.size, ttl: MAX_AGE_MS })
const loading = new Map<string, Promise<unknown>>()

/** An older load finishing late must not push out a newer version's answer. */
const newer = (version: string, than: Kept | undefined) => than === undefined || Number(version) >= Number(than.version)

/**
 * `load`'s answer for `read` (the endpoint's path and query) at `at`, loaded once per version;
 * concurrent misses share one load. Without a version (Redis unreadable, a host first seen) it loads.
 * The answer is shared between requests: callers never mutate it.
 */
export const rememberedRead = async <I>(at: PublicVersionAt | undefined, read: string, load: () => Promise<I>): Promise<I> => {
  if (at === undefined) return load()
  const key = `${at.slug}\u0000${read}`
  const found = kept.get(key)
  if (found?.version === at.version) return found.data as I
  const flight = `${key}\u0000${at.version}`
  const pending = loading.get(flight)
  if (pending !== undefined) return pending as Promise<I>
  const started = load()
    .then((data) => {
      // Sized as its JSON (UTF-16 in memory): counted once per version, not per page.
      if (newer(at.version, kept.get(key))) kept.set(key, { version: at.version, data, size: JSON.stringify(data).length * 2 + 256 })
      return data
    })
    .finally(() => loading.delete(flight))
  loading.set(flight, started)
  return started
}
