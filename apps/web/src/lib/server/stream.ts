import type { RequestEvent } from "@sveltejs/kit"
import { apiUrl } from "./api.js"
import { isSignedIn } from "./session.js"

const problem = (status: number, slug: string, title: string) =>
  new Response(JSON.stringify({ type: `https://manara.app/problems/${slug}`, title, status }), {
    status,
    headers: { "content-type": "application/problem+json" }
  })

/** What a streamed answer keeps of the API's headers: its type and, for a file, its name. */
const KEPT = ["content-type", "content-disposition"]

/**
 * The one place the web server calls the API without the typed client: a tenant `GET` whose body must
 * reach the browser byte for byte as it arrives (the live inbox's event stream; the CSV export, whose BOM
 * a decoded text would lose). The session's Bearer is added here; the browser sends only its cookie.
 */
export const streamAs = async (event: RequestEvent<{ tenant: string }>, path: `/tenant/${string}`, accept: string): Promise<Response> => {
  const session = event.locals.session
  if (!isSignedIn(session)) return problem(401, "no-session", "Unauthorized")
  const headers = new Headers({ accept, authorization: `Bearer ${session.data.accessToken}`, "x-tenant": event.params.tenant })
  const lastEventId = event.request.headers.get("last-event-id")
  if (lastEventId !== null) headers.set("last-event-id", lastEventId)
  let upstream: Response
  try {
    // eslint-disable-next-line manara/no-string-api-calls -- the body passes through byte for byte (above)
    upstream = await fetch(new URL(`/api/v1${path}`, apiUrl()), { headers, signal: event.request.signal })
  } catch {
    return problem(503, "api-unavailable", "Service Unavailable")
  }
  const answer = new Headers({ "cache-control": "no-store" })
  for (const name of KEPT) {
    const value = upstream.headers.get(name)
    if (value !== null) answer.set(name, value)
  }
  if (!answer.has("content-type")) answer.set("content-type", "application/octet-stream")
  return new Response(upstream.body, { status: upstream.status, headers: answer })
}
