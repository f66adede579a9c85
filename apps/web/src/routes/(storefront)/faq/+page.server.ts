import { storefrontFaqs } from "$lib/server/catalog.js"
import { requireStorefront } from "$lib/server/storefront.js"
import type { PageServerLoad } from "./$types"

export const load = (async ({ locals, url }) => {
  const storefront = requireStorefront(locals)
  const faqs = await storefrontFaqs(locals, url.host)
  return { storefront, faqs }
}) satisfies PageServerLoad
