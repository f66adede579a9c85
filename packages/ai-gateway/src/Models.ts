import { AiError, LanguageModel, type Prompt, type Response } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { FetchHttpClient } from "@effect/platform"
import { Config, Context, Effect, Layer, Option, Stream } from "effect"

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

/** The cap, for models built here (the provider options of `@effect/ai` carry no token limit). */
export class MaxOutputTokens extends Context.Tag("AiGateway/MaxOutputTokens")<MaxOutputTokens, number>() {}

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

const withOwnCap =
  (maxOutputTokens: number) =>
  <A, E, R>(stream: Stream.Stream<A, E, R>) =>
    Stream.provideSomeContext(stream, Context.make(MaxOutputTokens, maxOutputTokens))

/** A language model whose parts come from `parts`, given the prompt and the cap. */
const scriptedLanguageModel = (
  parts: (options: LanguageModel.ProviderOptions, maxOutputTokens: number) => Stream.Stream<Response.StreamPartEncoded, AiError.AiError>
) =>
  LanguageModel.make({
    generateText: () =>
      Effect.fail(new AiError.UnknownError({ module: "Gateway", method: "generateText", description: "the gateway only streams" })),
    streamText: (options) =>
      Stream.unwrap(
        Effect.map(Effect.serviceOption(MaxOutputTokens), (cap) =>
          parts(
            options,
            Option.getOrElse(cap, () => 256)
          )
        )
      )
  })

const wordsOf = (prompt: Prompt.Prompt): Array<string> =>
  prompt.content
    .flatMap((message) =>
      typeof message.content === "string"
        ? message.content.split(/\s+/)
        : message.content.flatMap((part) => (part.type === "text" ? part.text.split(/\s+/) : []))
    )
    .filter((word) => word !== "")

export const DETERMINISTIC_MODEL = "manara-deterministic"

/**
 * The assistant's best passage (`<passage n="1" ...>` in the system text, its title line then its
 * body): what the built-in model answers with, so with no provider the assistant answers from
 * retrieval alone, through the gateway like any model (metered, logged).
 */
const firstPassage = (prompt: Prompt.Prompt): string | undefined => {
  const system = prompt.content.find((message) => message.role === "system")
  const text = system === undefined ? "" : typeof system.content === "string" ? system.content : ""
  const match = /<tenant_data>\n<passage n="1"[^>]*>\n[^\n]*\n([\s\S]*?)\n<\/passage>/u.exec(text)
  return match?.[1]?.trim() === "" ? undefined : match?.[1]?.trim()
}

/**
 * The built-in model (no provider configured): answers with the assistant's best retrieved passage
 * when the system text has one, else by echoing the last question's words; one token per word, and
 * usage counted from what it read and wrote. Metering works offline.
 */
export const DeterministicModel = Layer.effect(
  GatewayModel,
  Effect.flatMap(
    scriptedLanguageModel((options, cap) => {
      const words = wordsOf(options.prompt)
      const last = options.prompt.content.filter((message) => message.role === "user").at(-1)
      const question = last === undefined ? [] : wordsOf({ ...options.prompt, content: [last] } as Prompt.Prompt)
      const retrieved = firstPassage(options.prompt)
      const answer = (retrieved === undefined ? ["منارة", "(نموذج", "تجريبي):", ...question] : retrieved.split(/(?<=\n)|[ \t]+/)).slice(0, cap)
      return Stream.make<Array<Response.StreamPartEncoded>>(
        { type: "text-start", id: "0" },
        ...answer.map((word, index) => ({
          type: "text-delta" as const,
          id: "0",
          delta: index === 0 || answer[index - 1]!.endsWith("\n") ? word : ` ${word}`
        })),
        { type: "text-end", id: "0" },
        {
          type: "finish",
          reason: answer.length >= cap ? "length" : "stop",
          usage: { inputTokens: words.length, outputTokens: answer.length, totalTokens: words.length + answer.length }
        }
      )
    }),
    (service) => Effect.provideService(fromLanguageModel(DETERMINISTIC_MODEL, withOwnCap), LanguageModel.LanguageModel, service)
  )
)

/** One step of a fake model's script. */
export type FakeStep =
  | { readonly text: string }
  | { readonly usage: { readonly inputTokens: number; readonly outputTokens: number } }
  | { readonly fail: string }
  | { readonly stall: true }

/**
 * A fake `LanguageModel` for tests and the bench: each call plays the steps `script` gives it
 * (text parts, a usage report, a failure, or a stall that never ends), and counts the calls.
 */
export const FakeModel = (
  model: string,
  script: (call: { readonly index: number; readonly maxOutputTokens: number }) => ReadonlyArray<FakeStep>
) => {
  let calls = 0
  const layer = Layer.effect(
    GatewayModel,
    Effect.flatMap(
      scriptedLanguageModel((_, maxOutputTokens) => {
        const index = calls++
        return Stream.fromIterable(script({ index, maxOutputTokens })).pipe(
          Stream.flatMap((step): Stream.Stream<Response.StreamPartEncoded, AiError.AiError> => {
            if ("text" in step) return Stream.make<Array<Response.StreamPartEncoded>>({ type: "text-delta", id: "0", delta: step.text })
            if ("usage" in step) {
              const { inputTokens, outputTokens } = step.usage
              return Stream.make<Array<Response.StreamPartEncoded>>({
                type: "finish",
                reason: "stop",
                usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }
              })
            }
            if ("fail" in step)
              return Stream.fail(new AiError.UnknownError({ module: "FakeModel", method: "streamText", description: step.fail }))
            return Stream.never
          })
        )
      }),
      (service) => Effect.provideService(fromLanguageModel(model, withOwnCap), LanguageModel.LanguageModel, service)
    )
  )
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
