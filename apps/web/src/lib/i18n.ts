import type { Bilingual } from "@manara/domain"
import { getLocale, type Locale } from "$lib/paraglide/runtime.js"

/** The other language, for the switch. */
export const otherLocale = (locale: Locale): Locale => (locale === "ar" ? "en" : "ar")

/** A tenant's text in the current language; Arabic when the English one was left empty. */
export const localized = (text: Bilingual, locale: Locale = getLocale()): string => text[locale] || text.ar
