import { redisChannel } from "@manara/db"
import { Effect, Stream } from "effect"

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
    const channel = yield* redisChannel<CaptureEvent>(CHANNEL)
    const forTenant = (tenantId: string) => channel.events.pipe(Stream.filter((event) => event.tenantId === tenantId))
    return { publish: channel.publish, forTenant } as const
  })
}) {}
