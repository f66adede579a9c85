import type { Bilingual } from "@manara/domain"
import { deLocalizeUrl, getLocale, type Locale, localizeHref as paraglideLocalizeHref, localizeUrl } from "$lib/paraglide/runtime.js"

/** The other language, for the switch. */
export const otherLocale = (locale: Locale): Locale => (locale === "ar" ? "en" : "ar")

/** A tenant's text in the current language; Arabic when the English one was left empty. */
export const localized = (text: Bilingual, locale: Locale = getLocale()): string => text[locale] || text.ar

/**
 * Paraglide's `localizeHref` and `localizeUrl` parse the address and match the URL patterns on every
 * call, and a storefront page has dozens of links: each answer is remembered (the patterns keep the
 * host, so a path's answer is the same on every host). Bounded: emptied when full.
 */
const HREFS_KEPT = 10_000
const hrefs = new Map<string, string>()
const remembered = (key: string, make: () => string): string => {
  let found = hrefs.get(key)
  if (found === undefined) {
    found = make()
    if (hrefs.size >= HREFS_KEPT) hrefs.clear()
    hrefs.set(key, found)
  }
  return found
}

/** `localizeHref` for the current (or the given) locale; a path's answer is remembered. */
export const localizeHref = (href: string, options?: { readonly locale?: Locale }): string => {
  if (!href.startsWith("/") || href.startsWith("//")) return paraglideLocalizeHref(href, options)
  const current = getLocale()
  return remembered(`${current}\u0000${options?.locale ?? current}\u0000${href}`, () => paraglideLocalizeHref(href, options))
}

/** The absolute address of `url` in `locale` (`localizeUrl(url, { locale }).href`), remembered. */
export const localizedUrl = (url: URL, locale: Locale): string =>
  remembered(`url\u0000${locale}\u0000${url.href}`, () => localizeUrl(url, { locale }).href)

/** The route's path without its locale (`/en/faq` -> `/faq`), remembered per path like the links. */
export const delocalizedPath = (url: URL): string => remembered(`path\u0000${url.pathname}`, () => deLocalizeUrl(url).pathname)
