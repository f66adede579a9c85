import type { Reroute } from "@sveltejs/kit"
import { delocalizedPath } from "$lib/i18n.js"

/** `/en/...` routes to the same page as `/...`; the locale itself is read by paraglide. */
export const reroute: Reroute = ({ url }) => delocalizedPath(url)
