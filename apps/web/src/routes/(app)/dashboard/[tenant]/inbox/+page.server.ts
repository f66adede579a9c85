import { CatalogPage, InboxPage, InboxQuery } from "@manara/domain"
import { Effect, Either, Schema } from "effect"
import { describeInboxFailure, filterQuery, readFilters } from "$lib/dashboard/inbox.js"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { PageServerLoad } from "./$types"

const decodeQuery = Schema.decodeUnknownEither(InboxQuery)
const encodeInbox = Schema.encodeSync(InboxPage)
const encodeCatalog = Schema.encodeSync(CatalogPage)

/**
 * One page of the inbox, filtered by the address (only what the API would accept: a hand-edited address
 * is not an error page), with the tenant's projects for the project filter (without them the filter
 * still takes a slug by hand). The next page is a link with the cursor; the live stream re-runs this.
 */
export const load: PageServerLoad = async (event) => {
  const raw = Object.fromEntries(new URLSearchParams(filterQuery(readFilters(event.url.searchParams))))
  const cursor = event.url.searchParams.get("cursor")
  const urlParams = Either.getOrElse(decodeQuery(cursor === null ? raw : { ...raw, cursor }), () => ({}))
  const headers = tenantHeaders(event.params.tenant)
  const [list, projects] = await loadAs(
    event,
    (client) =>
      Effect.all(
        [
          client.inbox.list({ ...headers, urlParams }),
          client.catalog.list({ ...headers, urlParams: { kind: "project", limit: 100 } }).pipe(
            Effect.map((page) => encodeCatalog(page).items.map((item) => ({ slug: item.slug, title: item.title }))),
            Effect.orElseSucceed(() => [])
          )
        ],
        { concurrency: 2 }
      ),
    describeInboxFailure
  )
  return { list: encodeInbox(list), projects }
}
