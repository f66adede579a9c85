import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { DeliveryFailed } from "./Errors.js"
import { IDEMPOTENCY_HEADER } from "./Mailer.js"

/** Sends one message to a chat through the Bot API; answers Telegram's message id. */
export class TelegramBot extends Context.Tag("Notifications/TelegramBot")<TelegramBot, {
  readonly sendMessage: (chatId: string, html: string, idempotencyKey: string) => Effect.Effect<string, DeliveryFailed>
}>() {}

/**
 * The bot token is a secret: configuration in dev (`TELEGRAM_BOT_TOKEN`), injected from Secrets Manager
 * into the same variable in production; never in the database, never in a log line or an error.
 */
export const TelegramConfig = Config.all({
  apiUrl: Config.url("TELEGRAM_API_URL").pipe(Config.withDefault(new URL("https://api.telegram.org")), Config.map((url) => url.href.replace(/\/+$/, ""))),
  token: Config.option(Config.redacted("TELEGRAM_BOT_TOKEN"))
})

export const TelegramBotLive = Layer.effect(
  TelegramBot,
  Effect.gen(function*() {
    const config = yield* TelegramConfig
    const sendMessage = (chatId: string, html: string, idempotencyKey: string) =>
      Effect.gen(function*() {
        if (Option.isNone(config.token)) {
          return yield* new DeliveryFailed({ message: "Telegram: no bot token is configured", permanent: false })
        }
        const url = `${config.apiUrl}/bot${Redacted.value(config.token.value)}/sendMessage`
        const response = yield* Effect.tryPromise({
          try: (signal) =>
            fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json", [IDEMPOTENCY_HEADER]: idempotencyKey },
              body: JSON.stringify({ chat_id: chatId, text: html, parse_mode: "HTML", link_preview_options: { is_disabled: true } }),
              signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)])
            }),
          // fetch's message can carry the URL, and the URL carries the token: say only what kind of failure.
          catch: (error) => new DeliveryFailed({ message: `Telegram: request failed (${error instanceof Error ? error.name : "error"})`, permanent: false })
        })
        const body = yield* Effect.tryPromise({ try: () => response.json() as Promise<TelegramAnswer>, catch: () => undefined }).pipe(
          Effect.orElseSucceed(() => undefined)
        )
        if (response.ok && body?.ok === true) return String(body.result?.message_id ?? "")
        const description = typeof body?.description === "string" ? body.description.slice(0, 200) : response.statusText
        if (response.status === 429) {
          const seconds = Number(body?.parameters?.retry_after ?? response.headers.get("retry-after") ?? 1)
          return yield* new DeliveryFailed({
            message: `Telegram 429: ${description}`,
            permanent: false,
            retryAfter: Duration.seconds(Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) : 1)
          })
        }
        // 400 (chat not found, bad markup), 403 (the bot was blocked): the same message will never go.
        return yield* new DeliveryFailed({ message: `Telegram ${response.status}: ${description}`, permanent: response.status >= 400 && response.status < 500 })
      })
    return { sendMessage }
  })
)

interface TelegramAnswer {
  readonly ok?: boolean
  readonly description?: unknown
  readonly result?: { readonly message_id?: number }
  readonly parameters?: { readonly retry_after?: number }
}
