import { filterQuery, readFilters } from "$lib/dashboard/inbox.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { streamAs } from "$lib/server/stream.js"
import type { RequestHandler } from "./$types"

/** The inbox as CSV in the page's language with the page's own filters (only those the page knows), streamed as the API writes it. */
export const GET: RequestHandler = (event) => {
  // Headers and labels in the staff member's language.
  const query = [filterQuery(readFilters(event.url.searchParams)), `locale=${getLocale()}`].filter((part) => part !== "").join("&")
  return streamAs(event, `/tenant/inbox.csv?${query}`, "text/csv")
}
