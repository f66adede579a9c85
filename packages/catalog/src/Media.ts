import { SqlClient } from "@effect/sql"
import { CurrentTenant, recordAudit, requireWithinPlan, TenantSql } from "@manara/db"
import {
  MAX_UPLOAD_BYTES,
  MediaAsset,
  PUBLIC_STATUSES,
  type TenantId,
  UPLOAD_TYPES,
  timestamp,
  UploadTicket,
  type UserId
} from "@manara/domain"
import { describeImage, sniffContentType, Storage } from "@manara/storage"
import { Data, Effect, Option, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { MediaNotFound } from "./Catalog.js"

export class UploadTooLarge extends Data.TaggedError("UploadTooLarge")<{ readonly maxBytes: number }> {}
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<{ readonly detail: string }> {}
/** "Upload complete" was called, but the object is not in the bucket (yet). */
export class UploadMissing extends Data.TaggedError("UploadMissing")<{}> {}

const EXTENSIONS: Record<(typeof UPLOAD_TYPES)[number], string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "application/pdf": "pdf"
}

const isUploadType = (type: string): type is (typeof UPLOAD_TYPES)[number] => (UPLOAD_TYPES as ReadonlyArray<string>).includes(type)

interface MediaRow {
  readonly id: string
  readonly key: string
  readonly content_type: string
  readonly byte_size: string
  readonly original_name: string
  readonly width: number | null
  readonly height: number | null
  readonly thumbnail_key: string | null
  readonly status: "pending" | "ready"
  readonly created_at: Date
}

/** What the bucket holds for an upload, checked: its real size, and image facts with the thumbnail made. */
export interface VerifiedUpload {
  readonly byteSize: number
  readonly width: number | null
  readonly height: number | null
  readonly thumbnailKey: string | null
}

/**
 * Media in S3 under `{tenant_id}/media/...`. The browser uploads straight to the bucket with a
 * presigned POST; the asset is recorded `pending` first and only becomes `ready` after the API has
 * checked the object itself (size, and its first bytes against the declared type: s3rver enforces no
 * policy, and a client can lie). Downloads are short-lived presigned GETs after an ownership check.
 */
export class Media extends Effect.Service<Media>()("Catalog/Media", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const storage = yield* Storage
    const tenantSql = yield* TenantSql

    const find = (id: string) =>
      sql<MediaRow>`select id, key, content_type, byte_size::text as byte_size, original_name, width, height,
          thumbnail_key, status, created_at from media_assets where id = ${id}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new MediaNotFound()) : Effect.succeed(rows[0]!)))
      )

    /** Records a pending asset and hands out the presigned POST for it. */
    const startUpload = (request: { readonly contentType: string; readonly byteSize: number; readonly filename: string }, by: UserId) =>
      Effect.gen(function* () {
        if (!isUploadType(request.contentType)) {
          return yield* new UnsupportedMediaType({ detail: `Accepted: ${UPLOAD_TYPES.join(", ")}` })
        }
        if (request.byteSize > MAX_UPLOAD_BYTES) return yield* new UploadTooLarge({ maxBytes: MAX_UPLOAD_BYTES })
        const tenantId = yield* CurrentTenant
        yield* requireWithinPlan("storage", request.byteSize)
        const id = randomUUID()
        const key = `${tenantId}/media/${id}.${EXTENSIONS[request.contentType]}`
        yield* sql`insert into media_assets (tenant_id, id, key, content_type, byte_size, original_name, created_by)
          values (${tenantId}, ${id}, ${key}, ${request.contentType}, ${request.byteSize}, ${request.filename}, ${by})`.pipe(Effect.orDie)
        const post = yield* storage.presignUpload({ key, contentType: request.contentType, maxBytes: MAX_UPLOAD_BYTES }).pipe(Effect.orDie)
        return new UploadTicket({
          mediaId: id,
          url: post.url,
          fields: post.fields,
          expiresAt: timestamp(post.expiresAt),
          maxBytes: MAX_UPLOAD_BYTES
        })
      })

    const pending = (id: string) => find(id)

    /**
     * Outside any transaction (it talks to S3): the object must exist, fit the limit and start with
     * the bytes of its declared type. What breaks a rule is deleted from the bucket.
     */
    const verifyObject = (row: { readonly key: string; readonly content_type: string }) =>
      Effect.gen(function* () {
        const found = yield* storage.inspect(row.key).pipe(Effect.orDie)
        if (Option.isNone(found)) return yield* new UploadMissing()
        const object = found.value
        if (object.size > MAX_UPLOAD_BYTES) {
          yield* storage.remove(row.key).pipe(Effect.orDie)
          return yield* new UploadTooLarge({ maxBytes: MAX_UPLOAD_BYTES })
        }
        const sniffed = sniffContentType(object.head)
        if (sniffed !== row.content_type) {
          yield* storage.remove(row.key).pipe(Effect.orDie)
          return yield* new UnsupportedMediaType({ detail: `The file is not ${row.content_type}` })
        }
        if (!row.content_type.startsWith("image/"))
          return { byteSize: object.size, width: null, height: null, thumbnailKey: null } satisfies VerifiedUpload
        const bytes = yield* storage.read(row.key).pipe(Effect.orDie)
        const image = yield* describeImage(bytes).pipe(
          Effect.catchTag("ImageUnreadable", () =>
            Effect.zipRight(
              storage.remove(row.key).pipe(Effect.orDie),
              Effect.fail(new UnsupportedMediaType({ detail: "The image cannot be read" }))
            )
          )
        )
        const thumbnailKey = `${row.key.replace(/\.[a-z]+$/, "")}.thumb.webp`
        yield* storage.put(thumbnailKey, image.thumbnail, "image/webp").pipe(Effect.orDie)
        return { byteSize: object.size, width: image.width, height: image.height, thumbnailKey } satisfies VerifiedUpload
      })

    const markReady = (id: string, verified: VerifiedUpload, by: UserId | null) =>
      Effect.gen(function* () {
        const updated = yield* sql`update media_assets set status = 'ready', byte_size = ${verified.byteSize},
            width = ${verified.width}, height = ${verified.height}, thumbnail_key = ${verified.thumbnailKey}
          where id = ${id} and status = 'pending' returning id`.pipe(Effect.orDie)
        if (updated.length > 0) {
          yield* recordAudit({ actor: by, action: "media.uploaded", entityKind: "media", entityId: id, after: verified }).pipe(Effect.orDie)
        }
        return yield* describe(id)
      })

    /** The asset with short-lived download URLs (when ready). */
    const describe = (id: string) =>
      Effect.gen(function* () {
        const row = yield* find(id)
        const ready = row.status === "ready"
        const url = ready ? yield* storage.presignDownload(row.key, { filename: row.original_name }).pipe(Effect.orDie) : null
        const thumbnailUrl =
          ready && row.thumbnail_key !== null ? yield* storage.presignDownload(row.thumbnail_key).pipe(Effect.orDie) : null
        return Schema.decodeUnknownSync(MediaAsset)({
          id: row.id,
          contentType: row.content_type,
          byteSize: Number(row.byte_size),
          originalName: row.original_name,
          width: row.width,
          height: row.height,
          status: row.status,
          url,
          thumbnailUrl,
          createdAt: row.created_at.toISOString()
        })
      })

    /**
     * For a visitor: the key of a file that is part of something public (the cover or gallery of a
     * public item, or the file of a published proof of one); anything else is not found.
     */
    const publicKey = (id: string, size: "full" | "thumb") =>
      sql<{ key: string; thumbnail_key: string | null }>`
        select m.key, m.thumbnail_key from media_assets m
        where m.id = ${id} and m.status = 'ready' and (
          exists (select 1 from catalog_items i where i.cover_media_id = m.id and i.status in ${sql.in(PUBLIC_STATUSES)})
          or exists (select 1 from catalog_item_media g join catalog_items i on i.id = g.catalog_item_id
                     where g.media_id = m.id and i.status in ${sql.in(PUBLIC_STATUSES)})
          or exists (select 1 from proofs p join catalog_items i on i.id = p.catalog_item_id
                     where p.media_id = m.id and p.status = 'published' and i.status in ${sql.in(PUBLIC_STATUSES)})
          -- The tenant's logo (settings) is on every page.
          or m.id::text = (select p.branding ->> 'logoMediaId' from app.current_tenant_profile() p)
        )`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) =>
          rows.length === 0
            ? Effect.fail(new MediaNotFound())
            : Effect.succeed(size === "thumb" ? (rows[0]!.thumbnail_key ?? rows[0]!.key) : rows[0]!.key)
        )
      )

    const downloadUrl = (key: string) => storage.presignDownload(key, { expiresInSeconds: 300, inline: true }).pipe(Effect.orDie)

    /**
     * Finishes an upload in three steps, so that no transaction stays open while storage is asked:
     * find it, check the object, mark it ready. Finishing twice answers the file again.
     */
    const complete = (tenantId: TenantId, id: string, by: UserId) =>
      Effect.gen(function* () {
        const row = yield* tenantSql.withTenant(tenantId, pending(id))
        if (row.status === "ready") return yield* tenantSql.withTenant(tenantId, describe(row.id))
        const verified = yield* verifyObject(row)
        return yield* tenantSql.withTenant(tenantId, markReady(row.id, verified, by))
      })

    /**
     * A file made on the server (the demo's illustrations), taken through the same steps as an
     * upload: recorded pending, put in the bucket, checked and thumbnailed, then marked ready.
     */
    const storeGenerated = (
      tenantId: TenantId,
      file: { readonly bytes: Uint8Array; readonly contentType: (typeof UPLOAD_TYPES)[number]; readonly filename: string }
    ) =>
      Effect.gen(function* () {
        const id = randomUUID()
        const key = `${tenantId}/media/${id}.${EXTENSIONS[file.contentType]}`
        yield* tenantSql.withTenant(
          tenantId,
          sql`insert into media_assets (tenant_id, id, key, content_type, byte_size, original_name)
            values (${tenantId}, ${id}, ${key}, ${file.contentType}, ${file.bytes.byteLength}, ${file.filename})`.pipe(Effect.orDie)
        )
        yield* storage.put(key, file.bytes, file.contentType).pipe(Effect.orDie)
        const verified = yield* verifyObject({ key, content_type: file.contentType })
        return yield* tenantSql.withTenant(tenantId, markReady(id, verified, null))
      })

    return { startUpload, pending, verifyObject, markReady, describe, complete, publicKey, downloadUrl, storeGenerated } as const
  })
}) {}
