import { createHash } from "node:crypto"
import { isbot } from "isbot"

/**
 * What the web server reads from a storefront page view to record a visit. Plain functions, no Effect:
 * the SvelteKit hook imports them (`@manara/analytics/visit`).
 */

export type DeviceClass = "mobile" | "tablet" | "desktop"

export interface VisitFacts {
  readonly source: string | null
  readonly medium: string | null
  readonly campaign: string | null
  readonly term: string | null
  readonly content: string | null
  readonly referrerHost: string | null
  readonly landingPath: string
  readonly device: DeviceClass
  readonly language: string | null
}

export const TAG_LENGTH = 100
const PATH_LENGTH = 500

// Controls, lone surrogates and noncharacters: what the API's Text schema refuses.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
const UNTYPABLE = /[\u0000-\u001f\u007f-\u009f\p{Cs}\p{Noncharacter_Code_Point}]/gu

/**
 * A utm_* value as we keep it: markup and control characters removed, spaces folded, cut to 100
 * characters (by code point); nothing left is no tag at all.
 */
export const cleanTag = (raw: string | null): string | null => {
  if (raw === null) return null
  const text = raw
    .replace(/<[^>]*>?/g, " ")
    .replace(/[<>]/g, " ")
    .replace(UNTYPABLE, " ")
    .replace(/\s+/g, " ")
    .trim()
  const cut = Array.from(text).slice(0, TAG_LENGTH).join("").trim()
  return cut === "" ? null : cut
}

/** The referrer's host only (no path, no query: they can carry personal data); none for our own host. */
export const referrerHost = (referrer: string | null, ownHost: string): string | null => {
  if (referrer === null || referrer === "") return null
  try {
    const host = new URL(referrer).hostname.toLowerCase().replace(/\.$/, "")
    if (host === "" || host === ownHost.toLowerCase().replace(/:\d+$/, "")) return null
    return /^[a-z0-9.-]{1,253}$/.test(host) ? host : null
  } catch {
    return null
  }
}

/** Coarse device class from the user agent: enough for a KPI, not a fingerprint. */
export const deviceClass = (userAgent: string): DeviceClass =>
  /iPad|Tablet|PlayBook|Silk|Android(?!.*Mobile)/i.test(userAgent)
    ? "tablet"
    : /Mobi|iPhone|iPod|Android|BlackBerry|Opera Mini|IEMobile/i.test(userAgent)
      ? "mobile"
      : "desktop"

/** The first language the browser asks for, as its two or three letter code. */
export const primaryLanguage = (acceptLanguage: string | null): string | null => {
  const first = acceptLanguage?.split(",")[0]?.split(";")[0]?.trim().toLowerCase().split("-")[0]
  return first !== undefined && /^[a-z]{2,3}$/.test(first) ? first : null
}

/** Bots (a maintained list, `isbot`) and requests with no user agent are not visits. */
export const isBot = (userAgent: string | null): boolean => userAgent === null || userAgent.trim() === "" || isbot(userAgent)

/** `DNT: 1` or `Sec-GPC: 1`: count the visit, keep no identifier and set no cookie. */
export const asksNotToTrack = (headers: Headers): boolean => headers.get("dnt") === "1" || headers.get("sec-gpc") === "1"

/** Everything a visit records from its first page view. */
export const visitFacts = (url: URL, headers: Headers): VisitFacts => {
  const tag = (name: string) => cleanTag(url.searchParams.get(`utm_${name}`))
  const path = url.pathname.replace(UNTYPABLE, "")
  return {
    source: tag("source"),
    medium: tag("medium"),
    campaign: tag("campaign"),
    term: tag("term"),
    content: tag("content"),
    referrerHost: referrerHost(headers.get("referer"), url.host),
    landingPath: path.startsWith("/") ? Array.from(path).slice(0, PATH_LENGTH).join("") : "/",
    device: deviceClass(headers.get("user-agent") ?? ""),
    language: primaryLanguage(headers.get("accept-language"))
  }
}

/**
 * The visitor of a day: a hash of the day's secret salt, the storefront, the address and the user
 * agent. The address is never stored, and once the salt is gone (a day later) nobody can link days.
 */
export const dailyVisitorHash = (salt: string, host: string, address: string, userAgent: string): string =>
  createHash("sha256").update(`${salt}\u0000${host}\u0000${address}\u0000${userAgent}`).digest("hex").slice(0, 32)
