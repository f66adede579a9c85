import { catalogPage, catalogQuery } from "$lib/server/catalog.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

export const load = (async ({ locals, url }) => {
  const storefront = requireStorefront(locals)
  // Only charities sort their giving into zakat, sadaqah and waqf.
  const categories = storefront.kind !== "store"
  const query = catalogQuery(url.searchParams, categories)
  const page = await catalogPage(locals, url.host, query)
  return { storefront, query, categories, page }
}) satisfies PageServerLoad
