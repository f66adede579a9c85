import type { RequestEvent } from "@sveltejs/kit"
import { apiUrl } from "./api.js"

const problem = (status: number, slug: string, title: string) =>
  new Response(JSON.stringify({ type: `https://manara.app/problems/${slug}`, title, status }), {
    status,
    headers: { "content-type": "application/problem+json" }
  })

/** The most a chat request may weigh here: the API refuses a message past 2,000 characters itself (413). */
export const MAX_CHAT_BODY = 64 * 1024

/** What an event stream keeps of the API's headers: its type, and a 429's wait. */
const KEPT = ["content-type", "retry-after"]

/**
 * The assistant's event streams (the chat answer, the staff replies) from the storefront's own routes: the
 * body reaches the browser as it arrives, which the typed client cannot do. The tenant is this host, as for
 * every storefront call; the visitor's address lets the API rate-limit per visitor.
 */
export const relayStream = async (
  event: RequestEvent,
  path: `/public/assistant/${string}`,
  init: { readonly method: "GET" | "POST"; readonly body?: string }
): Promise<Response> => {
  const headers = new Headers({ accept: "text/event-stream, application/problem+json", "x-forwarded-host": event.url.host })
  try {
    headers.set("x-forwarded-for", event.getClientAddress())
  } catch {
    // Not behind a socket: the API limits by what it sees.
  }
  if (init.body !== undefined) headers.set("content-type", "application/json")
  let upstream: Response
  try {
    // eslint-disable-next-line manara/no-string-api-calls -- an event stream passes through as it arrives (above)
    upstream = await fetch(new URL(`/api/v1${path}`, apiUrl()), {
      method: init.method,
      headers,
      body: init.body,
      signal: event.request.signal
    })
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

/** A request body read up to `limit` bytes; undefined past it (a 413 here, before the API is asked). */
export const boundedText = async (request: Request, limit = MAX_CHAT_BODY): Promise<string | undefined> => {
  const declared = Number(request.headers.get("content-length"))
  if (Number.isFinite(declared) && declared > limit) return undefined
  const text = await request.text()
  return new TextEncoder().encode(text).length > limit ? undefined : text
}

export const tooLarge = () => problem(413, "payload-too-large", "Content Too Large")

/** The page to go back to when the panel closes: a path on this site only, never another origin. */
export const backPath = (from: string | null): string =>
  from !== null && from.startsWith("/") && !from.startsWith("//") && !/[\\\s]/.test(from) && from.length <= 1024 ? from : "/"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The conversation is linked to the visit this server recorded (its cookie is httpOnly: the browser cannot send it itself). */
export const withVisit = (body: string, visitId: string | undefined): string => {
  if (visitId === undefined || !UUID.test(visitId)) return body
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    // Not JSON: the API says why (400).
    return body
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return body
  return JSON.stringify({ ...parsed, visitId })
}
