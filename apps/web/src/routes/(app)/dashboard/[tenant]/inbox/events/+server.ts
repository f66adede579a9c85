import { apiUrl } from "$lib/server/api.js"
import { isSignedIn } from "$lib/server/session.js"
import type { RequestHandler } from "./$types"

const problem = (status: number, slug: string, title: string) =>
  new Response(JSON.stringify({ type: `https://manara.app/problems/${slug}`, title, status }), {
    status,
    headers: { "content-type": "application/problem+json" }
  })

/**
 * The live inbox's event stream, through the web server with the session: the browser sends its session
 * cookie only; the Bearer token is added here. The stream stays open until the browser leaves.
 */
export const GET: RequestHandler = async ({ locals, params, request }) => {
  const session = locals.session
  if (!isSignedIn(session)) return problem(401, "no-session", "Unauthorized")
  const headers = new Headers({ accept: "text/event-stream", authorization: `Bearer ${session.data.accessToken}`, "x-tenant": params.tenant })
  const lastEventId = request.headers.get("last-event-id")
  if (lastEventId !== null) headers.set("last-event-id", lastEventId)
  let upstream: Response
  try {
    upstream = await fetch(new URL("/api/v1/tenant/inbox/events", apiUrl()), { headers, signal: request.signal })
  } catch {
    return problem(503, "api-unavailable", "Service Unavailable")
  }
  const answer = new Headers({ "content-type": upstream.headers.get("content-type") ?? "application/octet-stream", "cache-control": "no-store" })
  return new Response(upstream.body, { status: upstream.status, headers: answer })
}
