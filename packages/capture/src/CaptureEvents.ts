import { RedisClient } from "@manara/db"
import { Effect, PubSub, Stream } from "effect"

export interface CaptureEvent {
  readonly tenantId: string
  readonly kind: "order" | "donation" | "pledge"
  readonly reference: string
  readonly amount: string
}

const CHANNEL = "manara:captures"

/**
 * New captures, as they commit, for the staff inboxes that are open: published to Redis (so every
 * API process hears every capture), fanned out in-process, and filtered by tenant for each listener.
 */
export class CaptureEvents extends Effect.Service<CaptureEvents>()("Capture/CaptureEvents", {
  scoped: Effect.gen(function* () {
    const { client } = yield* RedisClient
    const hub = yield* PubSub.unbounded<CaptureEvent>()
    // A subscribed Redis connection can do nothing else: a second one, for listening only.
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => client.duplicate({ lazyConnect: true, enableOfflineQueue: true })),
      (connection) => Effect.promise(() => connection.quit().catch(() => connection.disconnect()))
    )
    subscriber.on("error", () => {})
    subscriber.on("message", (_, message: string) => {
      try {
        hub.unsafeOffer(JSON.parse(message) as CaptureEvent) // no fiber per message: every capture comes back here
      } catch {
        // Not ours to understand: ignored.
      }
    })
    yield* Effect.promise(() => subscriber.subscribe(CHANNEL).catch(() => undefined))

    /**
     * After the capture committed, sent and not waited for: a lost event only means a reload shows it
     * (the inbox reads the database).
     */
    const publish = (event: CaptureEvent) =>
      Effect.sync(() => {
        client.publish(CHANNEL, JSON.stringify(event)).catch(() => 0)
      })

    const forTenant = (tenantId: string) => Stream.fromPubSub(hub).pipe(Stream.filter((event) => event.tenantId === tenantId))

    return { publish, forTenant } as const
  })
}) {}
