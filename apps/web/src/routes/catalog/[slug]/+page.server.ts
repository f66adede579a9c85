import { catalogItem } from "$lib/server/catalog.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

// Visitors need no JavaScript here: every page is whole from the server, and none is shipped to them.
export const csr = false

export const load = (async ({ locals, params, url }) => {
  const storefront = requireStorefront(locals)
  return { storefront, page: await catalogItem(locals, url.host, params.slug) }
}) satisfies PageServerLoad
