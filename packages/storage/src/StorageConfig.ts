import { Config, ConfigError, Either, Option, type Redacted } from "effect"

/** An absolute http(s) URL without a trailing slash, so the SDK appends `/{bucket}` cleanly. */
const endpoint = (name: string) =>
  Config.option(
    Config.string(name).pipe(
      Config.mapOrFail((value) => {
        const url = URL.canParse(value) ? new URL(value) : undefined
        return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
          ? Either.right(value.replace(/\/+$/, ""))
          : Either.left(ConfigError.InvalidData([], `${name} must be an http(s) URL, got ${JSON.stringify(value)}`))
      })
    )
  )

/**
 * Where the media bucket is. In production only bucket and region (credentials from the SDK's default
 * chain: the task role); in dev and tests `S3_ENDPOINT` points at s3rver with its static keys.
 */
export const StorageConfig = Config.all({
  /** How the API reaches S3; unset means AWS itself. Set means an emulator or gateway: path-style URLs. */
  endpoint: endpoint("S3_ENDPOINT"),
  /** How browsers reach S3, when that differs from `endpoint` (e.g. a container name vs localhost). */
  publicEndpoint: endpoint("S3_PUBLIC_ENDPOINT"),
  bucket: Config.string("S3_BUCKET").pipe(Config.withDefault("manara-media")),
  region: Config.string("S3_REGION").pipe(Config.withDefault("me-central-1")),
  accessKeyId: Config.option(Config.string("S3_ACCESS_KEY_ID")),
  secretAccessKey: Config.option(Config.redacted("S3_SECRET_ACCESS_KEY"))
}).pipe(
  Config.mapOrFail(({ accessKeyId, secretAccessKey, ...rest }) => {
    // Half a key pair is a mistake, not a request for the default chain: say so at start-up.
    if (Option.isSome(accessKeyId) !== Option.isSome(secretAccessKey)) {
      return Either.left(ConfigError.MissingData([], "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together"))
    }
    const credentials: Option.Option<{ readonly accessKeyId: string; readonly secretAccessKey: Redacted.Redacted }> =
      Option.isSome(accessKeyId) && Option.isSome(secretAccessKey)
        ? Option.some({ accessKeyId: accessKeyId.value, secretAccessKey: secretAccessKey.value })
        : Option.none()
    return Either.right({ ...rest, credentials })
  })
)
export type StorageConfig = Config.Config.Success<typeof StorageConfig>
