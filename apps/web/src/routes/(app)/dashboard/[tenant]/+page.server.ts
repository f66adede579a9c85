import { TenantOverview } from "@manara/domain"
import { Schema } from "effect"
import { env } from "$env/dynamic/private"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import { publicOrigin } from "$lib/server/csrf.js"
import { presets } from "$lib/dashboard/kpis.js"
import { type KpiData, loadKpis } from "$lib/server/kpis.js"
import type { PageServerLoad } from "./$types"

const encodeOverview = Schema.encodeSync(TenantOverview)

/** The storefront on its own subdomain of the platform's domain, by the scheme and port this page came on. */
const siteHref = (here: URL, slug: string) => {
  const { protocol, port } = new URL(publicOrigin(here))
  return `${protocol}//${slug}.${env.PLATFORM_DOMAIN || "localhost"}${port === "" ? "" : `:${port}`}/`
}

/** Today's and this month's figures in Kuwait, payments awaiting confirmation and the latest captures. */
export const load: PageServerLoad = async (event) => {
  const month = presets(new Date()).month
  const [overview, kpis] = await Promise.all([
    loadAs(event, (client) => client.inbox.overview({ ...tenantHeaders(event.params.tenant), urlParams: {} })),
    // This month's headline figures (the KPI page's own endpoint); the home page stands without them.
    loadKpis(event, month).catch((): KpiData | null => null)
  ])
  return { overview: encodeOverview(overview), kpis, month, siteHref: siteHref(event.url, event.params.tenant) }
}
