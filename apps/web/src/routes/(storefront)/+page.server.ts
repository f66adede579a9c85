import { homePage } from "$lib/server/catalog.js"
import { redirect } from "@sveltejs/kit"
import { env } from "$env/dynamic/private"
import { localizeHref } from "$lib/i18n.js"
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
