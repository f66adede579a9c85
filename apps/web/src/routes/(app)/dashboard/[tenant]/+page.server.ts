import { TenantOverview } from "@manara/domain"
import { Schema } from "effect"
import { env } from "$env/dynamic/private"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import { publicOrigin } from "$lib/server/csrf.js"
import type { PageServerLoad } from "./$types"

const encodeOverview = Schema.encodeSync(TenantOverview)

/** The storefront on its own subdomain of the platform's domain, by the scheme and port this page came on. */
const siteHref = (here: URL, slug: string) => {
  const { protocol, port } = new URL(publicOrigin(here))
  return `${protocol}//${slug}.${env.PLATFORM_DOMAIN || "localhost"}${port === "" ? "" : `:${port}`}/`
}

/** Today's and this month's figures in Kuwait, payments awaiting confirmation and the latest captures. */
export const load: PageServerLoad = async (event) => {
  const overview = await loadAs(event, (client) => client.inbox.overview({ ...tenantHeaders(event.params.tenant), urlParams: {} }))
  return { overview: encodeOverview(overview), siteHref: siteHref(event.url, event.params.tenant) }
}
