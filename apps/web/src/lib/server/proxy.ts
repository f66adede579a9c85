// No `$lib` or `$env` imports: the unit tests load this module in plain node.

/**
 * What the browser may still reach of the API through this origin's `/api/*` proxy, and nothing else:
 * - `GET /api/v1/public/media/…` and `/public/receipts/…/pdf`: the storefront's images and receipt PDFs;
 * - `/api/v1/tenant/…`, as the session's person (the proxy adds the Bearer token from the server-side
 *   session; the browser holds none), for what the dashboard still does from the browser.
 * Never `/api/v1/auth/…`: sign-in, the code, MFA setup and sign-out are the web app's own form actions.
 */
export const proxyAllows = (method: string, path: string): boolean =>
  // An encoded dot, slash or backslash could climb out of the prefix once the API decodes it.
  !/%2e|%2f|%5c|\.\./i.test(path) &&
  (path.startsWith("/api/v1/tenant/") ||
    ((method === "GET" || method === "HEAD") && /^\/api\/v1\/public\/(media\/[^/]+|receipts\/[^/]+\/pdf)$/.test(path)))
