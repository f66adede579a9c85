import { fail, type RequestEvent } from "@sveltejs/kit"
import { Effect, Either } from "effect"
import { apiFor } from "$lib/server/api.js"
import { backPath, relayStream } from "$lib/server/assistant.js"
import { requireStorefront } from "$lib/server/storefront.js"
import { VISIT_COOKIE } from "$lib/server/traffic.js"
import { collectAnswer, messageOf, type ChatMessage } from "$lib/assistant/events.js"
import { getLocale } from "$lib/paraglide/runtime.js"
import { m } from "$lib/paraglide/messages.js"
import type { Actions, PageServerLoad } from "./$types"

// The one storefront page that runs JavaScript: the chat island, loaded only when the visitor opens it.
export const csr = true

export const load = (({ locals, url }) => {
  requireStorefront(locals)
  return { back: backPath(url.searchParams.get("from")) }
}) satisfies PageServerLoad

type Notice = "handed-off" | "too-long" | "rate-limited" | "unavailable" | "gone" | "empty"

const noticeOf = (status: number): Notice =>
  status === 413 || status === 400 ? "too-long" : status === 429 ? "rate-limited" : status === 404 ? "gone" : "unavailable"

const text = (form: FormData, name: string) => {
  const value = form.get(name)
  return typeof value === "string" ? value.trim() : ""
}

/** The conversation's messages so far, for the visitor holding its token. */
const history = async (event: RequestEvent, id: string, token: string): Promise<Array<ChatMessage>> => {
  const api = apiFor(event.fetch, { clientAddress: event.getClientAddress() })
  const result = await api((client) =>
    client.assistant.conversation({ path: { conversationId: id }, urlParams: { token }, headers: { "x-forwarded-host": event.url.host } })
  )
  if (Either.isLeft(result)) return []
  return result.right.messages.flatMap((message) => {
    const shown = messageOf({ ...message, createdAt: String(message.createdAt) })
    return shown === undefined ? [] : [shown]
  })
}

/** Without JavaScript: the question goes to the same stream, read to its end here, and the page shows the conversation. */
const ask = async (event: RequestEvent, message: string, conversationId: string, token: string, email: string) => {
  const visitId = event.cookies.get(VISIT_COOKIE)
  const body = JSON.stringify({
    message,
    locale: getLocale(),
    ...(conversationId && token ? { conversationId, token } : {}),
    ...(email ? { email } : {}),
    ...(visitId !== undefined && /^[0-9a-f-]{36}$/i.test(visitId) ? { visitId } : {})
  })
  const response = await relayStream(event, "/public/assistant/chat", { method: "POST", body })
  if (!response.ok || response.body === null) return fail(response.status, { notice: noticeOf(response.status) })
  const answer = await collectAnswer(response.body)
  const id = answer.conversationId ?? conversationId
  const secret = answer.token ?? token
  return {
    conversationId: id,
    token: secret,
    messages: await history(event, id, secret),
    ...(answer.handoff ? { notice: "handed-off" as const } : {})
  }
}

export const actions = {
  ask: async (event) => {
    requireStorefront(event.locals)
    const form = await event.request.formData()
    const message = text(form, "message")
    if (message === "") return fail(400, { notice: "empty" as const })
    return ask(event, message, text(form, "conversationId"), text(form, "token"), "")
  },
  /** "Talk to a person", with JavaScript or without; with no conversation yet, asking is the first message. */
  handoff: async (event) => {
    requireStorefront(event.locals)
    const form = await event.request.formData()
    const conversationId = text(form, "conversationId")
    const token = text(form, "token")
    const email = text(form, "email")
    if (conversationId === "" || token === "") return ask(event, m.assistant_handoff_request(), "", "", email)
    const api = apiFor(event.fetch, { clientAddress: event.getClientAddress() })
    const result = await api((client) =>
      client.assistant
        .handoff({
          path: { conversationId },
          payload: { token, ...(email ? { email } : {}) },
          headers: { "x-forwarded-host": event.url.host }
        })
        .pipe(Effect.timeout("10 seconds"))
    )
    if (Either.isLeft(result)) {
      const status = result.left._tag === "Problem" || "status" in result.left ? Number((result.left as { status?: number }).status) : 503
      return fail(Number.isFinite(status) && status >= 400 ? status : 400, {
        notice: noticeOf(status),
        conversationId,
        token,
        messages: await history(event, conversationId, token)
      })
    }
    return { conversationId, token, messages: await history(event, conversationId, token), notice: "handed-off" as const }
  }
} satisfies Actions
