import { CatalogPage, StaffCatalogQuery } from "@manara/domain"
import { Either, Schema } from "effect"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { PageServerLoad } from "./$types"

const PAGE_SIZE = "20"
const FILTERS = ["status", "kind", "category", "q", "cursor"] as const

const decodeQuery = Schema.decodeUnknownEither(StaffCatalogQuery)
const encodePage = Schema.encodeSync(CatalogPage)

/**
 * One page of the staff catalog, filtered by the address (a filtered list can be reloaded, shared and
 * gone back to); the next page is a link with the cursor. A filter the contract refuses is ignored.
 */
export const load: PageServerLoad = async (event) => {
  const raw: Record<string, string> = { limit: PAGE_SIZE }
  for (const key of FILTERS) {
    const value = event.url.searchParams.get(key)?.trim()
    if (value) raw[key] = value
  }
  const decoded = decodeQuery(raw)
  const urlParams = Either.getOrElse(decoded, () => ({ limit: Number(PAGE_SIZE) }))
  const result = await loadAs(event, (client) => client.catalog.list({ ...tenantHeaders(event.params.tenant), urlParams }))
  return { list: encodePage(result) }
}
