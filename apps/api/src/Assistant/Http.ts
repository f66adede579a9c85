import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Assistant, type ChatResult, Faqs } from "@manara/assistant"
import { PublicCache } from "@manara/catalog"
import { currentRequestMeta, TenantSql } from "@manara/db"
import { AssistantPolicy, CurrentAccess, CurrentStorefront, ManaraApi } from "@manara/domain"
import { Effect, FiberRef, Layer, Schedule, Stream } from "effect"
import { Drain } from "../Drain.js"
import { asProblem } from "../ProblemMapping.js"
import { allow, inStorefront, inTenant } from "../Tenancy/Middleware.js"

const encoder = new TextEncoder()
/** One event; with an `id`, a reconnecting EventSource says in `Last-Event-ID` what it saw last. */
const sse = (event: string, data: unknown, id?: string) =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n${id === undefined ? "" : `id: ${id}\n`}\n`
const SSE_HEADERS = { "cache-control": "no-store", "x-accel-buffering": "no" }

/** The answer's text in parts (a few words each), as a model streams it. */
const parts = (text: string): Array<string> => text.match(/(?:\S+\s*){1,4}|\s+/gu) ?? []

/** A finished chat turn as the stream's events, in the contract's order. */
const chatEvents = (result: ChatResult): Array<string> => [
  sse("conversation", result.conversation),
  ...parts(result.text).map((delta) => sse("text", { delta })),
  sse("citations", result.citations),
  ...(result.handoff === undefined ? [] : [sse("handoff", { reason: result.handoff })]),
  sse("done", { outcome: result.outcome, usage: result.usage })
]

/**
 * The visitor's side. The chat's work (retrieval, the model through the gateway, the guardrail, the
 * writes) is done before the response starts, so refusals (404, 429, 503) are problems, not a broken
 * stream, and no unchecked word reaches the visitor.
 */
export const AssistantLive = HttpApiBuilder.group(ManaraApi, "assistant", (handlers) =>
  Effect.gen(function* () {
    const assistant = yield* Assistant
    const faqs = yield* Faqs
    const drain = yield* Drain
    return (
      handlers
        // Published content: not behind the assistant's on/off switch, which only governs the chat.
        .handle("faqs", () => faqs.published.pipe(inStorefront, asProblem))
        .handle("chat", ({ payload }) =>
          Effect.gen(function* () {
            const storefront = yield* CurrentStorefront
            const meta = yield* FiberRef.get(currentRequestMeta)
            const name = payload.locale === "en" && storefront.name.en !== "" ? storefront.name.en : storefront.name.ar
            const result = yield* assistant.chat({ tenantId: storefront.id, name }, payload, meta.ip)
            return HttpServerResponse.stream(Stream.fromIterable(chatEvents(result)).pipe(Stream.map((text) => encoder.encode(text))), {
              contentType: "text/event-stream",
              headers: SSE_HEADERS
            })
          }).pipe(asProblem)
        )
        .handle("conversation", ({ path, urlParams }) =>
          assistant.publicConversation(path.conversationId, urlParams.token).pipe(inStorefront, asProblem)
        )
        .handle("handoff", ({ path, payload }) =>
          assistant.handoff(path.conversationId, payload.token, payload.email).pipe(inStorefront, asProblem)
        )
        .handle("events", ({ path, urlParams }) =>
          // No transaction stays open for a stream: the token is checked first, then staff replies arrive through Redis.
          Effect.gen(function* () {
            const storefront = yield* CurrentStorefront
            yield* assistant.verifyVisitor(path.conversationId, urlParams.token).pipe(inStorefront)
            const messages = assistant
              .liveMessages(storefront.id, path.conversationId)
              .pipe(Stream.map((message) => sse("message", message, message.id)))
            // A comment every 20 s keeps proxies from closing a quiet stream.
            const heartbeat = Stream.fromSchedule(Schedule.spaced("20 seconds")).pipe(Stream.map(() => ": keep-alive\n\n"))
            const drained = Stream.unwrap(
              Effect.map(drain.isDraining, (draining) => (draining ? Stream.make("retry: 1000\n\n") : Stream.empty))
            )
            const body = Stream.concat(Stream.make("retry: 3000\n\n"), Stream.merge(messages, heartbeat)).pipe(
              Stream.interruptWhen(drain.started),
              Stream.concat(drained),
              Stream.map((text) => encoder.encode(text))
            )
            return HttpServerResponse.stream(body, { contentType: "text/event-stream", headers: SSE_HEADERS })
          }).pipe(asProblem)
        )
    )
  })
).pipe(Layer.provide([Assistant.Default, Faqs.Default]))

/** The staff's side: FAQs, settings, conversations and replies, each under its policy in the tenant's transaction. */
export const AssistantStaffLive = HttpApiBuilder.group(ManaraApi, "assistantStaff", (handlers) =>
  Effect.gen(function* () {
    const assistant = yield* Assistant
    const faqs = yield* Faqs
    const tenantSql = yield* TenantSql
    const cache = yield* PublicCache
    // After the commit: the public version moves, so the storefront's cached FAQ page shows the change on the next request.
    const faqPageChanged = () => Effect.flatMap(CurrentAccess, (access) => cache.invalidate(access.tenantId, access.slug))
    return handlers
      .handle("faqs", () => faqs.list.pipe(inTenant(AssistantPolicy.read), asProblem))
      .handle("createFaq", ({ payload }) =>
        faqs.create(payload).pipe(inTenant(AssistantPolicy.faqs), Effect.tap(faqPageChanged), asProblem)
      )
      .handle("updateFaq", ({ path, payload }) =>
        faqs.update(path.faqId, payload).pipe(inTenant(AssistantPolicy.faqs), Effect.tap(faqPageChanged), asProblem)
      )
      .handle("deleteFaq", ({ path }) =>
        faqs.remove(path.faqId).pipe(inTenant(AssistantPolicy.faqs), Effect.tap(faqPageChanged), asProblem)
      )
      .handle("settings", () => assistant.settings.pipe(inTenant(AssistantPolicy.read), asProblem))
      .handle("updateSettings", ({ payload }) => assistant.updateSettings(payload).pipe(inTenant(AssistantPolicy.settings), asProblem))
      .handle("conversations", ({ urlParams }) => assistant.list(urlParams).pipe(inTenant(AssistantPolicy.read), asProblem))
      .handle("conversation", ({ path }) => assistant.detail(path.conversationId).pipe(inTenant(AssistantPolicy.read), asProblem))
      .handle("reply", ({ path, payload }) =>
        Effect.gen(function* () {
          const access = yield* allow(AssistantPolicy.reply)
          const message = yield* tenantSql.withTenant(access.tenantId, assistant.reply(path.conversationId, access.memberId, payload.body))
          // After the commit: the visitor's open widget shows it.
          yield* assistant.announce(access.tenantId, path.conversationId, message)
          return message
        }).pipe(asProblem)
      )
      .handle("setStatus", ({ path, payload }) =>
        assistant.setStatus(path.conversationId, payload.status).pipe(inTenant(AssistantPolicy.reply), asProblem)
      )
  })
).pipe(Layer.provide([Assistant.Default, Faqs.Default, PublicCache.Default]))
