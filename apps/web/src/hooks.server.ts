import { direction } from "@manara/domain"
import type { Handle } from "@sveltejs/kit"
import { sequence } from "@sveltejs/kit/hooks"
import { paraglideMiddleware } from "$lib/paraglide/server.js"
import { apiFor } from "$lib/server/api.js"
import { lookupStorefront } from "$lib/server/storefront.js"

/** Locale from the URL (`/` Arabic, `/en/...` English), written into `<html lang dir>`. */
const i18n: Handle = ({ event, resolve }) =>
  paraglideMiddleware(event.request, ({ request, locale }) => {
    event.request = request
    return resolve(event, {
      transformPageChunk: ({ html }) =>
        html.replace("%paraglide.lang%", locale).replace("%paraglide.dir%", direction(locale))
    })
  })

/**
 * The tenant is the host. Missing or unreachable is not thrown here: an error thrown in `handle`
 * gets the static error page, while one thrown by a `load` gets `+error.svelte` in the visitor's language.
 */
const tenant: Handle = async ({ event, resolve }) => {
  event.locals.api = apiFor(event.fetch)
  const lookup = await lookupStorefront(event.locals.api, event.url.host)
  event.locals.storefront = lookup.storefront
  event.locals.storefrontStatus = lookup.status
  return resolve(event)
}

export const handle = sequence(i18n, tenant)
