import { env } from "$env/dynamic/private"
import { asksNotToTrack, dailyVisitorHash, isBot, visitFacts } from "@manara/analytics/visit"
import type { NewTrafficEvent, NewVisit, TrafficEventName } from "@manara/domain"
import type { Cookies, RequestEvent } from "@sveltejs/kit"
import { Effect } from "effect"
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { apiFor } from "./api.js"
import { publicOrigin } from "./csrf.js"
import { sharedRedis } from "./session.js"

/** The session's visit (last touch): a browser-session cookie. */
export const VISIT_COOKIE = "manara_visit"
/** The visitor's first visit within 30 days (first touch). */
export const FIRST_VISIT_COOKIE = "manara_first"
const FIRST_TOUCH_SECONDS = 30 * 24 * 3600

const FLUSH_MS = Number(env.TRAFFIC_FLUSH_MS || 2000)
const FLUSH_SIZE = 200
/** New visits from one address per minute; past that, a flood: not counted. */
const PER_SOURCE = Number(env.TRAFFIC_LIMIT_PER_SOURCE || 60)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A cookie the visit recording set: a page served from the cache sends it itself (SvelteKit adds cookies only to what it renders). */
export interface SetCookie {
  readonly name: string
  readonly value: string
  readonly options: {
    readonly path: "/"
    readonly httpOnly: true
    readonly sameSite: "lax"
    readonly secure: boolean
    readonly maxAge?: number
  }
}

export const recordingOn = () => env.VISITS_RECORDING !== "off"

export interface VisitTouch {
  readonly visitId?: string
  readonly firstVisitId?: string
}

/** What the request's cookies say of its visits, for captures and events. */
export const touchOf = (cookies: Cookies): VisitTouch => {
  const visitId = cookies.get(VISIT_COOKIE)
  const firstVisitId = cookies.get(FIRST_VISIT_COOKIE)
  return {
    ...(visitId !== undefined && UUID.test(visitId) ? { visitId } : {}),
    ...(firstVisitId !== undefined && UUID.test(firstVisitId) ? { firstVisitId } : {})
  }
}

// ------------------------------------------------------------------ the buffer, per storefront host

interface Pending {
  visits: Array<NewVisit>
  events: Array<NewTrafficEvent>
}
const pending = new Map<string, Pending>()
let timer: ReturnType<typeof setInterval> | undefined

const bufferOf = (host: string) => {
  let buffer = pending.get(host)
  if (buffer === undefined) pending.set(host, (buffer = { visits: [], events: [] }))
  if (timer === undefined) {
    timer = setInterval(() => void flushTraffic(), FLUSH_MS)
    timer.unref()
    process.once("sveltekit:shutdown", () => void flushTraffic())
  }
  return buffer
}

/**
 * Sends what is buffered, one call per storefront (the host names the tenant). A failed call drops its
 * batch: traffic figures are best effort, and a page view never waits on them.
 */
export const flushTraffic = async (): Promise<void> => {
  const batches = [...pending.entries()]
  pending.clear()
  sources.clear()
  const api = apiFor(globalThis.fetch)
  await Promise.all(
    batches.map(([host, batch]) =>
      api((client) =>
        client.traffic.record({ headers: { "x-forwarded-host": host }, payload: batch }).pipe(Effect.timeout("10 seconds"))
      ).catch(() => undefined)
    )
  )
}

const enqueue = (host: string, add: (buffer: Pending) => void) => {
  const buffer = bufferOf(host)
  add(buffer)
  if (buffer.visits.length >= FLUSH_SIZE || buffer.events.length >= FLUSH_SIZE) {
    pending.delete(host)
    void apiFor(globalThis.fetch)((client) => client.traffic.record({ headers: { "x-forwarded-host": host }, payload: buffer })).catch(
      () => undefined
    )
  }
}

// ------------------------------------------------------------------ salt and flood limit

let salt: { day: string; value: Promise<string> } | undefined
// Built once: a time-zoned Intl.DateTimeFormat costs a fifth of a millisecond to construct, per view otherwise.
const kuwaitDays = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kuwait" })
const kuwaitDay = () => kuwaitDays.format(new Date())

/** The day's salt, shared by every web server through Redis and gone two days later; this process's own if Redis is down. */
const dailySalt = (): Promise<string> => {
  const day = kuwaitDay()
  if (salt?.day !== day) {
    const key = `${env.REDIS_KEY_PREFIX ?? "manara:"}visit-salt:${day}`
    const fresh = randomBytes(32).toString("hex")
    const value = (async () => {
      const redis = sharedRedis()
      await redis.set(key, fresh, "EX", 2 * 24 * 3600, "NX")
      return (await redis.get(key)) ?? fresh
    })().catch(() => fresh)
    salt = { day, value }
  }
  return salt.value
}

/** New visits per source address since the last flush (the flush clears it, every couple of seconds). */
const sources = new Map<string, number>()
const admitSource = (address: string) => {
  const key = createHash("sha256").update(address).digest("base64url").slice(0, 16)
  const seen = (sources.get(key) ?? 0) + 1
  sources.set(key, seen)
  return seen <= Math.max(1, Math.round((PER_SOURCE * FLUSH_MS) / 60_000))
}

// ------------------------------------------------------------------ what the hook and pages call

/**
 * The first storefront page view of a browser session records a visit: tags, referrer host, landing
 * path, device, language and the day's visitor hash. Bots are not counted; under DNT or Sec-GPC the
 * visit is counted with no hash and no cookie is set.
 */
export const recordVisit = async (event: RequestEvent): Promise<ReadonlyArray<SetCookie>> => {
  if (!recordingOn() || event.request.method !== "GET") return []
  if (event.cookies.get(VISIT_COOKIE) !== undefined) return []
  const headers = event.request.headers
  const userAgent = headers.get("user-agent")
  if (isBot(userAgent)) return []
  let address = "unknown"
  try {
    address = event.getClientAddress()
  } catch {
    // Not behind a socket (a prerender): there is no address to limit by.
  }
  if (!admitSource(address)) return []
  const host = event.url.host
  const anonymous = asksNotToTrack(headers)
  const id = randomUUID()
  const visitorId = anonymous ? null : dailyVisitorHash(await dailySalt(), host, address, userAgent ?? "")
  enqueue(host, (buffer) => buffer.visits.push({ id, visitorId, ...visitFacts(event.url, headers) }))
  if (anonymous) return []
  // adapter-node says https without ORIGIN; plain-http *.localhost (the demo, the tests) gets cookies it can keep.
  const secure = publicOrigin(event.url).startsWith("https:")
  const set: Array<SetCookie> = [{ name: VISIT_COOKIE, value: id, options: { path: "/", httpOnly: true, sameSite: "lax", secure } }]
  if (touchOf(event.cookies).firstVisitId === undefined) {
    set.push({
      name: FIRST_VISIT_COOKIE,
      value: id,
      options: { path: "/", httpOnly: true, sameSite: "lax", secure, maxAge: FIRST_TOUCH_SECONDS }
    })
  }
  for (const cookie of set) event.cookies.set(cookie.name, cookie.value, cookie.options)
  return set
}

/** One event of the fixed set, of this request's visit (none under DNT: there is no cookie). */
export const recordEvent = (
  event: Pick<RequestEvent, "url" | "cookies" | "request">,
  name: TrafficEventName,
  item: string | null = null
) => {
  if (!recordingOn() || isBot(event.request.headers.get("user-agent"))) return
  const visitId = touchOf(event.cookies).visitId ?? null
  enqueue(event.url.host, (buffer) => buffer.events.push({ name, visitId, item }))
}
