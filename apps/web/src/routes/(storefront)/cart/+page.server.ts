import { redirect } from "@sveltejs/kit"
import { localizeHref } from "$lib/i18n.js"
import { priceCart, productCard, readCart, writeCart } from "$lib/server/cart.js"
import { requireStorefront } from "$lib/server/storefront.js"
import { addToCart, asciiDigits, MAX_QUANTITY, setQuantity } from "$lib/storefront/give.js"
import type { Actions, PageServerLoad } from "./$types"

export const load = (async ({ locals, url, cookies }) => {
  const storefront = requireStorefront(locals)
  return { storefront, cart: await priceCart(locals, url.host, readCart(cookies)) }
}) satisfies PageServerLoad

/** A quantity as typed (Arabic digits too); anything else is `fallback`. */
const quantityOf = (data: FormData, fallback: number): number => {
  const typed = asciiDigits(String(data.get("quantity") ?? "").trim())
  if (!/^[0-9]{1,3}$/.test(typed)) return fallback
  return Math.min(Number(typed), MAX_QUANTITY)
}

const slugOf = (data: FormData): string => String(data.get("slug") ?? "").slice(0, 100)

// Each change answers with a redirect to the cart: a refresh shows it again rather than posting twice.
export const actions = {
  add: async ({ request, locals, url, cookies }) => {
    requireStorefront(locals)
    const data = await request.formData()
    const slug = slugOf(data)
    // Only what the catalog sells right now gets in; the cookie never learns a price.
    if ((await productCard(locals, url.host, slug)) !== null) {
      writeCart(cookies, url, addToCart(readCart(cookies), slug, Math.max(1, quantityOf(data, 1))))
    }
    return redirect(303, localizeHref("/cart"))
  },
  update: async ({ request, locals, url, cookies }) => {
    requireStorefront(locals)
    const data = await request.formData()
    const lines = readCart(cookies)
    const slug = slugOf(data)
    const current = lines.find((line) => line.slug === slug)?.quantity ?? 0
    writeCart(cookies, url, setQuantity(lines, slug, quantityOf(data, current)))
    return redirect(303, localizeHref("/cart"))
  },
  remove: async ({ request, locals, url, cookies }) => {
    requireStorefront(locals)
    const data = await request.formData()
    writeCart(cookies, url, setQuantity(readCart(cookies), slugOf(data), 0))
    return redirect(303, localizeHref("/cart"))
  }
} satisfies Actions
