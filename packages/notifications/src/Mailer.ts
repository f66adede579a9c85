import { SendEmailCommand, SESv2Client, type SESv2ClientConfig } from "@aws-sdk/client-sesv2"
import { Config, ConfigError, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { DeliveryFailed } from "./Errors.js"

export interface OutgoingEmail {
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
  /** The outbox row's key, sent as a header: a redelivery after a crash carries the same one. */
  readonly idempotencyKey: string
  readonly attachments?: ReadonlyArray<{ readonly filename: string; readonly contentType: string; readonly content: Uint8Array }>
}

/** Sends one email; answers the provider's message id. */
export class Mailer extends Context.Tag("Notifications/Mailer")<
  Mailer,
  {
    readonly send: (email: OutgoingEmail) => Effect.Effect<string, DeliveryFailed>
  }
>() {}

export const IDEMPOTENCY_HEADER = "X-Manara-Idempotency-Key"

/**
 * SES v2. In production only the region and the sender (credentials from the SDK's default chain); in
 * dev and tests `SES_ENDPOINT` points at aws-ses-v2-local with any static keys.
 */
export const MailerConfig = Config.all({
  endpoint: Config.option(Config.url("SES_ENDPOINT").pipe(Config.map((url) => url.href.replace(/\/+$/, "")))),
  region: Config.string("SES_REGION").pipe(Config.withDefault("me-south-1")),
  from: Config.string("NOTIFY_EMAIL_FROM").pipe(Config.withDefault("Manara <no-reply@manara.localhost>")),
  accessKeyId: Config.option(Config.string("SES_ACCESS_KEY_ID")),
  secretAccessKey: Config.option(Config.redacted("SES_SECRET_ACCESS_KEY"))
}).pipe(
  Config.mapOrFail((config) =>
    Option.isSome(config.accessKeyId) !== Option.isSome(config.secretAccessKey)
      ? Either.left(ConfigError.MissingData([], "SES_ACCESS_KEY_ID and SES_SECRET_ACCESS_KEY must be set together"))
      : Either.right(config)
  )
)

/** SES error names after which the same message can never go through. */
const PERMANENT = new Set([
  "MessageRejected",
  "BadRequestException",
  "MailFromDomainNotVerifiedException",
  "AccountSuspendedException",
  "SendingPausedException",
  "NotFoundException"
])

export const MailerSes = Layer.scoped(
  Mailer,
  Effect.gen(function* () {
    const config = yield* MailerConfig
    const clientConfig: SESv2ClientConfig = {
      region: config.region,
      ...Option.match(config.endpoint, { onNone: () => ({}), onSome: (endpoint) => ({ endpoint }) }),
      ...(Option.isSome(config.accessKeyId) && Option.isSome(config.secretAccessKey)
        ? { credentials: { accessKeyId: config.accessKeyId.value, secretAccessKey: Redacted.value(config.secretAccessKey.value) } }
        : {}),
      // Our own retries are the outbox's, with backoff and a record: one try per attempt here.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 }
    }
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new SESv2Client(clientConfig)),
      (client) => Effect.sync(() => client.destroy())
    )
    const send = (email: OutgoingEmail) =>
      Effect.tryPromise({
        try: (signal) =>
          client.send(
            new SendEmailCommand({
              FromEmailAddress: config.from,
              Destination: { ToAddresses: [email.to] },
              Content: {
                Simple: {
                  Subject: { Data: email.subject, Charset: "UTF-8" },
                  Body: { Text: { Data: email.text, Charset: "UTF-8" }, Html: { Data: email.html, Charset: "UTF-8" } },
                  Headers: [{ Name: IDEMPOTENCY_HEADER, Value: email.idempotencyKey }],
                  ...(email.attachments === undefined || email.attachments.length === 0
                    ? {}
                    : {
                        Attachments: email.attachments.map((attachment) => ({
                          FileName: attachment.filename,
                          ContentType: attachment.contentType,
                          RawContent: attachment.content,
                          ContentDisposition: "ATTACHMENT" as const
                        }))
                      })
                }
              }
            }),
            { abortSignal: signal }
          ),
        catch: (error) => {
          const name = error instanceof Error ? error.name : "Error"
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
          return new DeliveryFailed({
            message: `SES ${name}${status === undefined ? "" : ` (${status})`}: ${error instanceof Error ? error.message.slice(0, 300) : "send failed"}`,
            permanent: PERMANENT.has(name) || (status !== undefined && status >= 400 && status < 500 && status !== 429)
          })
        }
      }).pipe(Effect.map((output) => output.MessageId ?? ""))
    return { send }
  })
)
