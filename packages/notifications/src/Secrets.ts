import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { Cache, Config, Context, Data, Duration, Effect, Exit, Layer, Redacted } from "effect"

/** A reference names a secret without holding it: `secret://manara/tenant/<id>/telegram`. */
export const SECRET_REF = /^secret:\/\/([A-Za-z0-9/_+=.@-]{1,400})$/

/** The secret a reference names is missing (or the reference is malformed); the message never holds a value. */
export class SecretUnavailable extends Data.TaggedError("SecretUnavailable")<{ readonly ref: string; readonly reason: string }> {}

/** The reference a tenant's Telegram bot token is kept under. */
export const telegramTokenRef = (tenantId: string) => `secret://manara/tenant/${tenantId}/telegram`

/**
 * Resolves secret references to their values, `Redacted` so they never reach a log line. One code path:
 * `SECRETS_PROVIDER=config` (dev and tests) reads the configuration, `aws` (production) reads Secrets Manager.
 */
export class Secrets extends Context.Tag("Notifications/Secrets")<
  Secrets,
  {
    readonly resolve: (ref: string) => Effect.Effect<Redacted.Redacted<string>, SecretUnavailable>
  }
>() {}

/** `secret://manara/tenant/x/telegram` is read from `SECRET_MANARA_TENANT_X_TELEGRAM` in configuration. */
export const configKeyOf = (name: string) => `SECRET_${name.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}`

const nameOf = (ref: string): Effect.Effect<string, SecretUnavailable> => {
  const match = SECRET_REF.exec(ref)
  return match === null ? Effect.fail(new SecretUnavailable({ ref, reason: "not a secret:// reference" })) : Effect.succeed(match[1]!)
}

export const SecretsConfig = Config.all({
  provider: Config.literal("config", "aws")("SECRETS_PROVIDER").pipe(Config.withDefault("config" as const)),
  region: Config.string("SECRETS_REGION").pipe(Config.withDefault("me-south-1")),
  /** How long a value read from Secrets Manager is reused (a rotated token is picked up after it). */
  ttl: Config.duration("SECRETS_CACHE_TTL").pipe(Config.withDefault(Duration.minutes(5)))
})

const fromConfiguration = (ref: string) =>
  nameOf(ref).pipe(
    Effect.flatMap((name) =>
      Config.redacted(configKeyOf(name)).pipe(
        Effect.mapError(() => new SecretUnavailable({ ref, reason: `${configKeyOf(name)} is not set` }))
      )
    )
  )

export const SecretsLive = Layer.effect(
  Secrets,
  Effect.gen(function* () {
    const config = yield* SecretsConfig
    if (config.provider === "config") return { resolve: fromConfiguration }
    const client = new SecretsManagerClient({ region: config.region })
    const cache = yield* Cache.makeWith({
      capacity: 1000,
      // A failure (a throttled call, a secret not yet created) is asked again soon.
      timeToLive: (exit) => (Exit.isSuccess(exit) ? config.ttl : Duration.seconds(10)),
      lookup: (ref: string) =>
        nameOf(ref).pipe(
          Effect.flatMap((name) =>
            Effect.tryPromise({
              try: (signal) => client.send(new GetSecretValueCommand({ SecretId: name }), { abortSignal: signal }),
              // The SDK's error names the secret, never its value: keep its kind only.
              catch: (error) => new SecretUnavailable({ ref, reason: `Secrets Manager: ${error instanceof Error ? error.name : "error"}` })
            })
          ),
          Effect.flatMap((answer) =>
            typeof answer.SecretString === "string" && answer.SecretString !== ""
              ? Effect.succeed(Redacted.make(answer.SecretString))
              : Effect.fail(new SecretUnavailable({ ref, reason: "Secrets Manager: no string value" }))
          )
        )
    })
    return { resolve: (ref: string) => cache.get(ref) }
  })
)
