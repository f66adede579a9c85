import { Cause, Config, Duration, Effect, Layer, Option, Schedule } from "effect"
import { notifyTenants } from "./NotifyTenants.js"
import { Outbox } from "./Outbox.js"

const atLeastADay = (name: string, fallback: Duration.Duration) =>
  Config.duration(name).pipe(
    Config.withDefault(fallback),
    // A dedupe key guards only while its row is kept: a keep shorter than a day would let repeats through.
    Config.validate({
      message: `${name} must be at least 1 day`,
      validation: (keep) => Duration.greaterThanOrEqualTo(keep, Duration.days(1))
    })
  )

export const PurgeConfig = Config.all({
  enabled: Config.boolean("NOTIFY_DELIVERY").pipe(Config.withDefault(true)),
  /** How long a delivered row stays (in the delivery log, and as its dedupe key) after it was sent. */
  keepSent: atLeastADay("NOTIFY_KEEP_SENT", Duration.days(35)),
  /** How long a dead letter stays after it died: longer, as support and the "retry" button need it. */
  keepDead: atLeastADay("NOTIFY_KEEP_DEAD", Duration.days(90)),
  every: Config.duration("NOTIFY_PURGE_EVERY").pipe(Config.withDefault(Duration.hours(1))),
  /** Rows per statement (at most 5,000 in the database). */
  batch: Config.integer("NOTIFY_PURGE_BATCH").pipe(
    Config.withDefault(1000),
    Config.validate({ message: "NOTIFY_PURGE_BATCH must be between 1 and 5000", validation: (n) => n >= 1 && n <= 5000 })
  ),
  /** Statements per round; what is left waits for the next round, so a backlog never holds the database long. */
  maxBatches: Config.integer("NOTIFY_PURGE_MAX_BATCHES").pipe(
    Config.withDefault(20),
    Config.validate({ message: "NOTIFY_PURGE_MAX_BATCHES must be at least 1", validation: (n) => n >= 1 })
  ),
  tenants: Config.option(notifyTenants)
})

/**
 * Outbox retention: every `NOTIFY_PURGE_EVERY`, delete delivered rows older than `NOTIFY_KEEP_SENT` and
 * dead letters older than `NOTIFY_KEEP_DEAD`, a batch per statement (its own short transaction), until a
 * batch comes back short or `NOTIFY_PURGE_MAX_BATCHES` ran. Several workers may run it: rows one holds
 * are skipped by the others.
 */
export const OutboxPurgeLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const config = yield* PurgeConfig
    if (!config.enabled) return
    const outbox = yield* Outbox
    const only = Option.getOrUndefined(config.tenants)

    const round = Effect.gen(function* () {
      let deleted = 0
      for (let i = 0; i < config.maxBatches; i++) {
        const gone = yield* outbox.purge(config.keepSent, config.keepDead, config.batch, only)
        deleted += gone
        if (gone < config.batch) break
      }
      if (deleted > 0) yield* Effect.logInfo("outbox purged").pipe(Effect.annotateLogs({ deleted }))
    }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("outbox purge failed; next round", Cause.squash(cause))))

    yield* Effect.forkScoped(Effect.repeat(round, Schedule.spaced(config.every)))
  })
)
