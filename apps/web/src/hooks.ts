import type { Reroute } from "@sveltejs/kit"
import { deLocalizeUrl } from "$lib/paraglide/runtime.js"

/** `/en/...` routes to the same page as `/...`; the locale itself is read by paraglide. */
export const reroute: Reroute = (request) => deLocalizeUrl(request.url).pathname
