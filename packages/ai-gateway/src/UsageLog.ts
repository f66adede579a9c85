import type { TenantId } from "@manara/domain"
import { Cause, Chunk, Config, Deferred, Duration, Effect, Option, Queue, Schedule } from "effect"
import { AiUsage, type BudgetAlert, type UsageEntry } from "./Usage.js"

/** What the writer takes from its queue: a call's row (with its alerts), or a caller waiting for everything before it. */
type Item =
  | { readonly _tag: "Row"; readonly entry: UsageEntry; readonly alerts: ReadonlyArray<BudgetAlert> }
  | { readonly _tag: "Flush"; readonly done: Deferred.Deferred<void> }

export const UsageLogConfig = Config.all({
  /** Rows waiting to be written; past it a settling call waits for room (back-pressure), nothing is dropped. */
  queueSize: Config.integer("AI_USAGE_LOG_QUEUE").pipe(Config.withDefault(10_000)),
  /** Rows per write at most (one transaction per tenant in it). */
  batchSize: Config.integer("AI_USAGE_LOG_BATCH").pipe(Config.withDefault(500)),
  /**
   * How long the writer waits after a row for others to gather: at 100 calls/s it wrote one row per
   * transaction (1.5 ms of CPU each, ~15 % of a core), on the event loop the calls share.
   */
  linger: Config.duration("AI_USAGE_LOG_LINGER").pipe(Config.withDefault(Duration.millis(25))),
  /** How long shutdown waits for the queue to be written before it gives up (and logs how many rows were lost). */
  drainTimeout: Config.duration("AI_USAGE_LOG_DRAIN").pipe(Config.withDefault(Duration.seconds(10)))
})

/**
 * The `ai_usage_log` rows, written off the caller's path (docs/ai-gateway.md "The log, off the hot
 * path"): a call settles in Redis, hands its row to a bounded queue and is done; one fiber writes
 * whatever has gathered, one transaction per tenant, retrying while Postgres is away. Shutdown writes
 * what is left before the pool closes; after that, a row is written by its caller.
 */
export class AiUsageLog extends Effect.Service<AiUsageLog>()("AiGateway/AiUsageLog", {
  scoped: Effect.gen(function* () {
    const usage = yield* AiUsage
    const config = yield* UsageLogConfig
    const queue = yield* Queue.bounded<Item>(config.queueSize)
    let closed = false

    const write = (rows: ReadonlyArray<Extract<Item, { _tag: "Row" }>>) => {
      const byTenant = new Map<TenantId, Array<Extract<Item, { _tag: "Row" }>>>()
      for (const row of rows) {
        const list = byTenant.get(row.entry.tenantId)
        if (list === undefined) byTenant.set(row.entry.tenantId, [row])
        else list.push(row)
      }
      return Effect.forEach(
        byTenant,
        ([tenantId, list]) =>
          usage
            .recordMany(
              tenantId,
              list.map((row) => row.entry),
              list.flatMap((row) => row.alerts.map((alert) => ({ month: row.entry.month, alert })))
            )
            .pipe(
              // Postgres away or busy: the same rows again, sooner at first, then every 2 s (a row already in is skipped).
              Effect.tapError(() => Effect.logWarning(`AI usage log: ${list.length} rows not written yet; retrying`)),
              Effect.retry({ schedule: Schedule.union(Schedule.exponential("50 millis"), Schedule.spaced("2 seconds")) }),
              // A defect (a value that cannot be sent): this tenant's rows of the batch are logged as lost, the others still go.
              Effect.catchAllCause((cause) =>
                Cause.isInterruptedOnly(cause)
                  ? Effect.failCause(cause)
                  : Effect.logError(`AI usage log: ${list.length} rows of tenant ${tenantId} not written`, cause)
              )
            ),
        { discard: true }
      )
    }

    /** Writes a batch in queue order; a flush is answered once every row before it is in. */
    const writeBatch = (items: Iterable<Item>) =>
      Effect.gen(function* () {
        let rows: Array<Extract<Item, { _tag: "Row" }>> = []
        for (const item of items) {
          if (item._tag === "Row") {
            rows.push(item)
            continue
          }
          if (rows.length > 0) yield* write(rows)
          rows = []
          yield* Deferred.succeed(item.done, undefined)
        }
        if (rows.length > 0) yield* write(rows)
      }).pipe(
        // Whatever else went wrong: logged, and the writer carries on.
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.logError("AI usage log: rows not written", cause)
        )
      )

    /** Whatever has gathered: after the first row, up to `linger` more for others (a flush does not wait). */
    const take = Effect.flatMap(Queue.takeBetween(queue, 1, config.batchSize), (first) =>
      Duration.toMillis(config.linger) === 0 || first.length >= config.batchSize || Chunk.some(first, (item) => item._tag === "Flush")
        ? Effect.succeed<Iterable<Item>>(first)
        : Effect.sleep(config.linger).pipe(
            Effect.zipRight(Queue.takeUpTo(queue, config.batchSize - first.length)),
            Effect.map((more): Iterable<Item> => Chunk.appendAll(first, more))
          )
    )

    yield* take.pipe(Effect.flatMap(writeBatch), Effect.forever, Effect.forkScoped)

    const flushQueued = Effect.gen(function* () {
      const done = yield* Deferred.make<void>()
      yield* Queue.offer(queue, { _tag: "Flush", done })
      yield* Deferred.await(done)
    })

    /** Everything recorded before this call, written. */
    const flush = Effect.suspend(() => (closed ? Effect.void : flushQueued))

    // Added after the writer's fork, so it runs before the writer is interrupted: from here on callers
    // write their own rows, and what is queued is written.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return flushQueued.pipe(
          Effect.timeout(config.drainTimeout),
          Effect.catchAll(() =>
            Effect.logError(`AI usage log: ${Option.getOrElse(queue.unsafeSize(), () => 0)} rows not written at shutdown`)
          )
        )
      })
    )

    /** Hands a settled call's row to the writer; after shutdown began, writes it itself. */
    const record = (entry: UsageEntry, alerts: ReadonlyArray<BudgetAlert>) =>
      closed ? usage.record(entry, alerts) : Queue.offer(queue, { _tag: "Row", entry, alerts }).pipe(Effect.asVoid)

    return { record, flush } as const
  })
}) {}
