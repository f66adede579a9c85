// Relative import, no runes: the unit tests load this module in plain node.
import { deLocalizeHref, localizeHref } from "../paraglide/runtime.js"

/** What `landingHref` needs to know of `GET /auth/me`. */
export interface Landing {
  readonly mfaSetupRequired: boolean
  readonly memberships: ReadonlyArray<{ readonly tenantSlug: string }>
}

/**
 * Only a path on this site may be a `next`: `//elsewhere`, `/\elsewhere` or `https://...` resolve
 * elsewhere. Returned without its locale, so it opens in the language in use when it is followed.
 */
export const safeNext = (next: string | null | undefined, origin: string): string | undefined => {
  if (next === null || next === undefined || !next.startsWith("/")) return undefined
  const url = new URL(next, origin)
  if (url.origin !== origin) return undefined
  const path = deLocalizeHref(url.pathname + url.search + url.hash)
  // Back to the sign-in page after signing in would only ask again.
  return path === "/signin" || path.startsWith("/signin?") || path.startsWith("/signin#") ? undefined : path
}

const withNext = (path: string, from: string | undefined) =>
  localizeHref(from === undefined ? path : `${path}?next=${encodeURIComponent(deLocalizeHref(from))}`)

/** The localized sign-in page, coming back to `from` (a path of any locale) afterwards. */
export const signInHref = (from?: string): string => withNext("/signin", from)

/** The localized MFA setup page, coming back to `from` afterwards. */
export const mfaSetupHref = (from?: string): string => withNext("/dashboard/mfa", from)

/** A tenant's dashboard (or one of its pages) in the current locale. */
export const dashboardHref = (slug: string, page = ""): string => localizeHref(`/dashboard/${encodeURIComponent(slug)}${page}`)

/**
 * Where to go once signed in: set up MFA first if the role demands it; else back to `next` (as
 * `safeNext` returned it); else the only tenant's dashboard; else the tenant picker.
 */
export const landingHref = (me: Landing, next: string | undefined): string => {
  if (me.mfaSetupRequired) return mfaSetupHref(next)
  if (next !== undefined) return localizeHref(next)
  if (me.memberships.length === 1) return dashboardHref(me.memberships[0]!.tenantSlug)
  return localizeHref("/dashboard")
}

/** Digits as typed on an Arabic (٠-٩) or Persian (۰-۹) keyboard, as the ASCII digits the API expects. */
export const latinDigits = (text: string): string =>
  text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) & 0xf))

/** A 6-digit authenticator code from what was typed (spaces allowed), or undefined. */
export const totpCode = (typed: string): string | undefined => {
  const code = latinDigits(typed).replace(/\s+/g, "")
  return /^[0-9]{6}$/.test(code) ? code : undefined
}

/** The invitation link to send: the token, and the tenant it belongs to (accepting names it in `X-Tenant`). */
export const invitationHref = (origin: string, slug: string, token: string): string =>
  new URL(localizeHref(`/invite?tenant=${encodeURIComponent(slug)}&token=${encodeURIComponent(token)}`), origin).href
