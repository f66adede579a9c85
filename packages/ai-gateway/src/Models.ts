import { AiError, LanguageModel, Prompt, Response } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { FetchHttpClient } from "@effect/platform"
import { Chunk, Config, Context, Effect, Layer, Stream } from "effect"

export interface ModelCall {
  readonly prompt: Prompt.RawInput
  /** Always set: the plan's cap goes to the provider as `max_tokens` / `max_output_tokens`. */
  readonly maxOutputTokens: number
}

/** The one model the gateway calls, by its name in `ai_model_prices`. */
export class GatewayModel extends Context.Tag("AiGateway/GatewayModel")<
  GatewayModel,
  {
    readonly model: string
    readonly stream: (call: ModelCall) => Stream.Stream<Response.StreamPart<{}>, AiError.AiError>
  }
>() {}

const fromLanguageModel = (
  model: string,
  limit: (maxOutputTokens: number) => <A, E, R>(stream: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>
) =>
  Effect.map(LanguageModel.LanguageModel, (language) =>
    GatewayModel.of({
      model,
      stream: ({ maxOutputTokens, prompt }) => language.streamText({ prompt }).pipe(limit(maxOutputTokens))
    })
  )

/** A message of a prompt in any form a caller gives it (the gateway gives encoded ones). */
type PromptMessage = Prompt.Message | Prompt.MessageEncoded

const messagesOf = (prompt: Prompt.RawInput): ReadonlyArray<PromptMessage> =>
  typeof prompt === "string" ? [{ role: "user", content: prompt }] : Prompt.isPrompt(prompt) ? prompt.content : Array.from(prompt)

/**
 * A model built here, straight to `GatewayModel`: its parts are made typed, so nothing is decoded
 * (`@effect/ai`'s `LanguageModel` builds and compiles a schema of every part type on each call,
 * ~1 MB of garbage per call; docs/performance.md, the gateway line).
 */
const ownModel = (
  model: string,
  parts: (messages: ReadonlyArray<PromptMessage>, maxOutputTokens: number) => Stream.Stream<Response.StreamPart<{}>, AiError.AiError>
) =>
  Layer.succeed(
    GatewayModel,
    GatewayModel.of({ model, stream: ({ maxOutputTokens, prompt }) => Stream.suspend(() => parts(messagesOf(prompt), maxOutputTokens)) })
  )

const textDelta = (delta: string): Response.StreamPart<{}> => Response.makePart("text-delta", { id: "0", delta })
const finish = (reason: Response.FinishReason, inputTokens: number, outputTokens: number): Response.StreamPart<{}> =>
  Response.makePart("finish", {
    reason,
    // Built from numbers counted here: nothing to validate.
    usage: new Response.Usage({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }, true)
  })

const wordsOf = (messages: ReadonlyArray<PromptMessage>): Array<string> =>
  messages
    .flatMap((message) =>
      typeof message.content === "string"
        ? message.content.split(/\s+/)
        : (message.content as ReadonlyArray<{ readonly type: string; readonly text?: string }>).flatMap((part) =>
            part.type === "text" && part.text !== undefined ? part.text.split(/\s+/) : []
          )
    )
    .filter((word) => word !== "")

export const DETERMINISTIC_MODEL = "manara-deterministic"

/**
 * The assistant's best passage (`<passage n="1" ...>` in the system text, its title line then its
 * body): what the built-in model answers with, so with no provider the assistant answers from
 * retrieval alone, through the gateway like any model (metered, logged).
 */
const firstPassage = (messages: ReadonlyArray<PromptMessage>): string | undefined => {
  const system = messages.find((message) => message.role === "system")
  const text = system === undefined ? "" : typeof system.content === "string" ? system.content : ""
  const match = /<tenant_data>\n<passage n="1"[^>]*>\n[^\n]*\n([\s\S]*?)\n<\/passage>/u.exec(text)
  return match?.[1]?.trim() === "" ? undefined : match?.[1]?.trim()
}

/**
 * The built-in model (no provider configured): answers with the assistant's best retrieved passage
 * when the system text has one, else by echoing the last question's words; one token per word, and
 * usage counted from what it read and wrote. Metering works offline.
 */
export const DeterministicModel = ownModel(DETERMINISTIC_MODEL, (messages, cap) => {
  const words = wordsOf(messages)
  const last = messages.filter((message) => message.role === "user").at(-1)
  const question = last === undefined ? [] : wordsOf([last])
  const retrieved = firstPassage(messages)
  const answer = (retrieved === undefined ? ["منارة", "(نموذج", "تجريبي):", ...question] : retrieved.split(/(?<=\n)|[ \t]+/)).slice(0, cap)
  return Stream.make<Array<Response.StreamPart<{}>>>(
    Response.makePart("text-start", { id: "0" }),
    ...answer.map((word, index) => textDelta(index === 0 || answer[index - 1]!.endsWith("\n") ? word : ` ${word}`)),
    Response.makePart("text-end", { id: "0" }),
    finish(answer.length >= cap ? "length" : "stop", words.length, answer.length)
  )
})

/** One step of a fake model's script. */
export type FakeStep =
  | { readonly text: string }
  | { readonly usage: { readonly inputTokens: number; readonly outputTokens: number } }
  | { readonly fail: string }
  | { readonly stall: true }

/**
 * A fake model for tests and the bench: each call plays the steps `script` gives it (text parts, a
 * usage report, a failure, or a stall that never ends), one part per chunk as a provider streams
 * them, and counts the calls.
 */
export const FakeModel = (
  model: string,
  script: (call: { readonly index: number; readonly maxOutputTokens: number }) => ReadonlyArray<FakeStep>
) => {
  let calls = 0
  const layer = ownModel(model, (_, maxOutputTokens) => {
    const index = calls++
    const chunks: Array<Chunk.Chunk<Response.StreamPart<{}>>> = []
    for (const step of script({ index, maxOutputTokens })) {
      if ("text" in step) chunks.push(Chunk.of(textDelta(step.text)))
      else if ("usage" in step) chunks.push(Chunk.of(finish("stop", step.usage.inputTokens, step.usage.outputTokens)))
      else
        return Stream.concat(
          Stream.fromChunks(...chunks),
          "fail" in step
            ? Stream.fail(new AiError.UnknownError({ module: "FakeModel", method: "streamText", description: step.fail }))
            : Stream.never
        )
    }
    return Stream.fromChunks(...chunks)
  })
  return { layer, calls: () => calls } as const
}

/**
 * The configured model: `AI_PROVIDER` = `builtin` (the default), `openai` (`OPENAI_API_KEY`) or
 * `anthropic` (`ANTHROPIC_API_KEY`), `AI_MODEL` its name (which needs a row in `ai_model_prices`).
 */
export const ConfiguredModel = Layer.unwrapEffect(
  Effect.gen(function* () {
    const provider = yield* Config.literal("builtin", "openai", "anthropic")("AI_PROVIDER").pipe(Config.withDefault("builtin" as const))
    if (provider === "openai") {
      const model = yield* Config.string("AI_MODEL").pipe(Config.withDefault("gpt-4o-mini"))
      return Layer.effect(
        GatewayModel,
        fromLanguageModel(
          model,
          (max) => (stream) => Stream.provideSomeContext(stream, Context.make(OpenAiLanguageModel.Config, { max_output_tokens: max }))
        )
      ).pipe(
        Layer.provide(OpenAiLanguageModel.layer({ model })),
        Layer.provide(OpenAiClient.layerConfig({ apiKey: Config.redacted("OPENAI_API_KEY") })),
        Layer.provide(FetchHttpClient.layer)
      )
    }
    if (provider === "anthropic") {
      const model = yield* Config.string("AI_MODEL").pipe(Config.withDefault("claude-3-5-haiku-latest"))
      return Layer.effect(
        GatewayModel,
        fromLanguageModel(
          model,
          (max) => (stream) => Stream.provideSomeContext(stream, Context.make(AnthropicLanguageModel.Config, { max_tokens: max }))
        )
      ).pipe(
        Layer.provide(AnthropicLanguageModel.layer({ model })),
        Layer.provide(AnthropicClient.layerConfig({ apiKey: Config.redacted("ANTHROPIC_API_KEY") })),
        Layer.provide(FetchHttpClient.layer)
      )
    }
    return DeterministicModel
  })
)
