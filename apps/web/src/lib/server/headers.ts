/**
 * Headers every response of the web server carries; SvelteKit adds the pages' CSP (nonces,
 * svelte.config.js). HSTS is sent on plain http too: browsers ignore it there (RFC 6797 §8.1), so the
 * demo and the tests on http://*.localhost are not affected, while production over https keeps it.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["strict-transport-security", "max-age=63072000; includeSubDomains"],
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "strict-origin-when-cross-origin"],
  ["permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"],
  ["x-frame-options", "DENY"]
]

/** For what is not a rendered page (refusals, files, the proxy): nothing runs, nothing frames it. */
const FALLBACK_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

export const withSecurityHeaders = (response: Response): Response => {
  // A response fetched from elsewhere (the API proxy) has immutable headers: copy it first.
  let out = response
  try {
    out.headers.set("x-content-type-options", "nosniff")
  } catch {
    out = new Response(response.body, response)
  }
  for (const [name, value] of SECURITY_HEADERS) out.headers.set(name, value)
  // A receipt opens in the browser's own PDF viewer, which a document CSP may blank.
  if (out.headers.get("content-type")?.startsWith("application/pdf")) out.headers.delete("content-security-policy")
  else if (!out.headers.has("content-security-policy")) out.headers.set("content-security-policy", FALLBACK_CSP)
  return out
}
