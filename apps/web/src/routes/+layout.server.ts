import { readCart } from "$lib/server/cart.js"
import type { LayoutServerLoad } from "./$types"

// Never throws: the root layout also frames the error page, which needs to know whether a tenant answered.
export const load = (({ locals, cookies }) => ({
  storefront: locals.storefront,
  // The header's cart link says how many items wait there; the cookie holds no prices to show.
  cartCount: readCart(cookies).reduce((sum, line) => sum + line.quantity, 0)
})) satisfies LayoutServerLoad
