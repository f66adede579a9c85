import { kpiCsv, rangeOf } from "$lib/dashboard/kpis.js"
import { loadKpis } from "$lib/server/kpis.js"
import type { RequestHandler } from "./$types"

/** The page's range as CSV, through the typed client with the session; cells guarded against formulas. */
export const GET: RequestHandler = async (event) => {
  const range = rangeOf(event.url.searchParams, new Date())
  const kpis = await loadKpis(event, range)
  return new Response(kpiCsv(kpis), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="kpis-${range.from}-${range.to}.csv"`,
      "cache-control": "no-store"
    }
  })
}
