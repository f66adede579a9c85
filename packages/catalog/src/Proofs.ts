import { SqlClient } from "@effect/sql"
import { CurrentTenant, recordAudit } from "@manara/db"
import { formatMoney, type NewProof, Proof, PUBLIC_STATUSES, PublicProof, timestamp, type UserId } from "@manara/domain"
import { Data, Effect, Schema } from "effect"
import { Catalog, fils, MediaNotFound } from "./Catalog.js"
import { mediaRef, type MediaRow, mediaRowSql } from "./Rows.js"

export class ProofNotFound extends Data.TaggedError("ProofNotFound")<{}> {}

interface ProofRow {
  readonly id: string
  readonly catalog_item_id: string
  readonly kind: "photo" | "invoice" | "report" | "update"
  readonly caption_ar: string
  readonly caption_en: string
  readonly occurred_on: string
  readonly amount_spent: string | null
  readonly media: MediaRow | null
  readonly status: "draft" | "published"
  readonly published_at: Date | null
  readonly created_at: Date
  readonly item_slug: string
  readonly item_title_ar: string
  readonly item_title_en: string
}

const toProof = (row: ProofRow): Proof =>
  new Proof(
    {
      id: row.id,
      itemId: row.catalog_item_id,
      kind: row.kind,
      caption: { ar: row.caption_ar, en: row.caption_en },
      occurredOn: row.occurred_on,
      amountSpent: row.amount_spent === null ? null : fils(row.amount_spent),
      media: row.media === null ? null : mediaRef(row.media),
      status: row.status,
      publishedAt: row.published_at === null ? null : timestamp(row.published_at),
      createdAt: timestamp(row.created_at)
    },
    true
  )

const toPublicProof = (row: ProofRow): PublicProof =>
  new PublicProof(
    {
      id: row.id,
      itemSlug: row.item_slug,
      itemTitle: { ar: row.item_title_ar, en: row.item_title_en },
      kind: row.kind,
      caption: { ar: row.caption_ar, en: row.caption_en },
      occurredOn: row.occurred_on,
      amountSpent: row.amount_spent === null ? null : fils(row.amount_spent),
      media: row.media === null ? null : mediaRef(row.media),
      publishedAt: timestamp(row.published_at!)
    },
    true
  )

/**
 * Proof of impact: a photo, invoice, report or update about an item, bilingual, dated, optionally
 * with the amount spent and a media file. Drafts are the staff's; published proofs form the item's
 * public timeline. Runs in the tenant's transaction; every write audited.
 */
export class Proofs extends Effect.Service<Proofs>()("Catalog/Proofs", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const catalog = yield* Catalog

    const select = sql`select p.id, p.catalog_item_id, p.kind, p.caption_ar, p.caption_en, p.occurred_on::text as occurred_on,
        p.amount_spent::text as amount_spent, p.status, p.published_at, p.created_at,
        (select ${mediaRowSql(sql, "m")} from media_assets m where m.id = p.media_id) as media,
        i.slug as item_slug, i.title_ar as item_title_ar, i.title_en as item_title_en
      from proofs p join catalog_items i on i.id = p.catalog_item_id`

    const find = (id: string, lock: boolean) =>
      sql<ProofRow>`${select} where p.id = ${id} ${lock ? sql`for update of p` : sql``}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new ProofNotFound()) : Effect.succeed(rows[0]!)))
      )

    const forItem = (itemId: string) =>
      Effect.gen(function* () {
        yield* catalog.findRow(itemId, false)
        const rows =
          yield* sql<ProofRow>`${select} where p.catalog_item_id = ${itemId} order by p.occurred_on desc, p.created_at desc, p.id desc`.pipe(
            Effect.orDie
          )
        return rows.map(toProof)
      })

    const add = (itemId: string, input: NewProof, by: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        yield* catalog.findRow(itemId, false)
        if (input.mediaId !== undefined) yield* readyMedia(input.mediaId)
        const rows = yield* sql<{ id: string }>`
          insert into proofs (tenant_id, catalog_item_id, kind, caption_ar, caption_en, occurred_on, amount_spent, media_id, created_by)
          values (${tenantId}, ${itemId}, ${input.kind}, ${input.caption.ar}, ${input.caption.en}, ${input.occurredOn}::date,
            ${input.amountSpent === undefined ? null : formatMoney(input.amountSpent)}::numeric, ${input.mediaId ?? null}, ${by})
          returning id`.pipe(Effect.orDie)
        const proof = toProof(yield* find(rows[0]!.id, false))
        yield* recordAudit({
          actor: by,
          action: "proof.created",
          entityKind: "proof",
          entityId: proof.id,
          after: Schema.encodeSync(Proof)(proof)
        }).pipe(Effect.orDie)
        return proof
      })

    /** Any of this tenant's uploaded files: photos, scanned invoices (PDF), reports. */
    const readyMedia = (mediaId: string) =>
      sql<{ id: string }>`select id from media_assets where id = ${mediaId} and status = 'ready'`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new MediaNotFound()) : Effect.void))
      )

    /** Publishes a draft; with `completeItem`, also moves its project to `completed` when allowed. */
    const publish = (id: string, completeItem: boolean, by: UserId) =>
      Effect.gen(function* () {
        const row = yield* find(id, true)
        if (row.status === "draft") {
          yield* sql`update proofs set status = 'published', published_at = now() where id = ${id}`.pipe(Effect.orDie)
          yield* catalog.recordStatus("proof", id, "draft", "published", by).pipe(Effect.orDie)
          yield* recordAudit({ actor: by, action: "proof.published", entityKind: "proof", entityId: id }).pipe(Effect.orDie)
        }
        // Fails (and rolls the publication back with it) when the item's workflow does not allow it.
        if (completeItem) {
          const item = yield* catalog.findRow(row.catalog_item_id, false)
          if (item.status !== "completed") yield* catalog.changeStatus(item.id, "completed", "", by)
        }
        return toProof(yield* find(id, false))
      })

    const remove = (id: string, by: UserId) =>
      Effect.gen(function* () {
        const row = yield* find(id, true)
        yield* sql`delete from proofs where id = ${id}`.pipe(Effect.orDie)
        yield* recordAudit({
          actor: by,
          action: "proof.removed",
          entityKind: "proof",
          entityId: id,
          before: Schema.encodeSync(Proof)(toProof(row))
        }).pipe(Effect.orDie)
      })

    /** Published proofs of public items, newest first: one item's timeline, or the tenant's latest. */
    const published = (filter: { readonly itemId?: string; readonly itemSlug?: string; readonly limit: number }) =>
      sql<ProofRow>`${select}
        where p.status = 'published' and i.status in ${sql.in(PUBLIC_STATUSES)}
        ${filter.itemId === undefined ? sql`` : sql`and p.catalog_item_id = ${filter.itemId}`}
        ${filter.itemSlug === undefined ? sql`` : sql`and i.slug = ${filter.itemSlug}`}
        order by p.occurred_on desc, p.published_at desc, p.id desc limit ${filter.limit}`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map(toPublicProof))
      )

    return { forItem, add, publish, remove, published } as const
  }),
  dependencies: [Catalog.Default]
}) {}
