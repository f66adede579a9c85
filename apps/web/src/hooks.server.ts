import { direction } from "@manara/domain"
import type { Handle } from "@sveltejs/kit"
import { sequence } from "@sveltejs/kit/hooks"
import { paraglideMiddleware } from "$lib/paraglide/server.js"
import { apiFor } from "$lib/server/api.js"
import { refreshSession } from "$lib/server/auth.js"
import { isCrossSiteForm } from "$lib/server/csrf.js"
import { withSecurityHeaders } from "$lib/server/headers.js"
import { readSession } from "$lib/server/session.js"
import {
  cachedPage,
  compressed,
  fromCache,
  isCachedRoute,
  knownStorefront,
  publicVersion,
  rememberStorefront,
  versionRead
} from "$lib/server/page-cache.js"
import { lookupStorefront } from "$lib/server/storefront.js"
import { recordVisit } from "$lib/server/traffic.js"

// build/handler.js (svelte.config.js) answers cached pages with this before SvelteKit reads the request.
;(globalThis as Record<symbol, unknown>)[Symbol.for("manara.page-cache")] = fromCache

/** app.html's `<html>` attributes, filled in one pass over the page (not one per placeholder). */
const HTML_ATTRIBUTES = 'lang="%paraglide.lang%" dir="%paraglide.dir%"'

/** Locale from the URL (`/` Arabic, `/en/...` English), written into `<html lang dir>`. */
const i18n: Handle = ({ event, resolve }) =>
  paraglideMiddleware(event.request, ({ request, locale }) => {
    event.request = request
    return resolve(event, {
      transformPageChunk: ({ html }) => html.replace(HTML_ATTRIBUTES, `lang="${locale}" dir="${direction(locale)}"`)
    })
  })

/**
 * The tenant is the host. Missing or unreachable is not thrown here: an error thrown in `handle`
 * gets the static error page, while one thrown by a `load` gets `+error.svelte` in the visitor's language.
 * Public pages come from the page cache (docs/page-cache.md), keyed on the tenant's public version:
 * a storefront seen before at this host and version needs no API call at all.
 */
const tenant: Handle = async ({ event, resolve }) => {
  event.locals.api = apiFor(event.fetch)
  // Sign-in, invitations and the dashboard work on any host, the platform's own and unknown ones too.
  if (event.route.id?.startsWith("/(app)/")) return resolve(event)
  const host = event.url.host
  const cacheable = isCachedRoute(event)
  // Every storefront page view keys the host's storefront on the version, cached page or not (PAGE_CACHE=off too).
  const remembers = event.request.method === "GET" && event.route.id?.startsWith("/(storefront)") === true
  const known = remembers ? knownStorefront(host) : undefined
  // Read before the storefront and the page's data (here, or by `fromCache` before SvelteKit): what is rendered is at least as new as the key.
  const version =
    known === undefined ? undefined : (versionRead(event, known.storefront.slug) ?? (await publicVersion(known.storefront.slug)))
  if (known !== undefined && version !== undefined && known.version === version) {
    event.locals.storefront = known.storefront
    event.locals.storefrontStatus = undefined
  } else {
    const lookup = await lookupStorefront(event.locals.api, host)
    event.locals.storefront = lookup.storefront
    event.locals.storefrontStatus = lookup.status
    // First sight of this host (no version read before the lookup): remembered now, kept from the next view on.
    if (remembers && lookup.storefront !== undefined) rememberStorefront(host, { storefront: lookup.storefront, version })
  }
  // The page's public reads are remembered at this version (lib/server/public-data.ts): read before them, for this tenant.
  event.locals.publicVersion =
    known !== undefined && version !== undefined && event.locals.storefront?.slug === known.storefront.slug
      ? { slug: known.storefront.slug, version }
      : undefined
  // A storefront page (not a form post, not a missing one) opens a visit when the session has none, cached page or not.
  if (event.locals.storefront === undefined || !event.route.id?.startsWith("/(storefront)")) return resolve(event)
  const visitCookies = await recordVisit(event)
  if (!cacheable || version === undefined || event.locals.storefront.slug !== known?.storefront.slug) return resolve(event)
  return cachedPage(event, { slug: event.locals.storefront.slug, version }, () => resolve(event), visitCookies)
}

/**
 * The session the cookie names, read from Redis, its access token renewed when about to expire. Only
 * the dashboard's routes need it: the storefront and the proxy never read Redis.
 */
const session: Handle = async ({ event, resolve }) => {
  event.locals.session = undefined
  if (event.route.id?.startsWith("/(app)/")) {
    const found = await readSession(event.cookies)
    event.locals.session = found === undefined ? undefined : await refreshSession(event.cookies, found)
  }
  return resolve(event)
}

const pages = sequence(i18n, session, tenant)

/** The API proxy (`routes/api`) is not a page: no locale to read, no storefront to look up. */
const routes: Handle = (input) => (input.event.url.pathname.startsWith("/api/") ? input.resolve(input.event) : pages(input))

/** Cross-site form posts are refused before anything else runs (svelte.config.js leaves this check to us). */
const sameSiteForms: Handle = (input) =>
  isCrossSiteForm(input.event.request, input.event.url)
    ? new Response(`Cross-site ${input.event.request.method} form submissions are forbidden`, {
        status: 403,
        headers: { "content-type": "text/plain" }
      })
    : routes(input)

/**
 * Every response, pages, errors, refusals and the API proxy's alike (`securityHeaders`, CSP from
 * svelte.config.js); HTML and JSON compressed as the browser accepts (cached pages come compressed).
 */
export const handle: Handle = async (input) => withSecurityHeaders(await compressed(input.event.request, await sameSiteForms(input)))
