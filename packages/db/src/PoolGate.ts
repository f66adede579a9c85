import { SqlError } from "@effect/sql/SqlError"
import { Duration, Effect } from "effect"

/**
 * Why the gate in front of the pool refused a transaction: the pool's queue was full or no connection
 * came within the acquire timeout (`saturated`, a 503), or the tenant already holds its share of the
 * pool and its own queue is full (`tenant-share`, a 429). Carried as the cause of a `SqlError`, so every
 * service's error type stays what it was and the edge maps it like an outage.
 */
export class PoolBusy extends Error {
  constructor(readonly reason: "saturated" | "tenant-share") {
    super(reason === "saturated" ? "The database pool is saturated" : "This tenant holds its share of the database pool")
  }
}

/** The `PoolBusy` behind an error, if that is what it is. */
export const poolBusyOf = (error: unknown): PoolBusy | undefined =>
  error instanceof SqlError && error.cause instanceof PoolBusy ? error.cause : undefined

interface Waiter {
  readonly tenantId: string
  readonly admit: () => void
}

/**
 * Counted permits with a capped queue of waiters: plain callbacks and one timer, so nothing can race.
 * A freed permit goes to the waiter whose tenant holds the fewest permits here, the oldest of those
 * first: a quiet tenant's one request is not queued behind a busy tenant's several (with one tenant,
 * as in a tenant's own queue, that is plain FIFO).
 */
class Permits {
  held = 0
  readonly waiting = new Set<Waiter>()
  /** Permits held per tenant, for the choice of the next waiter. */
  private readonly heldBy = new Map<string, number>()
  constructor(
    readonly size: number,
    readonly maxWaiting: number
  ) {}

  get idle() {
    return this.held === 0 && this.waiting.size === 0
  }

  private take(tenantId: string) {
    this.held++
    this.heldBy.set(tenantId, (this.heldBy.get(tenantId) ?? 0) + 1)
  }

  enter(tenantId: string, until: number, full: () => SqlError, late: () => SqlError, settled: () => void): Effect.Effect<void, SqlError> {
    return Effect.async<void, SqlError>((resume) => {
      if (this.held < this.size && this.waiting.size === 0) {
        this.take(tenantId)
        return resume(Effect.void)
      }
      if (this.waiting.size >= this.maxWaiting) {
        settled()
        return resume(Effect.fail(full()))
      }
      let admitted = false
      const waiter: Waiter = {
        tenantId,
        admit: () => {
          admitted = true
          clearTimeout(timer)
          this.waiting.delete(waiter)
          this.take(tenantId)
          resume(Effect.void)
        }
      }
      const timer = setTimeout(
        () => {
          this.waiting.delete(waiter)
          settled()
          resume(Effect.fail(late()))
        },
        Math.max(0, until - Date.now())
      )
      this.waiting.add(waiter)
      return Effect.sync(() => {
        clearTimeout(timer)
        this.waiting.delete(waiter)
        // Interrupted after it was admitted but before it resumed: its permit goes on, not lost.
        if (admitted) this.leave(tenantId)
        settled()
      })
    })
  }

  leave(tenantId: string) {
    this.held--
    const left = (this.heldBy.get(tenantId) ?? 1) - 1
    if (left === 0) this.heldBy.delete(tenantId)
    else this.heldBy.set(tenantId, left)
    // The queue is capped (DATABASE_QUEUE_LIMIT), so one pass over it is cheap.
    let next: Waiter | undefined
    let fewest = Infinity
    for (const waiter of this.waiting) {
      const holds = this.heldBy.get(waiter.tenantId) ?? 0
      if (holds < fewest) {
        next = waiter
        fewest = holds
        if (holds === 0) break
      }
    }
    next?.admit()
  }
}

export interface PoolGateOptions {
  readonly poolSize: number
  readonly acquireTimeout: Duration.Duration
  readonly queueLimit: number
  readonly tenantShare: number
  readonly tenantQueueLimit: number
  /** How many of one tenant's reference-taking transactions may hold connections at once (at most its share). */
  readonly referenceLanes?: number
}

/** What `/health` reads: how full the gate is, and when it last refused for saturation. */
export interface PoolGateState {
  readonly size: number
  readonly held: number
  readonly waiting: number
  readonly lastShedAt: number | undefined
}

/**
 * The gate tenant transactions pass before they ask the pool for a connection: first the tenant's own
 * share (at most max(1, floor(size × share)) at once, a short queue behind), then the pool's (size − 1
 * permits, at most `queueLimit` waiting). A transaction that takes a reference number passes the
 * tenant's reference lane before all that: at most `referenceLanes` of one tenant's captures hold
 * connections at once, since past that they only wait for each other's counter row in Postgres, each
 * on a connection another tenant could use. The whole wait is bounded by the acquire timeout, so under
 * a held lock or a slow database requests are refused quickly instead of piling up inside the process.
 */
export const makePoolGate = (options: PoolGateOptions) => {
  const waitMillis = Duration.toMillis(options.acquireTimeout)
  // One connection stays outside the gate for the lookups that do not pass it (storefront host,
  // sessions, memberships): tenant work holding every connection would starve them behind it.
  const size = Math.max(1, options.poolSize - 1)
  const perTenant = Math.max(1, Math.floor(size * options.tenantShare))
  const lanes = Math.min(perTenant, Math.max(1, options.referenceLanes ?? perTenant))
  const pool = new Permits(size, options.queueLimit)
  const tenants = new Map<string, Permits>()
  const referenceLanes = new Map<string, Permits>()
  let lastShedAt: number | undefined

  const saturated = () => {
    lastShedAt = Date.now()
    return new SqlError({ cause: new PoolBusy("saturated"), message: "The database pool is saturated" })
  }
  const tenantFull = () => new SqlError({ cause: new PoolBusy("tenant-share"), message: "The tenant holds its share of the pool" })

  const permitsOf = (map: Map<string, Permits>, tenantId: string, count: number) => {
    let found = map.get(tenantId)
    if (found === undefined) map.set(tenantId, (found = new Permits(count, options.tenantQueueLimit)))
    return found
  }
  const forget = (map: Map<string, Permits>, tenantId: string, permits: Permits) => {
    if (permits.idle && map.get(tenantId) === permits) map.delete(tenantId)
  }

  /**
   * `effect` with a reference lane of its tenant (if it takes a reference), a permit of its tenant and
   * one of the pool, taken in that order before `until`; the waits are interruptible, the rest as
   * `effect` is.
   */
  const around = <A, E, R>(tenantId: string, effect: Effect.Effect<A, E, R>, takesReference = false): Effect.Effect<A, E | SqlError, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const until = Date.now() + waitMillis
        /** `inner` holding a permit of `permits`; a per-tenant set is dropped once idle. */
        const through = <A2, E2, R2>(
          permits: Permits,
          map: Map<string, Permits> | undefined,
          full: () => SqlError,
          inner: Effect.Effect<A2, E2, R2>
        ): Effect.Effect<A2, E2 | SqlError, R2> => {
          const settled = () => (map === undefined ? undefined : forget(map, tenantId, permits))
          return Effect.flatMap(restore(permits.enter(tenantId, until, full, full, settled)), () =>
            Effect.ensuring(
              inner,
              Effect.sync(() => {
                permits.leave(tenantId)
                settled()
              })
            )
          )
        }
        const inPool = through(pool, undefined, saturated, restore(effect))
        const inShare = through(permitsOf(tenants, tenantId, perTenant), tenants, tenantFull, inPool)
        return takesReference && lanes < perTenant
          ? through(permitsOf(referenceLanes, tenantId, lanes), referenceLanes, tenantFull, inShare)
          : inShare
      })
    )

  const state = (): PoolGateState => ({ size, held: pool.held, waiting: pool.waiting.size, lastShedAt })

  return { around, state, perTenant, referenceLanes: lanes } as const
}
