import { SqlClient, type Statement } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { CurrentTenant, recordAudit, requireWithinPlan, timestampSql } from "@manara/db"
import {
  canTransition,
  CatalogCard,
  CatalogItem,
  type CatalogItemChanges,
  CatalogListItem,
  encodeCatalogCursor,
  type CatalogQuery,
  formatMoney,
  type ItemStatus,
  parseMoney,
  type NewCatalogItem,
  PUBLIC_STATUSES,
  PublicCatalogItem,
  type StaffCatalogQuery,
  StatusChange,
  timestamp,
  type UserId
} from "@manara/domain"
import { Data, Effect, Schema } from "effect"
import { mediaRef, type MediaRow, mediaRowSql } from "./Rows.js"

export class ItemNotFound extends Data.TaggedError("ItemNotFound")<{}> {}
export class SlugTaken extends Data.TaggedError("SlugTaken")<{}> {}
export class InvalidItem extends Data.TaggedError("InvalidItem")<{ readonly detail: string }> {}
export class InvalidItemTransition extends Data.TaggedError("InvalidItemTransition")<{ readonly from: string; readonly to: string }> {}
export class MediaNotFound extends Data.TaggedError("MediaNotFound")<{}> {}

const DEFAULT_PAGE = 20

/**
 * What `app.fold_arabic` deletes (Arabic diacritics, the superscript alef, tatweel), deleted here first:
 * a word of nothing else would fold to '' and `to_tsquery` refuses an empty word.
 */
const FOLDED_AWAY = /[\u064B-\u065F\u0670\u0640]/gu

/** Search words as Postgres will see them: letters (with their marks, folded in SQL) and digits. */
export const searchWords = (q: string | undefined): ReadonlyArray<string> =>
  (q?.replace(FOLDED_AWAY, "").match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).slice(0, 8).map((word) => word.slice(0, 50))

const isUniqueViolation = (error: unknown) => error instanceof SqlError && (error.cause as { code?: string } | undefined)?.code === "23505"

interface ItemRow {
  readonly id: string
  readonly cursor_at: string
  readonly kind: "product" | "project"
  readonly slug: string
  readonly status: ItemStatus
  readonly title_ar: string
  readonly title_en: string
  readonly summary_ar: string
  readonly summary_en: string
  readonly body_ar: string
  readonly body_en: string
  readonly price: string | null
  readonly goal_amount: string | null
  readonly raised_amount: string
  readonly pledged_amount: string
  readonly zakat_eligible: boolean
  readonly ships: boolean
  readonly category: "zakat" | "sadaqah" | "waqf" | "general" | null
  readonly featured: boolean
  readonly sort: number
  readonly cover: MediaRow | null
  readonly gallery: ReadonlyArray<MediaRow>
  readonly published_at: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

/** Numbers the database produced from `numeric(12,3)`: always valid, so read, not re-validated. */
export const fils = (text: string) => parseMoney(text)!
const filsOrNull = (text: string | null) => (text === null ? null : fils(text))

type CardRow = Omit<ItemRow, "gallery" | "body_ar" | "body_en" | "published_at" | "created_at" | "updated_at">

const cardFields = (row: CardRow) => ({
  id: row.id,
  slug: row.slug,
  kind: row.kind,
  status: row.status,
  title: { ar: row.title_ar, en: row.title_en },
  summary: { ar: row.summary_ar, en: row.summary_en },
  price: filsOrNull(row.price),
  goal: filsOrNull(row.goal_amount),
  raised: fils(row.raised_amount),
  pledged: fils(row.pledged_amount),
  zakatEligible: row.zakat_eligible,
  category: row.category,
  featured: row.featured,
  cover: row.cover === null ? null : mediaRef(row.cover),
  ships: row.ships
})

// Rows are built into their classes without validation: the database's constraints already hold
// them, and a public page of 20 items would otherwise pay for it on every request.
const toItem = (row: ItemRow): CatalogItem =>
  new CatalogItem(
    {
      ...cardFields(row),
      body: { ar: row.body_ar, en: row.body_en },
      sort: row.sort,
      gallery: row.gallery.map(mediaRef),
      publishedAt: row.published_at === null ? null : timestamp(row.published_at),
      createdAt: timestamp(row.created_at),
      updatedAt: timestamp(row.updated_at)
    },
    true
  )

export const toCard = (row: CardRow): CatalogCard => new CatalogCard(cardFields(row), true)

const toListItem = (row: CardRow & { readonly updated_at: string }): CatalogListItem =>
  new CatalogListItem(
    {
      ...cardFields(row),
      sort: row.sort,
      updatedAt: row.updated_at
    },
    true
  )

/** Kind decides the money fields: a product has a price, a project a goal and a donation category. */
const checkKind = (item: {
  readonly kind: "product" | "project"
  readonly price: bigint | null
  readonly goal: bigint | null
  readonly category: string | null
}) => {
  if (item.kind === "product") {
    if (item.price === null) return Effect.fail(new InvalidItem({ detail: "A product needs a price" }))
    if (item.goal !== null) return Effect.fail(new InvalidItem({ detail: "A product has a price, not a goal" }))
  } else {
    if (item.goal === null || item.goal === 0n) return Effect.fail(new InvalidItem({ detail: "A project needs a goal above zero" }))
    if (item.price !== null) return Effect.fail(new InvalidItem({ detail: "A project has a goal, not a price" }))
  }
  return Effect.void
}

const money = (value: bigint | null | undefined) => (value === null || value === undefined ? null : formatMoney(value))

/**
 * A tenant's catalog: products and charity projects. Every method runs in the tenant's transaction
 * (it requires `CurrentTenant`); every write records its audit row, and every status its history row,
 * in that same transaction.
 */
export class Catalog extends Effect.Service<Catalog>()("Catalog/Catalog", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const coverSql = sql`(select ${mediaRowSql(sql, "m")} from media_assets m where m.id = i.cover_media_id)`
    const gallerySql = sql`coalesce((
      select json_agg(${mediaRowSql(sql, "m")} order by g.position)
      from catalog_item_media g join media_assets m on m.id = g.media_id
      where g.catalog_item_id = i.id), '[]'::json)`
    // Where an item stands in the keyset order, to the microsecond (a JS Date would round it).
    const cursorAt = sql`to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as cursor_at`
    const columns = sql`i.id, ${cursorAt}, i.kind, i.slug, i.status, i.title_ar, i.title_en, i.summary_ar,
      i.summary_en, i.body_ar, i.body_en, i.price::text as price, i.goal_amount::text as goal_amount,
      i.raised_amount::text as raised_amount, i.pledged_amount::text as pledged_amount, i.zakat_eligible, i.ships,
      i.category, i.featured, i.sort, i.published_at, i.created_at, i.updated_at,
      ${coverSql} as cover, ${gallerySql} as gallery`
    const cardColumns = sql`i.id, ${cursorAt}, i.kind, i.slug, i.status, i.title_ar, i.title_en, i.summary_ar,
      i.summary_en, i.price::text as price, i.goal_amount::text as goal_amount,
      i.raised_amount::text as raised_amount, i.pledged_amount::text as pledged_amount, i.zakat_eligible, i.ships,
      i.category, i.featured, i.sort, ${coverSql} as cover`

    /** Filters shared by the staff and the public list; keyset order: `sort`, then newest first (`created_at`, `id`). */
    const filters = (query: CatalogQuery & { readonly status?: ItemStatus | undefined }, publicOnly: boolean) => {
      const where: Array<Statement.Fragment> = []
      if (publicOnly) where.push(sql`i.status in ${sql.in(PUBLIC_STATUSES)}`)
      if (query.status !== undefined) where.push(sql`i.status = ${query.status}`)
      if (query.kind !== undefined) where.push(sql`i.kind = ${query.kind}`)
      if (query.category !== undefined) where.push(sql`i.category = ${query.category}`)
      const words = searchWords(query.q)
      if (words.length > 0) {
        where.push(sql`i.search @@ app.search_query(array(select jsonb_array_elements_text(${JSON.stringify(words)}::jsonb)))`)
      }
      if (query.cursor !== undefined) {
        const { at, id, sort } = query.cursor
        where.push(
          sql`(i.sort > ${sort} or (i.sort = ${sort} and (i.created_at, i.id) < (${at}::timestamp at time zone 'UTC', ${id}::uuid)))`
        )
      }
      return where.length === 0 ? sql`true` : sql.and(where)
    }

    const page = <R extends { readonly id: string; readonly sort: number; readonly cursor_at: string }>(
      rows: ReadonlyArray<R>,
      limit: number
    ) => {
      const last = rows.length > limit ? rows[limit - 1]! : undefined
      return {
        rows: rows.slice(0, limit),
        nextCursor: last === undefined ? null : encodeCatalogCursor({ sort: last.sort, at: last.cursor_at, id: last.id })
      }
    }

    const list = (query: StaffCatalogQuery) =>
      Effect.gen(function* () {
        const limit = query.limit ?? DEFAULT_PAGE
        const rows = yield* sql<CardRow & { readonly updated_at: string }>`
          select ${cardColumns}, ${timestampSql(sql, "i.updated_at")} as updated_at from catalog_items i
          where ${filters(query, false)} order by i.sort, i.created_at desc, i.id desc limit ${limit + 1}`
        const { nextCursor, rows: shown } = page(rows, limit)
        return { items: shown.map(toListItem), nextCursor }
      }).pipe(Effect.orDie)

    const publicList = (query: CatalogQuery) =>
      Effect.gen(function* () {
        const limit = query.limit ?? DEFAULT_PAGE
        const rows = yield* sql<ItemRow>`
          select ${cardColumns} from catalog_items i where ${filters(query, true)}
          order by i.sort, i.created_at desc, i.id desc limit ${limit + 1}`
        const { nextCursor, rows: shown } = page(rows, limit)
        return { items: shown.map(toCard), nextCursor }
      }).pipe(Effect.orDie)

    const findRow = (id: string, lock: boolean) =>
      sql<ItemRow>`select ${columns} from catalog_items i where i.id = ${id} ${lock ? sql`for update of i` : sql``}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new ItemNotFound()) : Effect.succeed(rows[0]!)))
      )

    const get = (id: string) => Effect.map(findRow(id, false), toItem)

    const recordStatus = (entityKind: string, entityId: string, from: string | null, to: string, by: UserId, note = "") =>
      Effect.flatMap(
        CurrentTenant,
        (tenantId) =>
          sql`insert into status_changes (tenant_id, entity_kind, entity_id, from_status, to_status, changed_by, note, created_at)
            values (${tenantId}, ${entityKind}, ${entityId}, ${from}, ${to}, ${by}, ${note}, clock_timestamp())`
      )

    /** The media must be this tenant's (RLS makes another tenant's invisible), uploaded and an image. */
    const readyImages = (ids: ReadonlyArray<string>) =>
      ids.length === 0
        ? Effect.void
        : sql<{
            id: string
          }>`select id from media_assets where id in ${sql.in(ids)} and status = 'ready' and content_type like 'image/%'`.pipe(
            Effect.orDie,
            Effect.flatMap((rows) => (rows.length === new Set(ids).size ? Effect.void : Effect.fail(new MediaNotFound())))
          )

    const create = (input: NewCatalogItem, by: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        yield* requireWithinPlan("items", 1)
        const category = input.kind === "project" ? (input.category ?? "general") : null
        if (input.kind === "product" && input.category !== undefined) {
          return yield* new InvalidItem({ detail: "A donation category belongs to a project" })
        }
        if (input.kind === "product" && input.zakatEligible) {
          return yield* new InvalidItem({ detail: "Only a project can be zakat-eligible" })
        }
        if (input.kind === "project" && input.ships) return yield* new InvalidItem({ detail: "Only a product ships" })
        yield* checkKind({ kind: input.kind, price: input.price ?? null, goal: input.goal ?? null, category })
        const inserted = yield* sql<{ id: string }>`
          insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, summary_ar, summary_en, body_ar, body_en,
            price, goal_amount, zakat_eligible, category, featured, sort, ships, created_by)
          values (${tenantId}, ${input.kind}, ${input.slug}, ${input.title.ar}, ${input.title.en}, ${input.summary.ar},
            ${input.summary.en}, ${input.body.ar}, ${input.body.en}, ${money(input.price)}::numeric,
            ${money(input.goal)}::numeric, ${input.zakatEligible}, ${category},
            ${input.featured}, ${input.sort}, ${input.ships}, ${by})
          returning id`.pipe(
          Effect.catchIf(isUniqueViolation, () => Effect.fail(new SlugTaken())),
          Effect.catchTag("SqlError", Effect.die)
        )
        const id = inserted[0]!.id
        yield* recordStatus("catalog_item", id, null, "draft", by).pipe(Effect.orDie)
        const item = yield* get(id)
        yield* recordAudit({
          actor: by,
          action: "catalog.created",
          entityKind: "catalog_item",
          entityId: id,
          after: Schema.encodeSync(CatalogItem)(item)
        }).pipe(Effect.orDie)
        return item
      })

    const update = (id: string, changes: CatalogItemChanges, by: UserId) =>
      Effect.gen(function* () {
        const row = yield* findRow(id, true)
        const before = toItem(row)
        if (before.kind === "product" && changes.category !== undefined) {
          return yield* new InvalidItem({ detail: "A donation category belongs to a project" })
        }
        if (before.kind === "product" && changes.zakatEligible === true) {
          return yield* new InvalidItem({ detail: "Only a project can be zakat-eligible" })
        }
        if (before.kind === "project" && changes.ships === true) return yield* new InvalidItem({ detail: "Only a product ships" })
        yield* checkKind({
          kind: before.kind,
          price: changes.price ?? before.price,
          goal: changes.goal ?? before.goal,
          category: changes.category ?? before.category
        })
        if (changes.coverMediaId !== undefined && changes.coverMediaId !== null) yield* readyImages([changes.coverMediaId])
        const set: Array<Statement.Fragment> = []
        if (changes.slug !== undefined) set.push(sql`slug = ${changes.slug}`)
        if (changes.title !== undefined) set.push(sql`title_ar = ${changes.title.ar}, title_en = ${changes.title.en}`)
        if (changes.summary !== undefined) set.push(sql`summary_ar = ${changes.summary.ar}, summary_en = ${changes.summary.en}`)
        if (changes.body !== undefined) set.push(sql`body_ar = ${changes.body.ar}, body_en = ${changes.body.en}`)
        if (changes.price !== undefined) set.push(sql`price = ${money(changes.price)}::numeric`)
        if (changes.goal !== undefined) set.push(sql`goal_amount = ${money(changes.goal)}::numeric`)
        if (changes.zakatEligible !== undefined) set.push(sql`zakat_eligible = ${changes.zakatEligible}`)
        if (changes.category !== undefined) set.push(sql`category = ${changes.category}`)
        if (changes.featured !== undefined) set.push(sql`featured = ${changes.featured}`)
        if (changes.sort !== undefined) set.push(sql`sort = ${changes.sort}`)
        if (changes.ships !== undefined) set.push(sql`ships = ${changes.ships}`)
        if (changes.coverMediaId !== undefined) set.push(sql`cover_media_id = ${changes.coverMediaId}`)
        if (set.length === 0) return before
        yield* sql`update catalog_items set ${sql.csv(set)} where id = ${id}`.pipe(
          Effect.catchIf(isUniqueViolation, () => Effect.fail(new SlugTaken())),
          Effect.catchTag("SqlError", Effect.die)
        )
        const after = yield* get(id)
        yield* recordAudit({
          actor: by,
          action: "catalog.updated",
          entityKind: "catalog_item",
          entityId: id,
          before: Schema.encodeSync(CatalogItem)(before),
          after: Schema.encodeSync(CatalogItem)(after)
        }).pipe(Effect.orDie)
        return after
      })

    const changeStatus = (id: string, to: ItemStatus, note: string, by: UserId) =>
      Effect.gen(function* () {
        const row = yield* findRow(id, true)
        if (!canTransition(row.kind, row.status, to)) return yield* new InvalidItemTransition({ from: row.status, to })
        yield* sql`update catalog_items set status = ${to},
          published_at = case when ${to} = 'active' then coalesce(published_at, now()) else published_at end
          where id = ${id}`.pipe(Effect.orDie)
        yield* recordStatus("catalog_item", id, row.status, to, by, note).pipe(Effect.orDie)
        yield* recordAudit({
          actor: by,
          action: "catalog.status_changed",
          entityKind: "catalog_item",
          entityId: id,
          before: { status: row.status },
          after: { status: to, note }
        }).pipe(Effect.orDie)
        return yield* get(id)
      })

    const history = (id: string) =>
      Effect.gen(function* () {
        yield* findRow(id, false)
        const rows = yield* sql<{
          from_status: string | null
          to_status: string
          changed_by: string | null
          note: string
          created_at: Date
        }>`
          select from_status, to_status, changed_by, note, created_at from status_changes
          where entity_kind = 'catalog_item' and entity_id = ${id} order by created_at, id`.pipe(Effect.orDie)
        return rows.map((row) =>
          Schema.decodeUnknownSync(StatusChange)({
            from: row.from_status,
            to: row.to_status,
            by: row.changed_by,
            note: row.note,
            at: row.created_at.toISOString()
          })
        )
      })

    const setGallery = (id: string, mediaIds: ReadonlyArray<string>, by: UserId) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const before = toItem(yield* findRow(id, true))
        const unique = [...new Set(mediaIds)]
        yield* readyImages(unique)
        yield* sql`delete from catalog_item_media where catalog_item_id = ${id}`.pipe(Effect.orDie)
        if (unique.length > 0) {
          yield* sql`insert into catalog_item_media ${sql.insert(
            unique.map((mediaId, position) => ({ tenant_id: tenantId, catalog_item_id: id, media_id: mediaId, position }))
          )}`.pipe(Effect.orDie)
        }
        yield* recordAudit({
          actor: by,
          action: "catalog.gallery_changed",
          entityKind: "catalog_item",
          entityId: id,
          before: before.gallery.map((m) => m.id),
          after: unique
        }).pipe(Effect.orDie)
        return yield* get(id)
      })

    /** A visitor's view of one item: only if public; with its gallery and published proof timeline. */
    const publicItem = (
      slug: string,
      proofs: (itemId: string) => Effect.Effect<PublicCatalogItem["proofs"], never, SqlClient.SqlClient | CurrentTenant>
    ) =>
      Effect.gen(function* () {
        const rows = yield* sql<ItemRow>`
          select ${columns} from catalog_items i where i.slug = ${slug} and i.status in ${sql.in(PUBLIC_STATUSES)}`.pipe(Effect.orDie)
        if (rows.length === 0) return yield* new ItemNotFound()
        const row = rows[0]!
        return new PublicCatalogItem({
          item: toCard(row),
          body: { ar: row.body_ar, en: row.body_en },
          gallery: row.gallery.map(mediaRef),
          proofs: yield* proofs(row.id)
        })
      })

    return {
      list,
      publicList,
      get,
      create,
      update,
      changeStatus,
      history,
      setGallery,
      publicItem,
      recordStatus,
      findRow,
      readyImages
    } as const
  })
}) {}
