import { relayStream } from "$lib/server/assistant.js"
import type { RequestHandler } from "./$types"

/** Staff replies while the widget is open (`event: message`); the visitor's token proves the conversation is theirs. */
export const GET: RequestHandler = (event) => {
  const token = event.url.searchParams.get("token") ?? ""
  return relayStream(
    event,
    `/public/assistant/conversations/${encodeURIComponent(event.params.id)}/events?token=${encodeURIComponent(token)}`,
    {
      method: "GET"
    }
  )
}
