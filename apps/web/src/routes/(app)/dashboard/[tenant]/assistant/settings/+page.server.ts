import { fail } from "@sveltejs/kit"
import { AssistantSettings } from "@manara/domain"
import { Either, Schema } from "effect"
import { assistantRefusal } from "$lib/dashboard/assistant.js"
import { m } from "$lib/paraglide/messages.js"
import { actAs, loadAs, tenantHeaders } from "$lib/server/auth.js"
import type { Actions, PageServerLoad } from "./$types"

const encodeSettings = Schema.encodeSync(AssistantSettings)
const decodeSettings = Schema.decodeUnknownEither(AssistantSettings)

export const load: PageServerLoad = async (event) => {
  const settings = await loadAs(event, (client) => client.assistantStaff.settings(tenantHeaders(event.params.tenant)))
  return { settings: encodeSettings(settings) }
}

export const actions: Actions = {
  save: async (event) => {
    const data = await event.request.formData()
    const emails = String(data.get("handoffEmails") ?? "")
      .split(/[\s,;،]+/)
      .map((email) => email.trim())
      .filter((email) => email !== "")
    const fields = {
      enabled: data.get("enabled") === "on",
      tone: String(data.get("tone") ?? "warm"),
      handoffEmails: emails,
      handoffTelegram: data.get("handoffTelegram") === "on"
    }
    const decoded = decodeSettings(fields)
    if (Either.isLeft(decoded)) return fail(400, { error: m.assistant_settings_invalid_emails(), fields })
    const payload = decoded.right
    const result = await actAs(event, (client) => client.assistantStaff.updateSettings({ ...tenantHeaders(event.params.tenant), payload }))
    if (Either.isLeft(result)) return fail(result.left.status, { error: assistantRefusal(result.left), fields })
    return { done: m.assistant_settings_saved() }
  }
}
