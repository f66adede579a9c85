import { env } from "$env/dynamic/private"
import type { RequestEvent } from "@sveltejs/kit"
import { serialize } from "cookie"
import { LRUCache } from "lru-cache"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { brotliCompressSync, constants, gzipSync } from "node:zlib"
import { readCart } from "./cart.js"
import { sharedRedis } from "./session.js"
import type { StorefrontData } from "./storefront.js"
import type { SetCookie } from "./traffic.js"

/**
 * Whole storefront pages, kept after rendering (docs/page-cache.md). The key holds the host, path,
 * query, locale, the visitor's cart count (the header shows it) and the tenant's public version, a
 * Redis counter every public-data write bumps after its commit: a write shows on the next request.
 */

/** The public pages whose body is the same for every visitor with the same cart count. */
const CACHED_ROUTES = new Set([
  "/(storefront)",
  "/(storefront)/catalog",
  "/(storefront)/catalog/[slug]",
  "/(storefront)/proofs",
  "/(storefront)/faq"
])

const MAX_BYTES = Number(env.PAGE_CACHE_MAX_BYTES || 64 * 1024 * 1024)
/** An entry outlives no Redis outage by more than this (the version cannot be read while Redis is down). */
const MAX_AGE_MS = 10 * 60 * 1000
/** Host -> storefront: the API's own host cache keeps answers this long too (TENANT_CACHE_TTL). */
const HOST_TTL_MS = 30 * 1000

/** A form's Idempotency-Key is one per rendering: each serve gets its own, never a shared one. */
const PER_SERVE = /(<input[^>]*name="idempotencyKey"[^>]*value=")[0-9a-f-]{36}(")/g

interface Entry {
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** The body cut around the per-serve values: one part means the same bytes for everyone. */
  readonly parts: ReadonlyArray<string>
  readonly etag: string | undefined
  readonly size: number
  gzip?: Buffer
  br?: Buffer
}

const pages = new LRUCache<string, Entry>({ maxSize: MAX_BYTES, sizeCalculation: (entry) => entry.size, ttl: MAX_AGE_MS })
/** Host -> the storefront and the public version it was read at (undefined: read before the version was known). */
interface Known {
  readonly storefront: StorefrontData
  readonly version: string | undefined
}
const hosts = new LRUCache<string, Known>({ max: 10_000, ttl: HOST_TTL_MS })
const rendering = new Map<string, Promise<Entry | undefined>>()

export const isCachedRoute = (event: RequestEvent) =>
  event.request.method === "GET" && event.route.id !== null && CACHED_ROUTES.has(event.route.id) && env.PAGE_CACHE !== "off"

/** The storefront this web server last saw at `host`, to key on without asking the API. */
export const knownStorefront = (host: string) => hosts.get(host)
export const rememberStorefront = (host: string, known: Known) => void hosts.set(host, known)

/** The tenant's public version, or undefined while Redis cannot say (then nothing is served from the cache). */
export const publicVersion = async (slug: string): Promise<string | undefined> => {
  try {
    const found = await sharedRedis().get(`${env.REDIS_KEY_PREFIX ?? "manara:"}public-version:${slug}`)
    return found ?? "0"
  } catch {
    return undefined
  }
}

const kuwaitDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kuwait" })

export const pageKey = (event: RequestEvent, locale: string, version: string) =>
  [
    event.url.host,
    locale,
    event.url.pathname,
    event.url.search,
    readCart(event.cookies).reduce((sum, line) => sum + line.quantity, 0),
    version,
    // Pledge forms start at today's date (Asia/Kuwait).
    kuwaitDay.format(new Date())
  ].join("\u0000")

/** Headers not kept with the body: per response, or set again when served. */
const PER_RESPONSE = new Set(["set-cookie", "date", "content-length", "content-encoding", "etag", "cache-control", "vary", "x-page-cache"])

const toEntry = async (response: Response): Promise<Entry | undefined> => {
  if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/html")) return undefined
  const html = await response.text()
  const parts: Array<string> = []
  let last = 0
  for (const match of html.matchAll(PER_SERVE)) {
    const valueAt = match.index + match[1]!.length
    parts.push(html.slice(last, valueAt))
    last = valueAt + 36
  }
  parts.push(html.slice(last))
  const headers = [...response.headers].filter(([name]) => !PER_RESPONSE.has(name))
  const etag = parts.length === 1 ? `"${createHash("sha1").update(html).digest("base64url")}"` : undefined
  return { headers, parts, etag, size: html.length * 2 + 512 }
}

/** The visit cookies are the visitor's own: any other cookie set while rendering makes the page uncacheable. */
const onlyVisitCookies = (response: Response, allowed: ReadonlySet<string>) =>
  response.headers.getSetCookie().every((cookie) => allowed.has(cookie.slice(0, cookie.indexOf("="))))

type Encoding = "br" | "gzip" | "identity"
export const encodingFor = (accept: string | null): Encoding => {
  if (accept === null) return "identity"
  const offered = accept.toLowerCase()
  if (/(^|,)\s*br(?!;q=0(?:\.0*)?\b)/.test(offered)) return "br"
  if (/(^|,)\s*gzip(?!;q=0(?:\.0*)?\b)/.test(offered)) return "gzip"
  return "identity"
}

const compress = (body: string, encoding: Exclude<Encoding, "identity">, once: boolean): Buffer =>
  encoding === "br"
    ? brotliCompressSync(body, {
        params: {
          // Kept bodies are compressed once, hard; per-serve ones every time, lightly.
          [constants.BROTLI_PARAM_QUALITY]: once ? 9 : 4,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(body)
        }
      })
    : gzipSync(body, { level: once ? 9 : 5 })

/** Public for a CDN keyed on Host when nothing in it is the visitor's; else the browser's only. */
const PUBLIC = "public, max-age=0, s-maxage=5, stale-while-revalidate=30"
const PRIVATE = "private, no-cache"

const serve = (event: RequestEvent, entry: Entry, status: "hit" | "miss", cookies: ReadonlyArray<string>): Response => {
  const headers = new Headers(entry.headers as Array<[string, string]>)
  // The kept CSP's nonce belongs to one rendering (the storefront ships no script): each serve has its own.
  const csp = headers.get("content-security-policy")
  if (csp !== null) headers.set("content-security-policy", csp.replace(/'nonce-[^']*'/g, `'nonce-${randomBytes(16).toString("base64")}'`))
  for (const cookie of cookies) headers.append("set-cookie", cookie)
  const shared = entry.parts.length === 1 && cookies.length === 0 && event.cookies.get("manara_cart") === undefined
  headers.set("cache-control", shared ? PUBLIC : PRIVATE)
  headers.set("vary", "accept-encoding")
  headers.set("x-page-cache", status)
  if (entry.etag !== undefined) headers.set("etag", entry.etag)
  // SvelteKit answers 304 itself for a matching If-None-Match (it sees the ETag); the body is not built then.
  if (entry.etag !== undefined && event.request.headers.get("if-none-match")?.replace(/^W\//, "") === entry.etag) {
    return new Response(null, { status: 200, headers })
  }
  const body = entry.parts.length === 1 ? entry.parts[0]! : entry.parts.map((part, at) => (at === 0 ? part : randomUUID() + part)).join("")
  const encoding = encodingFor(event.request.headers.get("accept-encoding"))
  if (encoding === "identity") return new Response(body, { status: 200, headers })
  headers.set("content-encoding", encoding)
  if (entry.parts.length > 1) return new Response(new Uint8Array(compress(body, encoding, false)), { status: 200, headers })
  const kept = (entry[encoding] ??= compress(body, encoding, true))
  return new Response(new Uint8Array(kept), { status: 200, headers })
}

/**
 * The page from the cache, or rendered once for everyone asking at the same moment (single flight)
 * and kept. `visitCookies` are what this request's visit recording set: they go on this response only.
 */
export const cachedPage = async (
  event: RequestEvent,
  key: string,
  render: () => Response | Promise<Response>,
  visitCookies: ReadonlyArray<SetCookie>
): Promise<Response> => {
  const cookies = visitCookies.map(({ name, value, options }) => serialize(name, value, options))
  const hit = pages.get(key)
  if (hit !== undefined) return serve(event, hit, "hit", cookies)
  const inFlight = rendering.get(key)
  if (inFlight !== undefined) {
    const entry = await inFlight
    if (entry !== undefined) return serve(event, entry, "hit", cookies)
    return render()
  }
  let settle!: (entry: Entry | undefined) => void
  rendering.set(key, new Promise((resolve) => (settle = resolve)))
  try {
    const response = await render()
    const entry = onlyVisitCookies(response, new Set(visitCookies.map((cookie) => cookie.name))) ? await toEntry(response) : undefined
    settle(entry)
    if (entry === undefined) return response
    pages.set(key, entry)
    return serve(event, entry, "miss", cookies)
  } catch (error) {
    settle(undefined)
    throw error
  } finally {
    rendering.delete(key)
  }
}

/** HTML and JSON not served from the cache (uncached pages, the API proxy), compressed as the browser accepts. */
export const compressed = async (request: Request, response: Response): Promise<Response> => {
  const type = response.headers.get("content-type") ?? ""
  if (response.body === null || response.headers.has("content-encoding") || response.status === 304) return response
  if (!type.startsWith("text/html") && !type.startsWith("application/json") && !type.startsWith("application/problem+json")) return response
  const encoding = encodingFor(request.headers.get("accept-encoding"))
  if (encoding === "identity") return response
  const body = await response.text()
  if (body.length < 1024) return new Response(body, response)
  const headers = new Headers(response.headers)
  headers.delete("content-length")
  headers.set("content-encoding", encoding)
  headers.append("vary", "accept-encoding")
  return new Response(new Uint8Array(compress(body, encoding, false)), {
    status: response.status,
    statusText: response.statusText,
    headers
  })
}
