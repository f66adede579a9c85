// Relative imports, no runes: the form action (server) and the page (browser) both read this module.
import { latinDigits } from "./links.js"
import { isAmount } from "./money.js"

export const CATEGORIES = ["zakat", "sadaqah", "waqf", "general"] as const
export type Category = (typeof CATEGORIES)[number]

/** The form's fields, named as the inputs are; the bilingual ones `{field}_{ar|en}`. */
export interface ItemValues {
  kind: "product" | "project"
  slug: string
  title_ar: string
  title_en: string
  summary_ar: string
  summary_en: string
  body_ar: string
  body_en: string
  price: string
  goal: string
  category: Category
  zakatEligible: boolean
  featured: boolean
  sort: string
  /** A product that ships: its checkout asks for a delivery address. */
  ships: boolean
}

export type Field = Exclude<keyof ItemValues, "kind">

/** Why a field was refused; the page words each code in the visitor's language. */
export type ErrorCode = "required" | "slug" | "slug-taken" | "money" | "money-positive" | "too-long" | "sort" | "category" | "invalid"

export type FieldErrors = Partial<Record<Field, ErrorCode>>

/** What a failed action returns: the fields as typed (never the token), and why each was refused. */
export interface ItemFailure {
  readonly values: ItemValues
  readonly errors: FieldErrors
  /** A refusal that belongs to no field (role, network, ...): its problem kind and detail. */
  readonly problem?: { readonly kind: string; readonly status: number; readonly detail?: string }
}

/** The limits of `Catalog.ts`, checked here first so that each error shows by its field in our words. */
export const MAX_LENGTH: Partial<Record<Field, number>> = {
  title_ar: 200,
  title_en: 200,
  summary_ar: 500,
  summary_en: 500,
  body_ar: 20_000,
  body_en: 20_000
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/

export const emptyItem = (): ItemValues => ({
  kind: "project",
  slug: "",
  title_ar: "",
  title_en: "",
  summary_ar: "",
  summary_en: "",
  body_ar: "",
  body_en: "",
  price: "",
  goal: "",
  category: "general",
  zakatEligible: false,
  featured: false,
  sort: "0",
  ships: false
})

/** An item from the API (wire form) as the form's values. */
export const itemValues = (item: {
  readonly kind: "product" | "project"
  readonly slug: string
  readonly title: { readonly ar: string; readonly en: string }
  readonly summary: { readonly ar: string; readonly en: string }
  readonly body: { readonly ar: string; readonly en: string }
  readonly price: string | null
  readonly goal: string | null
  readonly category: Category | null
  readonly zakatEligible: boolean
  readonly featured: boolean
  readonly sort: number
  readonly ships?: boolean
}): ItemValues => ({
  kind: item.kind,
  slug: item.slug,
  title_ar: item.title.ar,
  title_en: item.title.en,
  summary_ar: item.summary.ar,
  summary_en: item.summary.en,
  body_ar: item.body.ar,
  body_en: item.body.en,
  price: item.price ?? "",
  goal: item.goal ?? "",
  category: item.category ?? "general",
  zakatEligible: item.zakatEligible,
  featured: item.featured,
  sort: String(item.sort),
  ships: item.ships ?? false
})

/** An amount as typed on either keyboard ("١٢٫٥"), as the API's decimal string ("12.5"); no float anywhere. */
export const normaliseMoney = (typed: string): string => latinDigits(typed.trim()).replace(/[\u066b,]/g, ".")

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value : ""
}

const isCategory = (value: string): value is Category => (CATEGORIES as ReadonlyArray<string>).includes(value)

/** The submitted form as values; `kind` is only read on creation (it never changes afterwards). */
export const readItemForm = (data: FormData, kind?: ItemValues["kind"]): ItemValues => {
  const category = text(data, "category")
  return {
    kind: kind ?? (text(data, "kind") === "product" ? "product" : "project"),
    // Left empty, the slug is made from the English title (so it works without JavaScript too).
    slug: text(data, "slug").trim().toLowerCase() || slugFromTitle(text(data, "title_en")),
    title_ar: text(data, "title_ar"),
    title_en: text(data, "title_en"),
    summary_ar: text(data, "summary_ar"),
    summary_en: text(data, "summary_en"),
    body_ar: text(data, "body_ar"),
    body_en: text(data, "body_en"),
    price: normaliseMoney(text(data, "price")),
    goal: normaliseMoney(text(data, "goal")),
    category: isCategory(category) ? category : "general",
    zakatEligible: data.get("zakatEligible") === "on",
    featured: data.get("featured") === "on",
    sort: latinDigits(text(data, "sort").trim()) || "0",
    ships: data.get("ships") === "on"
  }
}

/**
 * A slug from an English title: "Village Well — Phase 2" is "village-well-phase-2". Accents are dropped;
 * what is left of letters and digits is joined by single hyphens, at most 80 characters; "" when nothing is.
 */
export const slugFromTitle = (title: string): string =>
  title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 80)
    .replace(/^-+|-+$/g, "")

/** What the API would refuse, found before asking it; the API checks again all the same. */
export const checkItem = (values: ItemValues): FieldErrors => {
  const errors: FieldErrors = {}
  if (!SLUG.test(values.slug)) errors.slug = values.slug === "" ? "required" : "slug"
  if (values.title_ar.trim() === "") errors.title_ar = "required"
  for (const [field, max] of Object.entries(MAX_LENGTH) as Array<[Field, number]>) {
    if (errors[field] === undefined && String(values[field]).length > max) errors[field] = "too-long"
  }
  if (values.kind === "product") {
    if (values.price === "") errors.price = "required"
    else if (!isAmount(values.price)) errors.price = "money"
  } else {
    if (values.goal === "") errors.goal = "required"
    else if (!isAmount(values.goal)) errors.goal = "money"
    else if (!isAmount(values.goal, true)) errors.goal = "money-positive"
  }
  const sort = Number(values.sort)
  if (!/^-?[0-9]{1,7}$/.test(values.sort) || Math.abs(sort) > 1_000_000) errors.sort = "sort"
  return errors
}

/** The API's body: `NewCatalogItem` on creation, `CatalogItemChanges` on an edit (no kind). */
export const itemPayload = (values: ItemValues, creating: boolean): Record<string, unknown> => ({
  ...(creating ? { kind: values.kind } : {}),
  slug: values.slug,
  title: { ar: values.title_ar.trim(), en: values.title_en.trim() },
  summary: { ar: values.summary_ar.trim(), en: values.summary_en.trim() },
  body: { ar: values.body_ar, en: values.body_en },
  featured: values.featured,
  sort: Number(values.sort),
  ...(values.kind === "product"
    ? { price: values.price, ships: values.ships }
    : { goal: values.goal, category: values.category, zakatEligible: values.zakatEligible })
})

const FIELDS: ReadonlyArray<Field> = [
  "slug",
  "title_ar",
  "title_en",
  "summary_ar",
  "summary_en",
  "body_ar",
  "body_en",
  "price",
  "goal",
  "category",
  "zakatEligible",
  "featured",
  "sort",
  "ships"
]

/** A problem+json `errors` path (`["title", "ar"]`, `["price"]`) as the form's field, when it names one. */
export const fieldOfPath = (path: ReadonlyArray<string | number>): Field | undefined => {
  const name = path.length >= 2 && (path[1] === "ar" || path[1] === "en") ? `${path[0]}_${path[1]}` : String(path[0] ?? "")
  return (FIELDS as ReadonlyArray<string>).includes(name) ? (name as Field) : undefined
}

/** The API's refusal of an item as field errors: validation paths, a taken slug, the kind's money rules. */
export const apiFieldErrors = (problem: {
  readonly type?: string
  readonly detail?: string
  readonly errors?: ReadonlyArray<{ readonly path: ReadonlyArray<string | number>; readonly message: string }>
}): FieldErrors => {
  const errors: FieldErrors = {}
  for (const issue of problem.errors ?? []) {
    const field = fieldOfPath(issue.path)
    if (field === undefined || errors[field] !== undefined) continue
    errors[field] =
      field === "price" || field === "goal"
        ? "money"
        : field === "slug"
          ? "slug"
          : /at most/.test(issue.message)
            ? "too-long"
            : /required/.test(issue.message)
              ? "required"
              : "invalid"
  }
  const kind = (problem.type ?? "").split("/").pop()
  if (kind === "slug-taken") errors.slug = "slug-taken"
  if (kind === "invalid-item") {
    const detail = problem.detail ?? ""
    if (/needs a price/.test(detail)) errors.price = "required"
    else if (/needs a goal/.test(detail)) errors.goal = "money-positive"
    else if (/category/.test(detail)) errors.category = "category"
  }
  return errors
}
