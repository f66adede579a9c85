import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig
} from "@aws-sdk/client-s3"
import { createPresignedPost } from "@aws-sdk/s3-presigned-post"
import { getSignedUrl } from "@aws-sdk/s3-request-presigner"
import { Data, Effect, Option, Redacted } from "effect"
import { StorageConfig } from "./StorageConfig.js"

/** S3 did not answer, refused us, or the bucket is gone: a 503 for the caller, never their fault. */
export class StorageUnavailable extends Data.TaggedError("StorageUnavailable")<{
  readonly operation: string
  readonly key: string
  readonly cause: unknown
}> {}
export class ObjectMissing extends Data.TaggedError("ObjectMissing")<{ readonly key: string }> {}

export interface PresignedUpload {
  readonly url: string
  readonly fields: Record<string, string>
  readonly expiresAt: Date
}
export interface ObjectFacts {
  readonly size: number
  readonly contentType: string | undefined
  /** The first `INSPECT_BYTES` bytes (fewer for a smaller object): enough to sniff the real type. */
  readonly head: Uint8Array
}
export interface DownloadOptions {
  readonly expiresInSeconds?: number
  /** Offered as the saved file's name (UTF-8, so Arabic names survive). */
  readonly filename?: string
  /** Shown in the browser rather than saved; the default is to save when a filename is given. */
  readonly inline?: boolean
}

export const INSPECT_BYTES = 4096
const UPLOAD_EXPIRY_SECONDS = 600
const DOWNLOAD_EXPIRY_SECONDS = 300
// SigV4 presigned URLs cannot live longer than seven days.
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600

const isMissing = (error: unknown): boolean => {
  const name = (error as { name?: unknown } | null)?.name
  // HeadObject has no body, so S3 can only say "NotFound"; GetObject says "NoSuchKey". NoSuchBucket is an outage.
  return name === "NoSuchKey" || name === "NotFound"
}

const expiry = (seconds: number | undefined, fallback: number) => {
  const value = seconds ?? fallback
  return Number.isInteger(value) && value >= 1 && value <= MAX_EXPIRY_SECONDS
    ? Effect.succeed(value)
    : Effect.dieMessage(`expiresInSeconds must be an integer in 1..${MAX_EXPIRY_SECONDS}, got ${value}`)
}

/** `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266 / RFC 8187). */
const contentDisposition = (options: DownloadOptions): string | undefined => {
  if (options.filename === undefined && options.inline === undefined) return undefined
  const disposition = options.inline === true ? "inline" : "attachment"
  if (options.filename === undefined) return disposition
  const fallback = options.filename.replace(/[^\x20-\x7e]|["\\]/g, "_")
  const encoded = encodeURIComponent(options.filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

/**
 * Media objects in one S3 bucket. Keys are the caller's (the API prefixes them with the tenant id);
 * this service knows nothing about tenants. The endpoint is configuration: s3rver in dev and tests,
 * S3 in production, same code path.
 */
export class Storage extends Effect.Service<Storage>()("Storage/Storage", {
  scoped: Effect.gen(function* () {
    const config = yield* StorageConfig
    const Bucket = config.bucket

    const clientConfig = (endpoint: Option.Option<string>): S3ClientConfig => ({
      region: config.region,
      ...Option.match(endpoint, { onNone: () => ({}), onSome: (url) => ({ endpoint: url, forcePathStyle: true }) }),
      ...Option.match(config.credentials, {
        onNone: () => ({}),
        onSome: (keys) => ({ credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: Redacted.value(keys.secretAccessKey) } })
      }),
      // Without these a black-holed endpoint hangs a request for minutes.
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 }
    })
    const acquire = (endpoint: Option.Option<string>) =>
      Effect.acquireRelease(
        Effect.sync(() => new S3Client(clientConfig(endpoint))),
        (client) => Effect.sync(() => client.destroy())
      )

    const client = yield* acquire(config.endpoint)
    // SigV4 signs the host, so URLs for browsers must be signed for the address browsers use. Only
    // signing happens on this client; it never sends a request.
    const presigner = Option.isSome(config.publicEndpoint) ? yield* acquire(config.publicEndpoint) : client

    const attempt = <A>(operation: string, key: string, run: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: run, catch: (cause) => new StorageUnavailable({ operation, key, cause }) })
    const attemptFind = <A>(operation: string, key: string, run: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({
        try: run,
        catch: (cause) => (isMissing(cause) ? new ObjectMissing({ key }) : new StorageUnavailable({ operation, key, cause }))
      })

    /**
     * A presigned POST for one exact key and Content-Type, 1..maxBytes long. Real S3 enforces the
     * policy; s3rver does not, so whoever completes an upload must still `inspect` the object.
     */
    const presignUpload = (input: {
      readonly key: string
      readonly contentType: string
      readonly maxBytes: number
      readonly expiresInSeconds?: number
    }) =>
      Effect.gen(function* () {
        if (!Number.isInteger(input.maxBytes) || input.maxBytes < 1) {
          return yield* Effect.dieMessage(`maxBytes must be a positive integer, got ${input.maxBytes}`)
        }
        // The SDK turns a key ending in ${filename} into a prefix condition: keys here are exact.
        if (input.key.length === 0 || input.key.includes("${filename}")) {
          return yield* Effect.dieMessage(`not an exact object key: ${JSON.stringify(input.key)}`)
        }
        const Expires = yield* expiry(input.expiresInSeconds, UPLOAD_EXPIRY_SECONDS)
        const post = yield* attempt("presignUpload", input.key, () =>
          createPresignedPost(presigner, {
            Bucket,
            Key: input.key,
            Expires,
            // Fields become exact-match conditions too, so Content-Type is pinned by the policy.
            Fields: { "Content-Type": input.contentType },
            Conditions: [["content-length-range", 1, input.maxBytes]]
          })
        )
        // The policy's own expiration, so the two can never disagree.
        const policy = JSON.parse(Buffer.from(post.fields["Policy"]!, "base64").toString("utf8")) as { expiration: string }
        return { url: post.url, fields: post.fields, expiresAt: new Date(policy.expiration) } satisfies PresignedUpload
      })

    /** Size, stored Content-Type and first bytes of an object; None when there is no such object. */
    const inspect = (key: string) =>
      Effect.gen(function* () {
        const head = yield* attemptFind("inspect", key, (abortSignal) =>
          client.send(new HeadObjectCommand({ Bucket, Key: key }), { abortSignal })
        )
        const size = head.ContentLength ?? 0
        // A ranged GET of an empty object is a 416 on S3: there is nothing to read anyway.
        const first =
          size === 0
            ? new Uint8Array()
            : yield* attemptFind("inspect", key, async (abortSignal) => {
                const response = await client.send(new GetObjectCommand({ Bucket, Key: key, Range: `bytes=0-${INSPECT_BYTES - 1}` }), {
                  abortSignal
                })
                return (await response.Body?.transformToByteArray()) ?? new Uint8Array()
              })
        return Option.some<ObjectFacts>({ size, contentType: head.ContentType, head: first.subarray(0, INSPECT_BYTES) })
      }).pipe(Effect.catchTag("ObjectMissing", () => Effect.succeed(Option.none<ObjectFacts>())))

    /** The whole object, in memory: for images being thumbnailed, not for arbitrary large files. */
    const read = (key: string) =>
      attemptFind("read", key, async (abortSignal) => {
        const response = await client.send(new GetObjectCommand({ Bucket, Key: key }), { abortSignal })
        return (await response.Body?.transformToByteArray()) ?? new Uint8Array()
      })

    const put = (key: string, bytes: Uint8Array, contentType: string) =>
      attempt("put", key, (abortSignal) =>
        client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentType: contentType, ContentLength: bytes.byteLength }), {
          abortSignal
        })
      ).pipe(Effect.asVoid)

    /** Deleting a missing key succeeds (S3 answers 204 either way). */
    const remove = (key: string) =>
      attempt("remove", key, (abortSignal) => client.send(new DeleteObjectCommand({ Bucket, Key: key }), { abortSignal })).pipe(
        Effect.asVoid
      )

    /** A presigned GET for browsers; it does not check that the object exists. */
    const presignDownload = (key: string, options: DownloadOptions = {}) =>
      Effect.gen(function* () {
        const expiresIn = yield* expiry(options.expiresInSeconds, DOWNLOAD_EXPIRY_SECONDS)
        const disposition = contentDisposition(options)
        return yield* attempt("presignDownload", key, () =>
          getSignedUrl(
            presigner,
            new GetObjectCommand({ Bucket, Key: key, ...(disposition === undefined ? {} : { ResponseContentDisposition: disposition }) }),
            { expiresIn }
          )
        )
      })

    return { presignUpload, inspect, read, put, remove, presignDownload } as const
  })
}) {}
