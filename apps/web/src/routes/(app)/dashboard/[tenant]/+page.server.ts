import { TenantOverview, TenantUsage } from "@manara/domain"
import { Effect, Schema } from "effect"
import { env } from "$env/dynamic/private"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import { publicOrigin } from "$lib/server/csrf.js"
import { presets } from "$lib/dashboard/kpis.js"
import { type KpiData, loadKpis } from "$lib/server/kpis.js"
import type { PageServerLoad } from "./$types"

const encodeOverview = Schema.encodeSync(TenantOverview)
const encodeUsage = Schema.encodeSync(TenantUsage)

/** The storefront on its own subdomain of the platform's domain, by the scheme and port this page came on. */
const siteHref = (here: URL, slug: string) => {
  const { protocol, port } = new URL(publicOrigin(here))
  return `${protocol}//${slug}.${env.PLATFORM_DOMAIN || "localhost"}${port === "" ? "" : `:${port}`}/`
}

/** Today's and this month's figures in Kuwait, payments awaiting confirmation and the latest captures. */
export const load: PageServerLoad = async (event) => {
  const month = presets(new Date()).month
  const [[overview, usage], kpis] = await Promise.all([
    loadAs(event, (client) =>
      Effect.all(
        [
          client.inbox.overview({ ...tenantHeaders(event.params.tenant), urlParams: {} }),
          // The plan's limits and their usage, so a refusal is never a surprise.
          client.planUsage.usage(tenantHeaders(event.params.tenant))
        ],
        { concurrency: 2 }
      )
    ),
    // This month's headline figures (the KPI page's own endpoint); the home page stands without them.
    loadKpis(event, month).catch((): KpiData | null => null)
  ])
  return {
    overview: encodeOverview(overview),
    usage: encodeUsage(usage),
    kpis,
    month,
    siteHref: siteHref(event.url, event.params.tenant)
  }
}
