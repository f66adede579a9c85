import { ConversationPage, ConversationStatus } from "@manara/domain"
import { Schema } from "effect"
import { loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { PageServerLoad } from "./$types"

const encodePage = Schema.encodeSync(ConversationPage)
const decodeStatus = Schema.decodeUnknownOption(ConversationStatus)

/** Newest activity first, `?status=` to filter, `?cursor=` for the next page (the API checks the cursor: a bad one is its 400). */
export const load: PageServerLoad = async (event) => {
  const status = decodeStatus(event.url.searchParams.get("status"))
  const cursor = event.url.searchParams.get("cursor") ?? undefined
  const page = await loadAs(event, (client) =>
    client.assistantStaff.conversations({
      ...tenantHeaders(event.params.tenant),
      urlParams: { ...(status._tag === "Some" ? { status: status.value } : {}), ...(cursor ? { cursor } : {}) }
    })
  )
  return { page: encodePage(page), status: status._tag === "Some" ? status.value : undefined, cursor }
}
