import { fail } from "@sveltejs/kit"
import { ConversationDetail, ConversationStatus } from "@manara/domain"
import { Either, Schema } from "effect"
import { assistantRefusal, statusName } from "$lib/dashboard/assistant.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeDetail = Schema.encodeSync(ConversationDetail)
const decodeStatus = Schema.decodeUnknownOption(ConversationStatus)

/** Every message, with the guardrail's verdict; another tenant's conversation (or no such id) is the API's 404. */
export const load: PageServerLoad = async (event) => {
  const detail = await loadAs(event, (client) =>
    client.assistantStaff.conversation({ ...tenantHeaders(event.params.tenant), path: { conversationId: event.params.id } })
  )
  return { conversation: encodeDetail(detail) }
}

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value.trim() : ""
}

export const actions: Actions = {
  reply: async (event) => {
    const data = await event.request.formData()
    const body = text(data, "body")
    const status = decodeStatus(text(data, "status"))
    if (body === "") return fail(400, { replyError: m.assistant_dash_reply_empty() })
    const result = await actAs(event, (client) =>
      client.assistantStaff.reply({ ...tenantHeaders(event.params.tenant), path: { conversationId: event.params.id }, payload: { body } })
    )
    if (Either.isLeft(result)) {
      return fail(result.left.status, {
        replyError: assistantRefusal(result.left, status._tag === "Some" ? status.value : undefined),
        body
      })
    }
    return { done: m.assistant_dash_replied() }
  },
  status: async (event) => {
    const data = await event.request.formData()
    const status = text(data, "status")
    if (status !== "closed" && status !== "resolved") return fail(400, { error: m.dash_error_invalid_request() })
    const result = await actAs(event, (client) =>
      client.assistantStaff.setStatus({
        ...tenantHeaders(event.params.tenant),
        path: { conversationId: event.params.id },
        payload: { status }
      })
    )
    if (Either.isLeft(result)) return fail(result.left.status, { error: assistantRefusal(result.left) })
    return { done: m.assistant_dash_status_changed({ status: statusName(result.right.status) }) }
  }
}
