// No `$lib` or `$env` imports: the unit tests load this module in plain node.

/**
 * What the browser may still reach of the API through this origin's `/api/*` proxy, and nothing else:
 * `GET /api/v1/public/media/…`, `/public/receipts/…/pdf` and `/public/catalog/…/share.png`, the storefront's
 * images, receipt PDFs and items' share pictures.
 * Never `/api/v1/tenant/…` or `/api/v1/auth/…`: the dashboard's reads and changes are its own server loads,
 * form actions and server routes, which call the API with the session on the server.
 */
export const proxyAllows = (method: string, path: string): boolean =>
  // An encoded dot, slash or backslash could climb out of the prefix once the API decodes it.
  !/%2e|%2f|%5c|\.\./i.test(path) &&
  (method === "GET" || method === "HEAD") &&
  /^\/api\/v1\/public\/(media\/[^/]+|receipts\/[^/]+\/pdf|catalog\/[^/]+\/share\.png)$/.test(path)
