import { json } from "@sveltejs/kit"
import { Either, Schema } from "effect"
import { PublicConversation } from "@manara/domain"
import { apiFor } from "$lib/server/api.js"
import { boundedText, tooLarge } from "$lib/server/assistant.js"
import type { RequestHandler } from "./$types"

/** The widget's "talk to a person" once a conversation exists: `{ token, email? }`. */
export const POST: RequestHandler = async (event) => {
  const text = await boundedText(event.request, 4096)
  if (text === undefined) return tooLarge()
  let body: { token?: unknown; email?: unknown }
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    body = {}
  }
  const api = apiFor(event.fetch, { clientAddress: event.getClientAddress() })
  const result = await api((client) =>
    client.assistant.handoff({
      path: { conversationId: event.params.id as never },
      payload: {
        token: typeof body.token === "string" ? body.token : "",
        ...(typeof body.email === "string" && body.email !== "" ? { email: body.email } : {})
      } as never,
      headers: { "x-forwarded-host": event.url.host }
    })
  )
  if (Either.isRight(result)) return json(Schema.encodeSync(PublicConversation)(result.right))
  const status = (result.left as { status?: unknown }).status
  return new Response(JSON.stringify({ type: "about:blank", title: "Refused", status: typeof status === "number" ? status : 400 }), {
    status: typeof status === "number" ? status : 400,
    headers: { "content-type": "application/problem+json" }
  })
}
