import { Schema } from "effect"
import { CatalogCursor } from "./Keyset.js"
import { Money } from "./Money.js"
import { MultilineText, Text } from "./Text.js"
import { Timestamp } from "./Timestamp.js"

export const ItemKind = Schema.Literal("product", "project")
export type ItemKind = typeof ItemKind.Type

export const ItemStatus = Schema.Literal("draft", "active", "funded", "completed", "archived")
export type ItemStatus = typeof ItemStatus.Type

export const DonationCategory = Schema.Literal("zakat", "sadaqah", "waqf", "general")
export type DonationCategory = typeof DonationCategory.Type

/** The statuses a visitor may see; drafts and archived items are the staff's business. */
export const PUBLIC_STATUSES: ReadonlyArray<ItemStatus> = ["active", "funded", "completed"]

/**
 * The status workflow. Products only go live and back; projects also get funded and completed.
 * Anything not listed here is refused (400 `invalid-transition`).
 */
export const TRANSITIONS: Record<ItemKind, Record<ItemStatus, ReadonlyArray<ItemStatus>>> = {
  product: {
    draft: ["active", "archived"],
    active: ["draft", "archived"],
    funded: [],
    completed: [],
    archived: ["draft"]
  },
  project: {
    draft: ["active", "archived"],
    active: ["funded", "completed", "draft", "archived"],
    funded: ["completed", "active", "archived"],
    completed: ["archived"],
    archived: ["draft"]
  }
}

export const canTransition = (kind: ItemKind, from: ItemStatus, to: ItemStatus): boolean => TRANSITIONS[kind][from].includes(to)

/** A catalog slug: the last segment of the item's address, unique within the tenant. */
export const ItemSlug = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/, {
    message: () => "a slug is 1 to 80 lower-case letters, digits or inner hyphens"
  })
)

/** One line (a title, a file name). */
const line = (max: number) => Text.pipe(Schema.maxLength(max, { message: () => `at most ${max} characters` }))
/** Text that may run over lines (a summary, a body, a caption, a note). */
const text = (max: number) => MultilineText.pipe(Schema.maxLength(max, { message: () => `at most ${max} characters` }))
const arabicRequired = (base: typeof Text, max: number) =>
  base.pipe(
    Schema.compose(Schema.Trim),
    Schema.minLength(1, { message: () => "the Arabic text is required" }),
    Schema.maxLength(max, { message: () => `at most ${max} characters` })
  )

/** Arabic first and required; English may follow later. */
export const BilingualTitle = Schema.Struct({ ar: arabicRequired(Text, 200), en: Schema.optionalWith(line(200), { default: () => "" }) })
const bilingualText = (max: number) =>
  Schema.Struct({
    ar: Schema.optionalWith(text(max), { default: () => "" }),
    en: Schema.optionalWith(text(max), { default: () => "" })
  })
export const BilingualSummary = bilingualText(500)
export const BilingualBody = bilingualText(20_000)

export const MediaRef = Schema.Struct({
  id: Schema.UUID,
  contentType: Schema.String,
  width: Schema.NullOr(Schema.Int),
  height: Schema.NullOr(Schema.Int)
})
export type MediaRef = typeof MediaRef.Type

const bilingual = Schema.Struct({ ar: Schema.String, en: Schema.String })

/** What visitors and staff both see of an item: a card in a list. */
const cardFields = {
  id: Schema.UUID,
  slug: Schema.String,
  kind: ItemKind,
  status: ItemStatus,
  title: bilingual,
  summary: bilingual,
  price: Schema.NullOr(Money),
  goal: Schema.NullOr(Money),
  raised: Money,
  pledged: Money,
  zakatEligible: Schema.Boolean,
  category: Schema.NullOr(DonationCategory),
  featured: Schema.Boolean,
  cover: Schema.NullOr(MediaRef),
  /** A product that ships: its checkout asks for a delivery address. */
  ships: Schema.optionalWith(Schema.Boolean, { default: () => false })
}

/** An item in the dashboard's list: the card, its place in the order and when it last changed (no body, no gallery). */
export class CatalogListItem extends Schema.Class<CatalogListItem>("CatalogListItem")({
  ...cardFields,
  sort: Schema.Int,
  updatedAt: Timestamp
}) {}

/** An item as staff edit it in the dashboard. */
export class CatalogItem extends Schema.Class<CatalogItem>("CatalogItem")({
  ...cardFields,
  sort: Schema.Int,
  publishedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  body: bilingual,
  gallery: Schema.Array(MediaRef)
}) {}

export const Sort = Schema.Int.pipe(Schema.between(-1_000_000, 1_000_000))

/** A new item: always a draft. Kind decides whether a price or a goal (and category) is needed. */
export const NewCatalogItem = Schema.Struct({
  kind: ItemKind,
  slug: ItemSlug,
  title: BilingualTitle,
  summary: Schema.optionalWith(BilingualSummary, { default: () => ({ ar: "", en: "" }) }),
  body: Schema.optionalWith(BilingualBody, { default: () => ({ ar: "", en: "" }) }),
  price: Schema.optional(Money),
  goal: Schema.optional(Money),
  zakatEligible: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  category: Schema.optional(DonationCategory),
  featured: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  sort: Schema.optionalWith(Sort, { default: () => 0 }),
  /** A product that ships (its checkout asks for a delivery address); never a project. */
  ships: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type NewCatalogItem = typeof NewCatalogItem.Type

/** A partial edit; the kind never changes. `coverMediaId: null` removes the cover. */
export const CatalogItemChanges = Schema.Struct({
  slug: Schema.optional(ItemSlug),
  title: Schema.optional(BilingualTitle),
  summary: Schema.optional(BilingualSummary),
  body: Schema.optional(BilingualBody),
  price: Schema.optional(Money),
  goal: Schema.optional(Money),
  zakatEligible: Schema.optional(Schema.Boolean),
  category: Schema.optional(DonationCategory),
  featured: Schema.optional(Schema.Boolean),
  sort: Schema.optional(Sort),
  coverMediaId: Schema.optional(Schema.NullOr(Schema.UUID)),
  ships: Schema.optional(Schema.Boolean)
})
export type CatalogItemChanges = typeof CatalogItemChanges.Type

export const StatusChangeRequest = Schema.Struct({
  to: ItemStatus,
  note: Schema.optionalWith(text(1000), { default: () => "" })
})

export const GalleryRequest = Schema.Struct({
  mediaIds: Schema.Array(Schema.UUID).pipe(Schema.maxItems(30))
})

export class StatusChange extends Schema.Class<StatusChange>("StatusChange")({
  from: Schema.NullOr(Schema.String),
  to: Schema.String,
  by: Schema.NullOr(Schema.String),
  note: Schema.String,
  at: Timestamp
}) {}

/** Keyset pagination: an opaque cursor from the previous page (see `Keyset.ts`). */
export const Cursor = CatalogCursor

const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))
const SearchText = Text.pipe(Schema.maxLength(200))

export const CatalogQuery = Schema.Struct({
  kind: Schema.optional(ItemKind),
  category: Schema.optional(DonationCategory),
  q: Schema.optional(SearchText),
  cursor: Schema.optional(Cursor),
  limit: Schema.optional(Limit)
})
export type CatalogQuery = typeof CatalogQuery.Type

export const StaffCatalogQuery = Schema.Struct({
  ...CatalogQuery.fields,
  status: Schema.optional(ItemStatus)
})
export type StaffCatalogQuery = typeof StaffCatalogQuery.Type

export class CatalogPage extends Schema.Class<CatalogPage>("CatalogPage")({
  items: Schema.Array(CatalogListItem),
  nextCursor: Schema.NullOr(Schema.String)
}) {}

/** An item as a visitor sees it in a list. */
export class CatalogCard extends Schema.Class<CatalogCard>("CatalogCard")(cardFields) {}

export class PublicCatalogPage extends Schema.Class<PublicCatalogPage>("PublicCatalogPage")({
  items: Schema.Array(CatalogCard),
  nextCursor: Schema.NullOr(Schema.String)
}) {}

// ---------------------------------------------------------------- proofs

export const ProofKind = Schema.Literal("photo", "invoice", "report", "update")
export type ProofKind = typeof ProofKind.Type

const IsoDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "a date like 2026-11-24" }),
  Schema.filter(
    (value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    {
      message: () => "a real calendar date"
    }
  )
)

export class Proof extends Schema.Class<Proof>("Proof")({
  id: Schema.UUID,
  itemId: Schema.UUID,
  kind: ProofKind,
  caption: bilingual,
  occurredOn: Schema.String,
  amountSpent: Schema.NullOr(Money),
  media: Schema.NullOr(MediaRef),
  status: Schema.Literal("draft", "published"),
  publishedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp
}) {}

export const NewProof = Schema.Struct({
  kind: ProofKind,
  caption: Schema.Struct({ ar: arabicRequired(MultilineText, 1000), en: Schema.optionalWith(text(1000), { default: () => "" }) }),
  occurredOn: IsoDate,
  amountSpent: Schema.optional(Money),
  mediaId: Schema.optional(Schema.UUID)
})
export type NewProof = typeof NewProof.Type

export const PublishProofRequest = Schema.Struct({
  /** Also move the project to `completed` (when its workflow allows it). */
  completeItem: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

/** A published proof as the public timeline shows it. */
export class PublicProof extends Schema.Class<PublicProof>("PublicProof")({
  id: Schema.UUID,
  itemSlug: Schema.String,
  itemTitle: bilingual,
  kind: ProofKind,
  caption: bilingual,
  occurredOn: Schema.String,
  amountSpent: Schema.NullOr(Money),
  media: Schema.NullOr(MediaRef),
  publishedAt: Timestamp
}) {}

/** An item's public page: the card, its body and gallery, and the proof timeline (newest first). */
export class PublicCatalogItem extends Schema.Class<PublicCatalogItem>("PublicCatalogItem")({
  item: CatalogCard,
  body: bilingual,
  gallery: Schema.Array(MediaRef),
  proofs: Schema.Array(PublicProof)
}) {}

export const PublicProofsQuery = Schema.Struct({
  item: Schema.optional(ItemSlug),
  limit: Schema.optional(Limit)
})

// ---------------------------------------------------------------- page data (one call per storefront page)

/** `GET /public/pages/home`: how many of each the home page shows (each 1..Limit, defaults 24, 6, 4). */
export const HomePageQuery = Schema.Struct({
  projects: Schema.optional(Limit),
  products: Schema.optional(Limit),
  proofs: Schema.optional(Limit)
})

/** Everything the home page renders besides the shell, read in one transaction. */
export class PublicHomePage extends Schema.Class<PublicHomePage>("PublicHomePage")({
  projects: Schema.Array(CatalogCard),
  products: Schema.Array(CatalogCard),
  proofs: Schema.Array(PublicProof)
}) {}

// ---------------------------------------------------------------- media

export const UPLOAD_TYPES = ["image/jpeg", "image/png", "image/webp", "application/pdf"] as const
export const UploadContentType = Schema.Literal(...UPLOAD_TYPES)
/** 10 MiB: a phone photo or a scanned invoice. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024

export const UploadRequest = Schema.Struct({
  contentType: line(255),
  byteSize: Schema.Int.pipe(Schema.positive()),
  filename: Schema.optionalWith(line(255), { default: () => "" })
})

export class UploadTicket extends Schema.Class<UploadTicket>("UploadTicket")({
  mediaId: Schema.UUID,
  url: Schema.String,
  fields: Schema.Record({ key: Schema.String, value: Schema.String }),
  expiresAt: Timestamp,
  maxBytes: Schema.Int
}) {}

export class MediaAsset extends Schema.Class<MediaAsset>("MediaAsset")({
  id: Schema.UUID,
  contentType: Schema.String,
  byteSize: Schema.Int,
  originalName: Schema.String,
  width: Schema.NullOr(Schema.Int),
  height: Schema.NullOr(Schema.Int),
  status: Schema.Literal("pending", "ready"),
  url: Schema.NullOr(Schema.String),
  thumbnailUrl: Schema.NullOr(Schema.String),
  createdAt: Timestamp
}) {}

export const MediaVariant = Schema.Struct({ size: Schema.optional(Schema.Literal("full", "thumb")) })
