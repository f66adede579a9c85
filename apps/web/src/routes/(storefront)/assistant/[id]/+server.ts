import { json } from "@sveltejs/kit"
import { Either, Schema } from "effect"
import { PublicConversation } from "@manara/domain"
import { apiFor } from "$lib/server/api.js"
import type { RequestHandler } from "./$types"

const problem = (status: number) =>
  new Response(JSON.stringify({ type: "about:blank", title: status === 404 ? "Not Found" : "Error", status }), {
    status,
    headers: { "content-type": "application/problem+json" }
  })

/** The widget's conversation after a reload (the id and token from sessionStorage). */
export const GET: RequestHandler = async (event) => {
  const api = apiFor(event.fetch, { clientAddress: event.getClientAddress() })
  const result = await api((client) =>
    client.assistant.conversation({
      path: { conversationId: event.params.id as never },
      urlParams: { token: event.url.searchParams.get("token") ?? "" },
      headers: { "x-forwarded-host": event.url.host }
    })
  )
  if (Either.isRight(result)) return json(Schema.encodeSync(PublicConversation)(result.right), { headers: { "cache-control": "no-store" } })
  const status = (result.left as { status?: unknown }).status
  return problem(typeof status === "number" ? status : 503)
}
