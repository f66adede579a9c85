import { redisChannel } from "@manara/db"
import type { AssistantMessage } from "@manara/domain"
import { Effect, Stream } from "effect"

export interface ConversationEvent {
  readonly tenantId: string
  readonly conversationId: string
  readonly message: AssistantMessage
}

const CHANNEL = "manara:assistant"

/**
 * Staff replies, as they commit, for the widgets that are open: on a Redis channel (`redisChannel`, as
 * the live inbox), so whichever API process holds the visitor's stream hears it.
 */
export class AssistantEvents extends Effect.Service<AssistantEvents>()("Assistant/AssistantEvents", {
  scoped: Effect.gen(function* () {
    const channel = yield* redisChannel<ConversationEvent>(CHANNEL)
    const forConversation = (tenantId: string, conversationId: string) =>
      channel.events.pipe(
        Stream.filter((event) => event.tenantId === tenantId && event.conversationId === conversationId),
        Stream.map((event) => event.message)
      )
    return { publish: channel.publish, forConversation } as const
  })
}) {}
