import { error } from "@sveltejs/kit"
import { newIdempotencyKey } from "$lib/server/capture.js"
import { donate } from "$lib/server/give.js"
import { requireStorefront } from "$lib/server/storefront.js"
import { recordEvent } from "$lib/server/traffic.js"
import type { Actions, PageServerLoad } from "./$types"

/** Shops sell; only charities take gifts to a general fund. */
const requireCharity = (locals: App.Locals) => {
  const storefront = requireStorefront(locals)
  return storefront.kind !== "store" ? storefront : error(404, "Not found")
}

export const load = (({ locals, url, cookies, request }) => {
  const storefront = requireCharity(locals)
  recordEvent({ url, cookies, request }, "start_checkout")
  return { storefront, key: newIdempotencyKey() }
}) satisfies PageServerLoad

export const actions = {
  donate: async (event) => {
    requireCharity(event.locals)
    return donate(event, undefined)
  }
} satisfies Actions
