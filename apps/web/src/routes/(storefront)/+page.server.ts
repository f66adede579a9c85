import { catalogPage, latestProofs } from "$lib/server/catalog.js"
import { redirect } from "@sveltejs/kit"
import { env } from "$env/dynamic/private"
import { localizeHref } from "$lib/paraglide/runtime.js"
import { isPlatformHost, requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

const PROJECTS_SHOWN = 6
const PRODUCTS_SHOWN = 6
const PROOFS_SHOWN = 4

export const load = (async ({ locals, url }) => {
  // The platform's own host has no storefront: its home is the landing page with sign-in.
  if (locals.storefront === undefined && isPlatformHost(url.host, env.PLATFORM_DOMAIN || "localhost"))
    redirect(307, localizeHref("/welcome"))
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
