import { redisChannel } from "@manara/db"
import { Effect, Stream } from "effect"

export interface CaptureEvent {
  readonly tenantId: string
  readonly kind: "order" | "donation" | "pledge"
  readonly reference: string
  readonly amount: string
  /** When it was made (ISO, milliseconds): with the reference, the event's id on the staff's stream. */
  readonly at?: string
}

/** A capture event's SSE id, `<at>|<reference>`: the order replay after a reconnect follows. */
export const captureEventId = (event: { readonly at: string; readonly reference: string }) => `${event.at}|${event.reference}`

const EVENT_ID = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([A-Za-z0-9-]{1,40})$/

/** The instant and reference of a `Last-Event-ID` this stream gave out; undefined for anything else. */
export const parseCaptureEventId = (text: string | undefined) => {
  const match = EVENT_ID.exec(text ?? "")
  if (match === null || Number.isNaN(Date.parse(match[1]!))) return undefined
  return { at: match[1]!, reference: match[2]! }
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
