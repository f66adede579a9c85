import { newIdempotencyKey } from "$lib/server/capture.js"
import { catalogItem, catalogPage } from "$lib/server/catalog.js"
import { donate, pledge } from "$lib/server/give.js"
import { requireStorefront } from "$lib/server/storefront.js"
import { recordEvent } from "$lib/server/traffic.js"
import { kuwaitToday } from "$lib/storefront/give.js"
import type { Actions, PageServerLoad } from "./$types"

const OTHER_PROJECTS = 3

export const load = (async ({ locals, params, url, cookies, request }) => {
  const storefront = requireStorefront(locals)
  const page = await catalogItem(locals, url.host, params.slug)
  recordEvent({ url, cookies, request }, "view_item", params.slug)
  // A project that needs nothing more points to those that still do, in place of its form.
  const closed = page.item.kind === "project" && (page.item.status === "funded" || page.item.status === "completed")
  const others = closed
    ? (await catalogPage(locals, url.host, { kind: "project" }, 12)).items
        .filter((other) => other.status === "active" && other.slug !== page.item.slug)
        .slice(0, OTHER_PROJECTS)
    : []
  return {
    storefront,
    page,
    others,
    // One key per rendered form: submitting it twice (a double click, a refresh) records one gift.
    keys: { donate: newIdempotencyKey(), pledge: newIdempotencyKey() },
    today: kuwaitToday()
  }
}) satisfies PageServerLoad

/** The project's own slug goes to the API, which checks that it is open for giving. */
export const actions = {
  donate: async (event) => {
    requireStorefront(event.locals)
    return donate(event, { slug: event.params.slug, category: null })
  },
  pledge: async (event) => {
    requireStorefront(event.locals)
    return pledge(event, { slug: event.params.slug, category: null })
  }
} satisfies Actions
