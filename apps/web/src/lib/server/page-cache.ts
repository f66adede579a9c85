import { env } from "$env/dynamic/private"
import { parseCart } from "$lib/storefront/give.js"
import type { RequestEvent } from "@sveltejs/kit"
import { parse, serialize } from "cookie"
import { LRUCache } from "lru-cache"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { brotliCompressSync, constants, gzipSync } from "node:zlib"
import { CART_COOKIE } from "./cart.js"
import { SECURITY_HEADERS } from "./headers.js"
import { sharedRedis } from "./session.js"
import type { StorefrontData } from "./storefront.js"
import { recordingOn, type SetCookie, VISIT_COOKIE } from "./traffic.js"

/**
 * Whole storefront pages, kept after rendering (docs/page-cache.md). The key holds the host, path,
 * query (the locale is the path's), the visitor's cart count (the header shows it) and the Kuwait day;
 * an entry is served only at the tenant's public version it was rendered at, a Redis counter every
 * public-data write bumps after its commit: a write shows on the next request.
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
  /** The tenant (its slug) and the public version the page was rendered at: served only while it is still the current one. */
  readonly slug: string
  readonly version: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** The body as UTF-8, cut around the per-serve values: one part means the same bytes for everyone. */
  readonly parts: ReadonlyArray<Buffer>
  readonly etag: string | undefined
  readonly size: number
  gzip?: Buffer
  br?: Buffer
}

/** One entry per page and cart count: a newer version's rendering replaces the older one. */
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

const cartCount = (cart: string | undefined) => parseCart(cart).reduce((sum, line) => sum + line.quantity, 0)

/**
 * The page's key without the version (the entry carries it). The locale is the path's own (paraglide's
 * `url` strategy: `/en/...` English, else Arabic), so the path stands for it.
 */
const keyOf = (url: URL, cart: string | undefined) =>
  [
    url.host,
    url.pathname,
    url.search,
    cartCount(cart),
    // Pledge forms start at today's date (Asia/Kuwait).
    kuwaitDay.format(new Date())
  ].join("\u0000")

export const pageKey = (event: RequestEvent) => keyOf(event.url, event.cookies.get(CART_COOKIE))

/** Headers not kept with the body: per response, or set again when served. */
const PER_RESPONSE = new Set(["set-cookie", "date", "content-length", "content-encoding", "etag", "cache-control", "vary", "x-page-cache"])

const toEntry = async (response: Response, slug: string, version: string): Promise<Entry | undefined> => {
  if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/html")) return undefined
  const html = await response.text()
  const parts: Array<Buffer> = []
  let last = 0
  for (const match of html.matchAll(PER_SERVE)) {
    const valueAt = match.index + match[1]!.length
    parts.push(Buffer.from(html.slice(last, valueAt)))
    last = valueAt + 36
  }
  parts.push(Buffer.from(html.slice(last)))
  const headers = [...response.headers].filter(([name]) => !PER_RESPONSE.has(name))
  const etag = parts.length === 1 ? `"${createHash("sha1").update(html).digest("base64url")}"` : undefined
  return { slug, version, headers, parts, etag, size: html.length * 3 + 512 }
}

/** The visit cookies are the visitor's own: any other cookie set while rendering makes the page uncacheable. */
const onlyVisitCookies = (response: Response, allowed: ReadonlySet<string>) =>
  response.headers.getSetCookie().every((cookie) => allowed.has(cookie.slice(0, cookie.indexOf("="))))

type Encoding = "br" | "gzip" | "identity"
export const encodingFor = (accept: string | null | undefined): Encoding => {
  if (accept === null || accept === undefined) return "identity"
  const offered = accept.toLowerCase()
  if (/(^|,)\s*br(?!;q=0(?:\.0*)?\b)/.test(offered)) return "br"
  if (/(^|,)\s*gzip(?!;q=0(?:\.0*)?\b)/.test(offered)) return "gzip"
  return "identity"
}

const compress = (body: string | Buffer, encoding: Exclude<Encoding, "identity">, once: boolean): Buffer =>
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

interface Answer {
  /** 304: the browser's copy is current (no body). */
  readonly status: 200 | 304
  readonly headers: Array<[string, string]>
  readonly body: Buffer | undefined
}

/** What one serve of `entry` sends: per-serve nonce and keys, caching headers, the kept compressed bytes. */
const answer = (
  entry: Entry,
  status: "hit" | "miss",
  request: { readonly ifNoneMatch: string | null | undefined; readonly acceptEncoding: string | null | undefined },
  cookies: ReadonlyArray<string>,
  hasCart: boolean
): Answer => {
  const shared = entry.parts.length === 1 && cookies.length === 0 && !hasCart
  const caching: Array<[string, string]> = [
    ["cache-control", shared ? PUBLIC : PRIVATE],
    ["vary", "accept-encoding"]
  ]
  if (entry.etag !== undefined) caching.push(["etag", entry.etag])
  if (entry.etag !== undefined && request.ifNoneMatch?.replace(/^W\//, "") === entry.etag)
    return { status: 304, headers: caching, body: undefined }
  const headers: Array<[string, string]> = []
  for (const [name, value] of entry.headers) {
    // The kept CSP's nonce belongs to one rendering (the storefront ships no script): each serve has its own.
    headers.push([name, name === "content-security-policy" ? value.replace(NONCE, `'nonce-${randomBytes(16).toString("base64")}'`) : value])
  }
  for (const cookie of cookies) headers.push(["set-cookie", cookie])
  headers.push(...caching, ["x-page-cache", status])
  const encoding = encodingFor(request.acceptEncoding)
  if (encoding !== "identity") headers.push(["content-encoding", encoding])
  if (entry.parts.length === 1) {
    const body = encoding === "identity" ? entry.parts[0]! : (entry[encoding] ??= compress(entry.parts[0]!, encoding, true))
    return { status: 200, headers, body }
  }
  const pieces: Array<Buffer> = []
  entry.parts.forEach((part, at) => {
    if (at > 0) pieces.push(Buffer.from(randomUUID()))
    pieces.push(part)
  })
  const body = Buffer.concat(pieces)
  return { status: 200, headers, body: encoding === "identity" ? body : compress(body, encoding, false) }
}
const NONCE = /'nonce-[^']*'/g

/** As a Response for SvelteKit: it answers 304 itself for a matching If-None-Match (it sees the ETag). */
const serve = (event: RequestEvent, entry: Entry, status: "hit" | "miss", cookies: ReadonlyArray<string>): Response => {
  const { headers, body } = answer(
    entry,
    status,
    { ifNoneMatch: undefined, acceptEncoding: event.request.headers.get("accept-encoding") },
    cookies,
    event.cookies.get(CART_COOKIE) !== undefined
  )
  const ifNoneMatch = event.request.headers.get("if-none-match")?.replace(/^W\//, "")
  if (entry.etag !== undefined && ifNoneMatch === entry.etag) return new Response(null, { status: 200, headers })
  return new Response(body === undefined ? null : new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), {
    status: 200,
    headers
  })
}

/**
 * The page from the cache, or rendered once for everyone asking at the same moment (single flight)
 * and kept. `visitCookies` are what this request's visit recording set: they go on this response only.
 */
export const cachedPage = async (
  event: RequestEvent,
  at: { readonly slug: string; readonly version: string },
  render: () => Response | Promise<Response>,
  visitCookies: ReadonlyArray<SetCookie>
): Promise<Response> => {
  const key = pageKey(event)
  const cookies = visitCookies.map(({ name, value, options }) => serialize(name, value, options))
  const hit = pages.get(key)
  if (hit !== undefined && hit.version === at.version && hit.slug === at.slug) return serve(event, hit, "hit", cookies)
  const flight = `${key}\u0000${at.slug}\u0000${at.version}`
  const inFlight = rendering.get(flight)
  if (inFlight !== undefined) {
    const entry = await inFlight
    if (entry !== undefined) return serve(event, entry, "hit", cookies)
    return render()
  }
  let settle!: (entry: Entry | undefined) => void
  rendering.set(flight, new Promise((resolve) => (settle = resolve)))
  try {
    const response = await render()
    const entry = onlyVisitCookies(response, new Set(visitCookies.map((cookie) => cookie.name)))
      ? await toEntry(response, at.slug, at.version)
      : undefined
    settle(entry)
    if (entry === undefined) return response
    pages.set(key, entry)
    return serve(event, entry, "miss", cookies)
  } catch (error) {
    settle(undefined)
    throw error
  } finally {
    rendering.delete(flight)
  }
}

// ------------------------------------------------------------------ hits before SvelteKit

/** The public version a request read before SvelteKit saw it (a miss of `fromCache`), so the hook need not read it again. */
const VERSION_READ = Symbol("manara.public-version")
interface VersionRead {
  readonly slug: string
  readonly version: string
}

/** What `fromCache` read for this request, if it read the version of `slug`. */
export const versionRead = (event: RequestEvent, slug: string): string | undefined => {
  const read = (event.platform as { req?: Record<symbol, VersionRead | undefined> } | undefined)?.req?.[VERSION_READ]
  return read?.slug === slug ? read.version : undefined
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value
}

/** The URL SvelteKit would see (adapter-node's `get_origin`: HOST_HEADER, PORT_HEADER); undefined when unsure. */
const urlOf = (req: IncomingMessage): URL | undefined => {
  const hostHeader = (env.HOST_HEADER ?? "").toLowerCase()
  const portHeader = (env.PORT_HEADER ?? "").toLowerCase()
  const host = (hostHeader === "" ? undefined : header(req, hostHeader)) || header(req, "host")
  if (host === undefined || host === "") return undefined
  const port = portHeader === "" ? undefined : header(req, portHeader)
  try {
    return new URL(`http://${decodeURIComponent(host)}${port ? `:${port}` : ""}${req.url ?? "/"}`)
  } catch {
    return undefined
  }
}

/**
 * A storefront page from the cache straight onto the socket, before SvelteKit builds a request
 * (build/handler.js calls it first, see svelte.config.js): the same key, version check and headers
 * as the hook's hit. False when it is not a plain hit (then SvelteKit answers, the hook included):
 * a session's first view (its visit is recorded there), another version, an unknown host.
 */
export const fromCache = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
  // With ORIGIN set adapter-node sees one host whatever the headers say: no shortcut then.
  if (req.method !== "GET" || env.PAGE_CACHE === "off" || (env.ORIGIN ?? "") !== "") return false
  const cookieHeader = req.headers.cookie
  const cookies = cookieHeader === undefined ? {} : parse(cookieHeader)
  if (recordingOn() && cookies[VISIT_COOKIE] === undefined) return false
  const url = urlOf(req)
  if (url === undefined) return false
  const entry = pages.get(keyOf(url, cookies[CART_COOKIE]))
  const known = hosts.get(url.host)
  if (entry === undefined || known === undefined || known.storefront.slug !== entry.slug) return false
  const version = await publicVersion(entry.slug)
  if (version === undefined) return false
  ;(req as unknown as Record<symbol, VersionRead>)[VERSION_READ] = { slug: entry.slug, version }
  if (entry.version !== version || known.version !== version) return false
  const { status, headers, body } = answer(
    entry,
    "hit",
    { ifNoneMatch: header(req, "if-none-match"), acceptEncoding: header(req, "accept-encoding") },
    [],
    cookies[CART_COOKIE] !== undefined
  )
  // SvelteKit's 304 carries the caching headers only; a 200 also what `handle` adds to every response.
  if (status === 200) {
    for (const [name, value] of SECURITY_HEADERS) headers.push([name, value])
    headers.push(["content-length", String(body!.byteLength)])
  }
  res.writeHead(status, headers.flat())
  res.end(body)
  return true
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
