import { env } from "$env/dynamic/private"
import { error, type RequestEvent } from "@sveltejs/kit"
import { Kpis } from "@manara/domain"
import { Schema } from "effect"
import QRCode from "qrcode"
import { campaignLink, type Range } from "$lib/dashboard/kpis.js"
import { loadAs, tenantHeaders } from "./auth.js"
import { publicOrigin } from "./csrf.js"

export type KpiData = typeof Kpis.Encoded
const encodeKpis = Schema.encodeSync(Kpis)

/** The KPIs of a range, as the session's person, through the typed client (a refusal is the error page, in our words). */
export const loadKpis = async (event: RequestEvent, range: Range): Promise<KpiData> =>
  encodeKpis(await loadAs(event, (client) => client.analytics.kpis({ ...tenantHeaders(event.params.tenant ?? ""), urlParams: range })))

/**
 * The tenant's storefront origin: STOREFRONT_ORIGIN with `{slug}` (as the API's), else
 * `{slug}.{PLATFORM_DOMAIN}` on this server's scheme and port (the demo's `demo.localhost:3000`).
 */
export const storefrontOrigin = (url: URL, slug: string): string => {
  if (env.STOREFRONT_ORIGIN) return env.STOREFRONT_ORIGIN.replace("{slug}", slug)
  const base = new URL(publicOrigin(url))
  return `${base.protocol}//${slug}.${env.PLATFORM_DOMAIN || "localhost"}${base.port === "" ? "" : `:${base.port}`}`
}

/** The campaign link the address describes (`target`, `source`, `medium`, `campaign`), or undefined. */
export const linkOf = (url: URL, slug: string): string | undefined => {
  const get = (name: string) => (url.searchParams.get(name) ?? "").trim()
  return campaignLink(storefrontOrigin(url, slug), {
    target: get("target"),
    source: get("source"),
    medium: get("medium"),
    campaign: get("campaign")
  })
}

/** The QR code of a campaign link, for the dashboard's people only (nothing is read from the API). */
export const qrResponse = async (event: RequestEvent, format: "svg" | "png"): Promise<Response> => {
  if (event.locals.session === undefined) error(401, "Sign in first")
  const link = linkOf(event.url, event.params.tenant ?? "")
  if (link === undefined) error(400, "Not a campaign link")
  const name = `qr-${(event.url.searchParams.get("campaign") ?? "campaign").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40) || "campaign"}`
  const headers = { "content-disposition": `attachment; filename="${name}.${format}"`, "cache-control": "no-store" }
  if (format === "svg") {
    return new Response(await QRCode.toString(link, { type: "svg", margin: 2, errorCorrectionLevel: "M" }), {
      headers: { ...headers, "content-type": "image/svg+xml" }
    })
  }
  const png = await QRCode.toBuffer(link, { type: "png", margin: 2, width: 600, errorCorrectionLevel: "M" })
  return new Response(new Uint8Array(png), { headers: { ...headers, "content-type": "image/png" } })
}
