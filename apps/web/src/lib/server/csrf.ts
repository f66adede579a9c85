/** The content types a cross-site HTML form can send without a CORS preflight. */
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"])

/** `*.localhost` resolves to this machine in every browser: only a developer's or a test's own server. */
const isLoopbackName = (hostname: string) => hostname === "localhost" || hostname.endsWith(".localhost")

/**
 * SvelteKit's own origin check, per storefront host. adapter-node takes every request for https when
 * no ORIGIN is set (one ORIGIN cannot name every tenant's host), so on plain-http `*.localhost` (the
 * demo, the tests) a same-site form would be refused; there only, the http origin of the same host passes.
 */
export const isCrossSiteForm = (request: Request, url: URL): boolean => {
  if (!UNSAFE.has(request.method)) return false
  const type = (request.headers.get("content-type") ?? "").split(";", 1)[0]!.trim().toLowerCase()
  if (!FORM_TYPES.includes(type)) return false
  const origin = request.headers.get("origin")
  if (origin === url.origin) return false
  return !(origin === `http://${url.host}` && isLoopbackName(url.hostname))
}

/**
 * This site's origin as the browser sees it, for links we hand out (invitations). adapter-node without
 * ORIGIN says https for every request; on plain-http `localhost`/`*.localhost` (the demo, the tests) it is http.
 */
export const publicOrigin = (url: URL): string =>
  url.protocol === "https:" && isLoopbackName(url.hostname) ? `http://${url.host}` : url.origin
