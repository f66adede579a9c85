import { error } from "@sveltejs/kit"
import {
  type CatalogQuery,
  decodeCatalogCursor,
  encodeCatalogCursor,
  DonationCategory,
  ItemKind,
  ItemSlug,
  PublicCatalogItem,
  PublicCatalogPage,
  PublicFaq,
  PublicHomePage,
  PublicProof
} from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import type { ManaraClient } from "./api.js"
import { rememberedRead } from "./public-data.js"
import { missingOrDown } from "./storefront.js"

/** What `load` returns and the browser sees: the wire form, money still decimal strings. */
export type CatalogPageData = typeof PublicCatalogPage.Encoded
export type CardData = CatalogPageData["items"][number]
export type ItemPageData = typeof PublicCatalogItem.Encoded
export type ProofData = typeof PublicProof.Encoded
export type FaqData = typeof PublicFaq.Encoded

type StorefrontHeaders = { readonly "x-forwarded-host": string }

/**
 * One public read for the storefront at `host`, remembered at the tenant's public version (`path`: the
 * endpoint's path and query); a 404 or an unreachable API becomes the error page.
 */
const read = <A, I, E extends { readonly _tag: string; readonly status?: unknown }>(
  locals: App.Locals,
  host: string,
  // Names the wire form `I` the page gets; the check is the endpoint's own schema, encoded side.
  _schema: Schema.Schema<A, I>,
  path: string,
  call: (client: ManaraClient, headers: StorefrontHeaders) => Effect.Effect<A, E>
): Promise<I> =>
  rememberedRead(locals.publicVersion, path, async () => {
    const result = await locals.api((client) => call(client, { "x-forwarded-host": host }).pipe(Effect.timeout("5 seconds")), {
      wire: true
    })
    // The wire client's success is the encoded form already (`I`), checked against the endpoint's encoded side.
    if (Either.isRight(result)) return result.right as unknown as I
    const status = missingOrDown(result.left)
    return error(status, status === 404 ? "Not found" : "Storefront unavailable")
  })

const isKind = Schema.is(ItemKind)
const isCategory = Schema.is(DonationCategory)
const isItemSlug = Schema.is(ItemSlug)

export const PAGE_SIZE = 12
const MAX_QUERY = 200

/**
 * The list's filters from the page's own query string. Anything malformed is dropped rather than
 * refused: a visitor's hand-edited URL still gets a page.
 */
export const catalogQuery = (search: URLSearchParams, categories: boolean): CatalogQuery => {
  const kind = search.get("kind") ?? ""
  const category = search.get("category") ?? ""
  const cursor = decodeCatalogCursor(search.get("cursor") ?? "")
  const q = (search.get("q") ?? "").trim().slice(0, MAX_QUERY)
  return {
    ...(isKind(kind) ? { kind } : {}),
    ...(categories && isCategory(category) ? { category } : {}),
    ...(q === "" ? {} : { q }),
    ...(cursor === undefined ? {} : { cursor })
  }
}

export const catalogPage = (locals: App.Locals, host: string, query: CatalogQuery, limit = PAGE_SIZE) =>
  read(
    locals,
    host,
    PublicCatalogPage,
    `catalog?${JSON.stringify([query.kind, query.category, query.q, query.cursor && encodeCatalogCursor(query.cursor), limit])}`,
    (client, headers) => client.publicCatalog.list({ headers, urlParams: { ...query, limit } })
  )

export const latestProofs = (locals: App.Locals, host: string, limit: number) =>
  read(locals, host, Schema.Array(PublicProof), `proofs?limit=${limit}`, (client, headers) =>
    client.publicCatalog.proofs({ headers, urlParams: { limit } })
  )

/** One public item; a slug that cannot exist is a 404 without asking the API. */
export const catalogItem = (locals: App.Locals, host: string, slug: string) =>
  isItemSlug(slug)
    ? read(locals, host, PublicCatalogItem, `catalog/${slug}`, (client, headers) => client.publicCatalog.item({ headers, path: { slug } }))
    : error(404, "Not found")

/** The home page's lists in one call (`GET /public/pages/home`). */
export const homePage = (locals: App.Locals, host: string, limits: { projects: number; products: number; proofs: number }) =>
  read(locals, host, PublicHomePage, `pages/home?${limits.projects},${limits.products},${limits.proofs}`, (client, headers) =>
    client.publicCatalog.homePage({ headers, urlParams: limits })
  )

/** The FAQ page's published FAQs (`GET /public/faqs`), where the assistant's FAQ citations point. */
export const storefrontFaqs = (locals: App.Locals, host: string) =>
  read(locals, host, Schema.Array(PublicFaq), "faqs", (client, headers) => client.assistant.faqs({ headers }))
