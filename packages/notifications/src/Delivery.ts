import { PgClient } from "@effect/sql-pg"
import type { TenantId } from "@manara/domain"
import { Cause, Config, Context, Duration, Effect, Either, Layer, Metric, Option, Queue, Schedule, Stream } from "effect"
import { DeliveryFailed } from "./Errors.js"
import { Mailer, MailerSes } from "./Mailer.js"
import { notifyTenants } from "./NotifyTenants.js"
import { byTenant, type Channel, CHANNELS, type ClaimedRow, type Mark, Outbox, type RowContext } from "./Outbox.js"
import { OutboxPurgeLive } from "./Purge.js"
import { RemindersLive } from "./Reminders.js"
import { SecretsLive } from "./Secrets.js"
import { TelegramBot, TelegramBotLive } from "./Telegram.js"
import { isNotificationEvent, type Message, render } from "./Templates.js"

/** The PDF receipt of an order or a donation, for the donor's email; injected by whoever can render it. */
export class ReceiptPdfs extends Context.Tag("Notifications/ReceiptPdfs")<
  ReceiptPdfs,
  {
    readonly pdf: (
      tenantId: TenantId,
      kind: "order" | "donation",
      id: string
    ) => Effect.Effect<Option.Option<{ readonly reference: string; readonly pdf: Uint8Array }>>
  }
>() {}

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be at least 1`, validation: (n) => n >= 1 })
  )

export const DeliveryConfig = Config.all({
  /** Off: this process writes outbox rows but never sends them (another process does, or nobody). */
  enabled: Config.boolean("NOTIFY_DELIVERY").pipe(Config.withDefault(true)),
  batch: positive("NOTIFY_BATCH", 20),
  /** Sends in flight per channel. */
  concurrency: positive("NOTIFY_CONCURRENCY", 4),
  maxAttempts: positive("NOTIFY_MAX_ATTEMPTS", 8),
  /** How long a claim holds a row; unmarked by then (a crash), the row is due again. */
  lease: Config.duration("NOTIFY_LEASE").pipe(Config.withDefault(Duration.seconds(60))),
  /** The fallback when no NOTIFY wakes the fibers (a lost LISTEN connection, a row that became due). */
  poll: Config.duration("NOTIFY_POLL").pipe(Config.withDefault(Duration.seconds(5))),
  backoffBase: Config.duration("NOTIFY_BACKOFF_BASE").pipe(Config.withDefault(Duration.seconds(30))),
  backoffMax: Config.duration("NOTIFY_BACKOFF_MAX").pipe(Config.withDefault(Duration.hours(1))),
  /** Only these tenants' rows (comma-separated ids): a worker of its own for a large tenant, or a test. */
  tenants: Config.option(notifyTenants),
  /** Where the dashboard and the invitation page are. */
  webOrigin: Config.string("WEB_ORIGIN").pipe(Config.withDefault("http://localhost:5173")),
  /** A storefront's origin, `{slug}` replaced; by default `https://{slug}.` and PLATFORM_DOMAIN. */
  storefrontOrigin: Config.option(Config.string("STOREFRONT_ORIGIN")),
  platformDomain: Config.string("PLATFORM_DOMAIN").pipe(Config.withDefault("localhost"))
})
export type DeliveryConfig = Config.Config.Success<typeof DeliveryConfig>

/** Rows this process moved to dead letters: the worker publishes its growth as `OutboxDeadLetters`. */
export const deadLetters = Metric.counter("notification_dead_letters", {
  description: "Outbox rows moved to dead letters by this process",
  incremental: true
})

/** Exponential with jitter: base·2^(attempt-1), capped, then a random half to a whole of it. */
export const backoff = (attempt: number, base: Duration.Duration, max: Duration.Duration, random: () => number = Math.random) => {
  const ceiling = Math.min(Duration.toMillis(max), Duration.toMillis(base) * 2 ** Math.max(0, Math.min(attempt - 1, 30)))
  return Duration.millis(Math.round(ceiling * (0.5 + random() / 2)))
}

const trimOrigin = (origin: string) => origin.replace(/\/+$/, "")

/** The links a message carries, in the recipient's language (English pages live under /en). */
export const linksFor = (
  config: Pick<DeliveryConfig, "webOrigin" | "storefrontOrigin" | "platformDomain">,
  row: ClaimedRow,
  context: RowContext
) => {
  const prefix = row.locale === "en" ? "/en" : ""
  const slug = encodeURIComponent(context.letterhead.slug)
  const storefront = trimOrigin(
    Option.getOrElse(config.storefrontOrigin, () => `https://{slug}.${config.platformDomain}`).replaceAll("{slug}", slug)
  )
  const web = trimOrigin(config.webOrigin)
  const kind = typeof row.payload.kind === "string" ? row.payload.kind : undefined
  const id = typeof row.payload.id === "string" ? row.payload.id : undefined
  const token = typeof row.payload.token === "string" ? row.payload.token : undefined
  return {
    // A pledge's page is kept only in the browser that made it: its email carries no link to it.
    receipt:
      context.receiptToken === null || kind === "pledge"
        ? undefined
        : `${storefront}${prefix}/thanks/${encodeURIComponent(context.receiptToken)}`,
    dashboard:
      kind === undefined || id === undefined
        ? undefined
        : kind === "conversation"
          ? `${web}${prefix}/dashboard/${slug}/assistant/${encodeURIComponent(id)}`
          : `${web}${prefix}/dashboard/${slug}/inbox/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`,
    accept: token === undefined ? undefined : `${web}${prefix}/invite?tenant=${slug}&token=${encodeURIComponent(token)}`
  }
}

/**
 * The background fibers that drain the outbox: per channel, claim a batch (woken by LISTEN at once
 * after a commit, polling as the fallback), send with bounded concurrency, mark each row under its
 * own tenant. A failure goes back to pending with exponential backoff and jitter (or the provider's
 * `retry_after`), and after `NOTIFY_MAX_ATTEMPTS` it is dead with its last error. On shutdown the sends
 * in flight finish and are marked; the rest of the claim is released for the next worker.
 */
export const DeliveryLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const config = yield* DeliveryConfig
    if (!config.enabled) return
    const outbox = yield* Outbox
    const mailer = yield* Mailer
    const telegram = yield* TelegramBot
    const receipts = yield* Effect.serviceOption(ReceiptPdfs)
    const pg = yield* PgClient.PgClient
    const onlyTenants = Option.getOrUndefined(config.tenants)

    const send = (row: ClaimedRow, message: Message, context: RowContext): Effect.Effect<string, DeliveryFailed> =>
      row.channel === "telegram"
        ? telegram.sendMessage(context.telegramTokenRef, row.target, message.telegram, row.dedupeKey)
        : Effect.gen(function* () {
            const kind = row.payload.kind
            const wantsPdf =
              (row.event === "capture.receipt" || row.event === "payment.received") &&
              (kind === "order" || kind === "donation") &&
              typeof row.payload.id === "string"
            const pdf =
              wantsPdf && Option.isSome(receipts) ? yield* receipts.value.pdf(row.tenantId, kind, row.payload.id as string) : Option.none()
            return yield* mailer.send({
              to: row.target,
              ...message.email,
              idempotencyKey: row.dedupeKey,
              attachments: Option.match(pdf, {
                onNone: () => [],
                onSome: (receipt) => [{ filename: `${receipt.reference}.pdf`, contentType: "application/pdf", content: receipt.pdf }]
              })
            })
          })

    const fail = (row: ClaimedRow, failure: DeliveryFailed): Effect.Effect<Mark> => {
      const dead = failure.permanent || row.attempts >= config.maxAttempts
      const retryIn = failure.retryAfter ?? backoff(row.attempts, config.backoffBase, config.backoffMax)
      return Effect.logWarning(dead ? "notification dead-lettered" : "notification will be retried").pipe(
        Effect.zipLeft(dead ? Metric.increment(deadLetters) : Effect.void),
        Effect.annotateLogs({ outbox: row.id, tenant: row.tenantId, channel: row.channel, attempts: row.attempts, error: failure.message }),
        Effect.as<Mark>(
          dead ? { id: row.id, status: "dead", error: failure.message } : { id: row.id, status: "pending", error: failure.message, retryIn }
        )
      )
    }

    /** One row: word it and send it; the claim marks it. A defect leaves the row to its lease. */
    const deliver = (row: ClaimedRow, context: RowContext | undefined): Effect.Effect<Mark | undefined> =>
      Effect.gen(function* () {
        if (row.attempts > config.maxAttempts) {
          // Claimed again after leases ran out each time: a row that kills its worker stops here.
          return yield* fail(
            row,
            new DeliveryFailed({ message: `no worker finished it in ${config.maxAttempts} attempts`, permanent: true })
          )
        }
        if (!isNotificationEvent(row.event))
          return yield* fail(row, new DeliveryFailed({ message: `no words for ${row.event}`, permanent: true }))
        if (context === undefined) return yield* Effect.dieMessage("no context was read for this row")
        const message = render({
          event: row.event,
          locale: row.locale,
          letterhead: context.letterhead,
          payload: row.payload,
          project: context.project ?? undefined,
          links: linksFor(config, row, context)
        })
        const sent = yield* Effect.either(send(row, message, context))
        if (Either.isLeft(sent)) return yield* fail(row, sent.left)
        // The address is masked by the logger (maskPii): enough to tell which donor, never the address itself.
        yield* Effect.logDebug("notification sent").pipe(
          Effect.annotateLogs({ outbox: row.id, tenant: row.tenantId, event: row.event, channel: row.channel, target: row.target })
        )
        return { id: row.id, status: "sent", providerMessageId: sent.right } satisfies Mark
      }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.as(Effect.logError("notification delivery failed; the lease will bring it back", Cause.squash(cause)), undefined)
        )
      )

    /** The claim's outcomes, one statement per tenant; a lost database leaves them to their leases (sent again, same key). */
    const flush = (rows: ReadonlyArray<ClaimedRow>, marks: ReadonlyArray<Mark>) =>
      Effect.forEach(
        byTenant(rows),
        ([tenantId, mine]) => {
          const ids = new Set(mine.map((row) => row.id))
          return outbox
            .mark(
              tenantId,
              mine[0]!.leaseOwner,
              marks.filter((mark) => ids.has(mark.id))
            )
            .pipe(
              Effect.catchAllCause((cause) =>
                Effect.logError("could not mark sent notifications; their leases will bring them back", Cause.squash(cause))
              )
            )
        },
        { discard: true }
      )

    const wakers = new Map<string, Queue.Queue<void>>()
    for (const channel of CHANNELS) wakers.set(channel, yield* Queue.sliding<void>(1))

    /**
     * Claim once and deliver what came; each send finishes and is marked even when interrupted. The
     * claim itself may be interrupted (a shutdown during an outage must not wait on it): rows it took
     * anyway come back when their lease ends.
     */
    const round = (channel: Channel) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const rows = yield* restore(outbox.claim(channel, config.batch, config.lease, onlyTenants))
          if (rows.length === 0) return 0
          const started = new Set<string>()
          const marks: Array<Mark> = []
          yield* restore(
            Effect.gen(function* () {
              const contexts = new Map<string, RowContext>()
              for (const [tenantId, mine] of byTenant(rows)) {
                const read = yield* Effect.either(outbox.contexts(tenantId, mine))
                if (Either.isRight(read)) for (const [id, context] of read.right) contexts.set(id, context)
                else yield* Effect.logError("could not read a tenant's notification context; its rows wait for their lease", read.left)
              }
              yield* Effect.forEach(
                rows.filter((row) => contexts.has(row.id) || row.attempts > config.maxAttempts || !isNotificationEvent(row.event)),
                (row) =>
                  Effect.uninterruptible(
                    Effect.sync(() => started.add(row.id)).pipe(
                      Effect.zipRight(deliver(row, contexts.get(row.id))),
                      Effect.tap((mark) => Effect.sync(() => mark !== undefined && marks.push(mark)))
                    )
                  ),
                { concurrency: config.concurrency, discard: true }
              )
            })
          ).pipe(
            // Also on shutdown: what was sent is marked, what was not started is released.
            Effect.ensuring(Effect.suspend(() => flush(rows, marks))),
            Effect.onInterrupt(() =>
              outbox
                .release(rows.filter((row) => !started.has(row.id)))
                .pipe(Effect.catchAllCause((cause) => Effect.logWarning("could not release a claim; its lease will", Cause.squash(cause))))
            )
          )
          return rows.length
        })
      )

    const drain = (channel: Channel) =>
      round(channel).pipe(
        // A lost database: try again sooner at first, then at the polling pace.
        Effect.retry(Schedule.exponential(Duration.millis(100)).pipe(Schedule.jittered, Schedule.union(Schedule.spaced(config.poll)))),
        Effect.flatMap((claimed) =>
          claimed > 0 ? Effect.void : Effect.raceFirst(Queue.take(wakers.get(channel)!), Effect.sleep(config.poll))
        ),
        Effect.forever
      )

    // A commit that wrote outbox rows wakes the channels it names at once.
    yield* pg.listen("notification_outbox").pipe(
      Stream.runForEach((payload) => Effect.forEach(payload.split(","), (channel) => wakers.get(channel)?.offer(undefined) ?? Effect.void)),
      Effect.catchAllCause((cause) => Effect.logWarning("LISTEN notification_outbox lost; polling meanwhile", Cause.squash(cause))),
      Effect.repeat(Schedule.spaced(config.poll)),
      Effect.forkScoped
    )
    for (const channel of CHANNELS) yield* Effect.forkScoped(drain(channel))
  })
)

/** The fibers with their channels (SES v2 and the Bot API, configured from the environment), the pledge reminders and the outbox purge. */
export const NotificationsLive = Layer.mergeAll(
  Layer.merge(DeliveryLive, OutboxPurgeLive).pipe(
    Layer.provide(Layer.mergeAll(Outbox.Default, MailerSes, TelegramBotLive.pipe(Layer.provide(SecretsLive))))
  ),
  RemindersLive
)
