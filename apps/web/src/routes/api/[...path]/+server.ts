import { env } from "$env/dynamic/private"
import { proxyAllows as allowed } from "$lib/server/proxy.js"
import type { RequestHandler } from "./$types"

/** What the browser may tell the API; everything else (Host, Origin, Cookie, Authorization, its own X-Forwarded-*) stays here. */
const FORWARDED_REQUEST_HEADERS = ["accept", "accept-language", "if-none-match", "x-request-id"]

/** Hop-by-hop (RFC 9110 §7.6.1), plus what `fetch` already undid: the body arrives decoded, its length unknown. */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-encoding",
  "content-length",
  "set-cookie"
])

const unavailable = () =>
  new Response(
    JSON.stringify({
      type: "https://manara.app/problems/api-unavailable",
      title: "Service Unavailable",
      status: 503,
      detail: "The API is unreachable"
    }),
    { status: 503, headers: { "content-type": "application/problem+json", "retry-after": "5" } }
  )

const refused = (status: 404, slug: string, title: string) =>
  new Response(JSON.stringify({ type: `https://manara.app/problems/${slug}`, title, status }), {
    status,
    headers: { "content-type": "application/problem+json" }
  })

export const fallback: RequestHandler = async ({ request, url, getClientAddress }) => {
  if (!allowed(request.method, url.pathname)) return refused(404, "not-found", "Not Found")
  const headers = new Headers()
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  // The API decides the cookie's `Secure` flag and rate-limits by these: they are ours to set, never the browser's.
  headers.set("x-forwarded-host", url.host)
  headers.set("x-forwarded-for", getClientAddress())

  const deadline = new AbortController()
  // Unref'd as `AbortSignal.timeout` is: a pending deadline must not keep a stopping server alive.
  const timer = setTimeout(() => deadline.abort(new DOMException("The API took too long", "TimeoutError")), 30_000).unref()
  let upstream: Response
  try {
    // The path as the browser sent it, still encoded: a decoded `..` must not climb out of /api.
    upstream = await fetch(new URL(url.pathname + url.search, env.API_URL || "http://127.0.0.1:4000"), {
      method: request.method,
      headers,
      redirect: "manual",
      signal: AbortSignal.any([request.signal, deadline.signal])
    })
  } catch {
    clearTimeout(timer)
    return unavailable()
  }

  const answer = new Headers()
  // `Connection: a, b` names more hop-by-hop headers of this one response.
  const hopByHop = new Set((upstream.headers.get("connection") ?? "").split(",").map((name) => name.trim().toLowerCase()))
  upstream.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name) && !hopByHop.has(name)) answer.set(name, value)
  })
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: answer })
}
