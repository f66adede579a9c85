import QRCode from "qrcode"
import { presets, rangeOf } from "$lib/dashboard/kpis.js"
import { linkOf, loadKpis } from "$lib/server/kpis.js"
import type { PageServerLoad } from "./$types"

/** The range's figures, the presets, and the campaign link (with its QR code) when the builder's form asked for one. */
export const load: PageServerLoad = async (event) => {
  const now = new Date()
  const range = rangeOf(event.url.searchParams, now)
  const kpis = await loadKpis(event, range)
  const asked = event.url.searchParams.has("campaign")
  const link = asked ? linkOf(event.url, event.params.tenant) : undefined
  return {
    range,
    presets: presets(now),
    kpis,
    link:
      link === undefined
        ? undefined
        : { url: link, svg: await QRCode.toString(link, { type: "svg", margin: 1, errorCorrectionLevel: "M" }) },
    linkRefused: asked && link === undefined
  }
}
