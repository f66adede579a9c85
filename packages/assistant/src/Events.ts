import { RedisClient } from "@manara/db"
import type { AssistantMessage } from "@manara/domain"
import { Effect, PubSub, Stream } from "effect"

export interface ConversationEvent {
  readonly tenantId: string
  readonly conversationId: string
  readonly message: AssistantMessage
}

const CHANNEL = "manara:assistant"

/**
 * Staff replies, as they commit, for the widgets that are open: published to Redis (the live inbox's
 * way, `CaptureEvents`), so whichever API process holds the visitor's stream hears it.
 */
export class AssistantEvents extends Effect.Service<AssistantEvents>()("Assistant/AssistantEvents", {
  scoped: Effect.gen(function* () {
    const { client } = yield* RedisClient
    const hub = yield* PubSub.unbounded<ConversationEvent>()
    // A subscribed Redis connection can do nothing else: a second one, for listening only.
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => client.duplicate({ lazyConnect: true, enableOfflineQueue: true })),
      (connection) => Effect.promise(() => connection.quit().catch(() => connection.disconnect()))
    )
    subscriber.on("error", () => {})
    subscriber.on("message", (_, message: string) => {
      try {
        hub.unsafeOffer(JSON.parse(message) as ConversationEvent)
      } catch {
        // Not ours to understand: ignored.
      }
    })
    yield* Effect.promise(() => subscriber.subscribe(CHANNEL).catch(() => undefined))

    /** After the reply committed; a lost event only means the widget shows it on its next load. */
    const publish = (event: ConversationEvent) =>
      Effect.sync(() => {
        client.publish(CHANNEL, JSON.stringify(event)).catch(() => 0)
      })

    const forConversation = (tenantId: string, conversationId: string) =>
      Stream.fromPubSub(hub).pipe(
        Stream.filter((event) => event.tenantId === tenantId && event.conversationId === conversationId),
        Stream.map((event) => event.message)
      )

    return { publish, forConversation } as const
  })
}) {}
