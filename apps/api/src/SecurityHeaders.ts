import type { IncomingMessage, ServerResponse } from "node:http"

/**
 * What every API response says about itself, set on the Node response before the app (or the edge's
 * own refusals) writes it. The API serves JSON, PDFs and CSV, never a page to frame or run: nothing
 * may load from it, frame it or sniff it. HSTS is sent on plain http too: browsers ignore it there
 * (RFC 6797 §8.1), so local development over http is not affected.
 */
const API_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["strict-transport-security", "max-age=63072000; includeSubDomains"],
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
  ["permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"],
  ["x-frame-options", "DENY"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"]
]

/** The docs page (Swagger UI) runs its own inline script and styles: it keeps every header but a CSP of its own. */
const DOCS_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

export const setSecurityHeaders = (request: IncomingMessage, response: ServerResponse) => {
  for (const [name, value] of API_HEADERS) response.setHeader(name, value)
  const path = (request.url ?? "").split("?", 1)[0]!
  if (path === "/api/docs") response.setHeader("content-security-policy", DOCS_CSP)
  // A receipt opens in the browser's own PDF viewer, which a document CSP may blank.
  else if (path.endsWith("/pdf")) response.removeHeader("content-security-policy")
}
