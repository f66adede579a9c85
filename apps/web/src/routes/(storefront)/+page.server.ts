import { catalogPage, latestProofs } from "$lib/server/catalog.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

const PROJECTS_SHOWN = 6
const PRODUCTS_SHOWN = 6
const PROOFS_SHOWN = 4

export const load = (async ({ locals, url }) => {
  const storefront = requireStorefront(locals)
  const [projects, products, proofs] = await Promise.all([
    // More than shown: featured ones may sit further down the catalog's own order.
    catalogPage(locals, url.host, { kind: "project" }, 24),
    catalogPage(locals, url.host, { kind: "product" }, PRODUCTS_SHOWN),
    latestProofs(locals, url.host, PROOFS_SHOWN)
  ])
  const open = projects.items.filter((item) => item.featured || item.status === "active")
  return {
    storefront,
    // Featured first, each group in the catalog's order.
    projects: [...open.filter((item) => item.featured), ...open.filter((item) => !item.featured)].slice(0, PROJECTS_SHOWN),
    products: products.items,
    proofs
  }
}) satisfies PageServerLoad
