import { homePage } from "$lib/server/catalog.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

const PROJECTS_SHOWN = 6
const PRODUCTS_SHOWN = 6
const PROOFS_SHOWN = 4

export const load = (async ({ locals, url }) => {
  const storefront = requireStorefront(locals)
  // One call for the page's three lists; more projects than shown: featured ones may sit further down the catalog's order.
  const { projects, products, proofs } = await homePage(locals, url.host, { projects: 24, products: PRODUCTS_SHOWN, proofs: PROOFS_SHOWN })
  const open = projects.filter((item) => item.featured || item.status === "active")
  return {
    storefront,
    // Featured first, each group in the catalog's order.
    projects: [...open.filter((item) => item.featured), ...open.filter((item) => !item.featured)].slice(0, PROJECTS_SHOWN),
    products,
    proofs
  }
}) satisfies PageServerLoad
