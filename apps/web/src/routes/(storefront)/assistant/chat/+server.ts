import { boundedText, relayStream, tooLarge, withVisit } from "$lib/server/assistant.js"
import { VISIT_COOKIE } from "$lib/server/traffic.js"
import type { RequestHandler } from "./$types"

/** The widget's question: the answer streams back as the API sends it (`event: text`, `citations`, `done`, ...). */
export const POST: RequestHandler = async (event) => {
  const body = await boundedText(event.request)
  if (body === undefined) return tooLarge()
  return relayStream(event, "/public/assistant/chat", { method: "POST", body: withVisit(body, event.cookies.get(VISIT_COOKIE)) })
}
