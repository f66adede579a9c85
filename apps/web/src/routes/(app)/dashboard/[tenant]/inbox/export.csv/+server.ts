import { filterQuery, readFilters } from "$lib/dashboard/inbox.js"
import { streamAs } from "$lib/server/stream.js"
import type { RequestHandler } from "./$types"

/** The inbox as CSV with the page's own filters (only those the page knows), streamed as the API writes it. */
export const GET: RequestHandler = (event) => {
  const query = filterQuery(readFilters(event.url.searchParams))
  return streamAs(event, `/tenant/inbox.csv${query === "" ? "" : `?${query}`}`, "text/csv")
}
