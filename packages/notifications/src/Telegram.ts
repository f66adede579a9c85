import { createHmac } from "node:crypto"
import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { DeliveryFailed } from "./Errors.js"
import { IDEMPOTENCY_HEADER } from "./Mailer.js"
import { Secrets } from "./Secrets.js"

/**
 * The Bot API with a tenant's bot: `tokenRef` is the tenant's `tenant_telegram_bots.token_ref` (a
 * secret reference resolved through `Secrets`), or null for the platform's bot (`TELEGRAM_BOT_TOKEN`).
 */
export class TelegramBot extends Context.Tag("Notifications/TelegramBot")<
  TelegramBot,
  {
    /** Sends one message to a chat; answers Telegram's message id. */
    readonly sendMessage: (
      tokenRef: string | null,
      chatId: string,
      html: string,
      idempotencyKey: string
    ) => Effect.Effect<string, DeliveryFailed>
    /**
     * The `X-Telegram-Bot-Api-Secret-Token` a tenant's webhook expects: derived from the bot token and the
     * tenant (HMAC), so it is stored nowhere and changes with the token. None without a token.
     */
    readonly webhookSecret: (tenantId: string, tokenRef: string | null) => Effect.Effect<Option.Option<string>>
    /** Points the bot's updates at `url` with the tenant's webhook secret (`setWebhook`). */
    readonly setWebhook: (tenantId: string, tokenRef: string | null, url: string) => Effect.Effect<void, DeliveryFailed>
  }
>() {}

/**
 * The platform bot's token is a secret: configuration in dev (`TELEGRAM_BOT_TOKEN`), injected from
 * Secrets Manager into the same variable in production. A tenant's own bot is a `secret://` reference
 * resolved by `Secrets`. Never in the database, never in a log line or an error.
 */
export const TelegramConfig = Config.all({
  apiUrl: Config.url("TELEGRAM_API_URL").pipe(
    Config.withDefault(new URL("https://api.telegram.org")),
    Config.map((url) => url.href.replace(/\/+$/, ""))
  ),
  token: Config.option(Config.redacted("TELEGRAM_BOT_TOKEN"))
})

export const TelegramBotLive = Layer.effect(
  TelegramBot,
  Effect.gen(function* () {
    const config = yield* TelegramConfig
    const secrets = yield* Secrets
    const tokenFor = (tokenRef: string | null) =>
      tokenRef === null
        ? Option.match(config.token, {
            onNone: () => Effect.fail(new DeliveryFailed({ message: "Telegram: no bot token is configured", permanent: false })),
            onSome: Effect.succeed
          })
        : secrets
            .resolve(tokenRef)
            .pipe(
              Effect.mapError(
                (unavailable) =>
                  new DeliveryFailed({ message: `Telegram: the bot token is unavailable (${unavailable.reason})`, permanent: false })
              )
            )
    const webhookSecret = (tenantId: string, tokenRef: string | null) =>
      tokenFor(tokenRef).pipe(
        Effect.map((token) =>
          createHmac("sha256", Redacted.value(token)).update(`manara-telegram-webhook:${tenantId}`).digest("base64url")
        ),
        Effect.option
      )
    const call = (token: Redacted.Redacted<string>, method: string, body: unknown, idempotencyKey?: string) =>
      Effect.tryPromise({
        try: (signal) =>
          fetch(`${config.apiUrl}/bot${Redacted.value(token)}/${method}`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(idempotencyKey === undefined ? {} : { [IDEMPOTENCY_HEADER]: idempotencyKey })
            },
            body: JSON.stringify(body),
            signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)])
          }),
        // fetch's message can carry the URL, and the URL carries the token: say only what kind of failure.
        catch: (error) =>
          new DeliveryFailed({ message: `Telegram: request failed (${error instanceof Error ? error.name : "error"})`, permanent: false })
      })
    const setWebhook = (tenantId: string, tokenRef: string | null, url: string) =>
      Effect.gen(function* () {
        const token = yield* tokenFor(tokenRef)
        const secret = yield* webhookSecret(tenantId, tokenRef)
        const response = yield* call(token, "setWebhook", {
          url,
          secret_token: Option.getOrUndefined(secret),
          allowed_updates: ["message"]
        })
        if (!response.ok) return yield* new DeliveryFailed({ message: `Telegram ${response.status}: setWebhook refused`, permanent: true })
      })
    const sendMessage = (tokenRef: string | null, chatId: string, html: string, idempotencyKey: string) =>
      Effect.gen(function* () {
        const token = yield* tokenFor(tokenRef)
        const response = yield* call(
          token,
          "sendMessage",
          {
            chat_id: chatId,
            text: html,
            parse_mode: "HTML",
            link_preview_options: { is_disabled: true }
          },
          idempotencyKey
        )
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
        return yield* new DeliveryFailed({
          message: `Telegram ${response.status}: ${description}`,
          permanent: response.status >= 400 && response.status < 500
        })
      })
    return { sendMessage, webhookSecret, setWebhook }
  })
)

interface TelegramAnswer {
  readonly ok?: boolean
  readonly description?: unknown
  readonly result?: { readonly message_id?: number }
  readonly parameters?: { readonly retry_after?: number }
}
