import { describe, expect, it } from "@effect/vitest"
import { INSPECT_BYTES, Storage } from "@manara/storage"
import { freePort, type S3Server, s3Env } from "@manara/testkit"
import { ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import sharp from "sharp"
import { inject } from "vitest"

const s3 = inject("manaraS3")

const storageWith = (env: Record<string, string>) =>
  Storage.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))
const StorageLive = (server: S3Server, extra: Record<string, string> = {}) => storageWith({ ...s3Env(server), ...extra })

const newKey = (name: string) => `test-tenant/${randomUUID()}/${name}`
const png = (width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 90 } } })
    .png()
    .toBuffer()
    .then((b) => new Uint8Array(b))

/** What a browser does with a presigned POST: the policy's fields first, the file last. */
const postForm = (upload: { url: string; fields: Record<string, string> }, bytes: Uint8Array<ArrayBuffer>, type: string) => {
  const form = new FormData()
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append("file", new Blob([bytes], { type }), "upload")
  return Effect.promise(() => fetch(upload.url, { method: "POST", body: form }))
}

const decodePolicy = (fields: Record<string, string>) =>
  JSON.parse(Buffer.from(fields["Policy"]!, "base64").toString("utf8")) as { expiration: string; conditions: Array<unknown> }

describe("Storage against s3rver", () => {
  it.layer(StorageLive(s3))((it) => {
    it.effect("a presigned POST uploads from a plain form; inspect then shows size, type and first bytes", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const key = newKey("photo.png")
        const bytes = yield* Effect.promise(() => png())
        const upload = yield* storage.presignUpload({ key, contentType: "image/png", maxBytes: 1024 * 1024 })
        expect(upload.url).toBe(`${s3.endpoint}/${s3.bucket}`)
        expect(upload.fields["key"]).toBe(key)
        expect(upload.fields["Content-Type"]).toBe("image/png")

        const response = yield* postForm(upload, bytes, "image/png")
        expect(response.status).toBe(204)

        const facts = Option.getOrThrow(yield* storage.inspect(key))
        expect(facts.size).toBe(bytes.byteLength)
        expect(facts.contentType).toBe("image/png")
        expect(facts.head).toEqual(bytes.subarray(0, INSPECT_BYTES))
        expect(yield* storage.read(key)).toEqual(bytes)
      })
    )

    it.effect("the POST policy pins the key, the Content-Type and 1..maxBytes, and expires when it says", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const key = newKey("receipt.pdf")
        const before = Date.now()
        const upload = yield* storage.presignUpload({ key, contentType: "application/pdf", maxBytes: 5_000_000, expiresInSeconds: 120 })
        const policy = decodePolicy(upload.fields)
        expect(policy.conditions).toContainEqual(["content-length-range", 1, 5_000_000])
        expect(policy.conditions).toContainEqual({ "Content-Type": "application/pdf" })
        expect(policy.conditions).toContainEqual({ key })
        expect(policy.conditions).toContainEqual({ bucket: s3.bucket })
        // No prefix rule anywhere: the browser cannot choose another key or type.
        expect(policy.conditions.filter((c) => Array.isArray(c) && c[0] === "starts-with")).toEqual([])
        expect(upload.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z")).toBe(policy.expiration)
        expect(upload.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 119_000)
        expect(upload.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 120_000)
      })
    )

    it.effect("s3rver does not enforce the policy, so inspect is what catches a lying upload", () =>
      Effect.gen(function* () {
        // Real S3 would refuse this POST (too large, wrong Content-Type); s3rver stores it. Hence the
        // API's "upload complete" step checks size and first bytes itself.
        const storage = yield* Storage
        const key = newKey("not-really.png")
        const upload = yield* storage.presignUpload({ key, contentType: "image/png", maxBytes: 10 })
        const html = new TextEncoder().encode("<html>" + "x".repeat(5000) + "</html>")
        const form = new FormData()
        for (const [name, value] of Object.entries(upload.fields)) form.append(name, name === "Content-Type" ? "text/html" : value)
        form.append("file", new Blob([html], { type: "text/html" }), "upload")
        expect((yield* Effect.promise(() => fetch(upload.url, { method: "POST", body: form }))).status).toBe(204)

        const facts = Option.getOrThrow(yield* storage.inspect(key))
        expect(facts.size).toBe(html.byteLength)
        expect(facts.size).toBeGreaterThan(10)
        expect(facts.contentType).toBe("text/html")
        expect(facts.head.byteLength).toBe(INSPECT_BYTES)
        expect(new TextDecoder().decode(facts.head.subarray(0, 6))).toBe("<html>")
      })
    )

    it.effect("inspect of a missing key is None; read of one is ObjectMissing", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const key = newKey("nothing-here")
        expect(yield* storage.inspect(key)).toEqual(Option.none())
        const error = yield* Effect.flip(storage.read(key))
        expect(error._tag).toBe("ObjectMissing")
        expect(error).toMatchObject({ key })
      })
    )

    it.effect("put then remove; remove is idempotent, also for a key that never existed", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const key = newKey("thumb.webp")
        const bytes = new Uint8Array(randomBytes(10_000))
        yield* storage.put(key, bytes, "image/webp")
        const facts = Option.getOrThrow(yield* storage.inspect(key))
        expect(facts).toMatchObject({ size: 10_000, contentType: "image/webp" })
        expect(facts.head).toEqual(bytes.subarray(0, INSPECT_BYTES))

        yield* storage.remove(key)
        yield* storage.remove(key)
        yield* storage.remove(newKey("never-was"))
        expect(yield* storage.inspect(key)).toEqual(Option.none())
      })
    )

    it.effect("an empty object inspects as size 0 with no head", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const key = newKey("empty")
        yield* storage.put(key, new Uint8Array(), "application/pdf")
        expect(yield* storage.inspect(key)).toEqual(Option.some({ size: 0, contentType: "application/pdf", head: new Uint8Array() }))
      })
    )

    it.effect("a presigned download URL fetches the bytes, offering an Arabic file name intact", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const key = newKey("receipt.pdf")
        const bytes = new TextEncoder().encode("%PDF-1.7\n% a receipt\n")
        yield* storage.put(key, bytes, "application/pdf")

        const url = yield* storage.presignDownload(key, { filename: 'إيصال "رقم" 42.pdf' })
        expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true)
        expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("300")
        const response = yield* Effect.promise(() => fetch(url))
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toBe("application/pdf")
        // An ASCII fallback for old clients, the exact name (RFC 8187) for everyone else.
        expect(response.headers.get("content-disposition")).toBe(
          `attachment; filename="_____ _____ 42.pdf"; filename*=UTF-8''%D8%A5%D9%8A%D8%B5%D8%A7%D9%84%20%22%D8%B1%D9%82%D9%85%22%2042.pdf`
        )
        expect(new Uint8Array(yield* Effect.promise(() => response.arrayBuffer()))).toEqual(bytes)

        const parens = new URL(yield* storage.presignDownload(key, { filename: "report (1)*'.pdf" }))
        expect(parens.searchParams.get("response-content-disposition")).toBe(
          `attachment; filename="report (1)*'.pdf"; filename*=UTF-8''report%20%281%29%2A%27.pdf`
        )

        const inline = yield* storage.presignDownload(key, { inline: true, expiresInSeconds: 60 })
        expect(new URL(inline).searchParams.get("X-Amz-Expires")).toBe("60")
        const shown = yield* Effect.promise(() => fetch(inline))
        expect(shown.headers.get("content-disposition")).toBe("inline")
        yield* Effect.promise(() => shown.arrayBuffer())
      })
    )

    it.effect("the bucket lets a browser on another origin POST uploads and GET downloads (CORS)", () =>
      Effect.gen(function* () {
        const preflight = yield* Effect.promise(() =>
          fetch(`${s3.endpoint}/${s3.bucket}`, {
            method: "OPTIONS",
            headers: { origin: "http://demo.localhost:3000", "access-control-request-method": "POST" }
          })
        )
        expect(preflight.status).toBe(200)
        expect(preflight.headers.get("access-control-allow-origin")).toBe("*")
        expect(preflight.headers.get("access-control-allow-methods")).toContain("POST")
        for (const method of ["GET", "PUT", "HEAD"]) {
          const allowed = yield* Effect.promise(() =>
            fetch(`${s3.endpoint}/${s3.bucket}/any`, {
              method: "OPTIONS",
              headers: { origin: "http://127.0.0.1:3000", "access-control-request-method": method }
            })
          )
          expect(allowed.headers.get("access-control-allow-origin")).toBe("*")
        }
      })
    )

    it.effect("bad arguments are defects, not storage outages", () =>
      Effect.gen(function* () {
        const storage = yield* Storage
        const zero = yield* Effect.exit(storage.presignUpload({ key: newKey("x"), contentType: "image/png", maxBytes: 0 }))
        expect(Exit.isFailure(zero) && !Exit.isInterrupted(zero) && zero.cause._tag).toBe("Die")
        const prefix = yield* Effect.exit(storage.presignUpload({ key: "t/${filename}", contentType: "image/png", maxBytes: 10 }))
        expect(Exit.isFailure(prefix) && prefix.cause._tag).toBe("Die")
        const tooLong = yield* Effect.exit(storage.presignDownload(newKey("x"), { expiresInSeconds: 8 * 24 * 3600 }))
        expect(Exit.isFailure(tooLong) && tooLong.cause._tag).toBe("Die")
      })
    )
  })

  it.effect("with S3_PUBLIC_ENDPOINT, URLs for browsers name that address while the API still talks to S3_ENDPOINT", () =>
    Effect.gen(function* () {
      const storage = yield* Storage
      const key = newKey("public.png")
      yield* storage.put(key, yield* Effect.promise(() => png()), "image/png")
      expect(Option.isSome(yield* storage.inspect(key))).toBe(true)
      const download = new URL(yield* storage.presignDownload(key))
      expect(download.origin).toBe("http://media.manara.test:4568")
      expect(download.pathname).toBe(`/${s3.bucket}/${key}`)
      expect(download.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/)
      const upload = yield* storage.presignUpload({ key, contentType: "image/png", maxBytes: 100 })
      expect(upload.url).toBe(`http://media.manara.test:4568/${s3.bucket}`)
    }).pipe(Effect.provide(StorageLive(s3, { S3_PUBLIC_ENDPOINT: "http://media.manara.test:4568/" })))
  )

  it.effect("an unreachable S3 is StorageUnavailable, for every operation that talks to it", () =>
    Effect.gen(function* () {
      const storage = yield* Storage
      const key = newKey("down")
      const failures = yield* Effect.all([
        Effect.flip(storage.inspect(key)),
        Effect.flip(storage.read(key)),
        Effect.flip(storage.put(key, new Uint8Array([1]), "image/png")),
        Effect.flip(storage.remove(key))
      ])
      expect(failures.map((failure) => failure._tag)).toEqual(Array(4).fill("StorageUnavailable"))
      expect(failures.map((failure) => (failure as { operation: string }).operation)).toEqual(["inspect", "read", "put", "remove"])
      // Presigning is local computation: it works while S3 is down.
      expect(yield* storage.presignDownload(key)).toContain("X-Amz-Signature=")
    }).pipe(
      Effect.provide(
        Layer.unwrapEffect(
          Effect.promise(() => freePort()).pipe(Effect.map((port) => StorageLive({ ...s3, endpoint: `http://127.0.0.1:${port}` })))
        )
      )
    )
  )

  it.effect("configuration: half a key pair or a malformed endpoint refuses to start", () =>
    Effect.gen(function* () {
      const half = yield* Effect.exit(Layer.build(storageWith({ S3_ACCESS_KEY_ID: "S3RVER" })).pipe(Effect.scoped))
      expect(Exit.isFailure(half)).toBe(true)
      const malformed = yield* Effect.exit(Layer.build(storageWith({ S3_ENDPOINT: "127.0.0.1:4568" })).pipe(Effect.scoped))
      expect(Exit.isFailure(malformed)).toBe(true)
      // Nothing set at all is production's shape (AWS, default credential chain) and builds.
      const defaults = yield* Effect.exit(Layer.build(storageWith({})).pipe(Effect.scoped))
      expect(Exit.isSuccess(defaults)).toBe(true)
    })
  )
})
