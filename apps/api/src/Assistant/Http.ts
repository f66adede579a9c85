import { HttpApiBuilder } from "@effect/platform"
import { ManaraApi, problem } from "@manara/domain"
import { Effect } from "effect"

// The contract first (issue 16): handlers answer 503 until the assistant's services land.
const notYet = () => Effect.fail(problem(503, "ai-unavailable", "The assistant is not ready yet"))

export const AssistantLive = HttpApiBuilder.group(ManaraApi, "assistant", (handlers) =>
  Effect.succeed(handlers.handle("chat", notYet).handle("conversation", notYet).handle("events", notYet).handle("handoff", notYet))
)

export const AssistantStaffLive = HttpApiBuilder.group(ManaraApi, "assistantStaff", (handlers) =>
  Effect.succeed(
    handlers
      .handle("faqs", notYet)
      .handle("createFaq", notYet)
      .handle("updateFaq", notYet)
      .handle("deleteFaq", notYet)
      .handle("settings", notYet)
      .handle("updateSettings", notYet)
      .handle("conversations", notYet)
      .handle("conversation", notYet)
      .handle("reply", notYet)
      .handle("setStatus", notYet)
  )
)
