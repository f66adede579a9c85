import { SocialNetworks, type TenantSettings } from "@manara/domain"
import { normaliseAmount } from "$lib/storefront/give.js"

/** The settings as the dashboard form sends and keeps them: plain data. */
export type SettingsData = typeof TenantSettings.Encoded

const text = (data: FormData, name: string) => {
  const value = data.get(name)
  return typeof value === "string" ? value.trim() : ""
}

/** The form's fields (`branding.primaryColour`, `contact.social.x`, ...) as the contract's payload. */
export const settingsFromForm = (data: FormData): SettingsData => ({
  branding: {
    primaryColour: text(data, "branding.primaryColour"),
    accentColour: text(data, "branding.accentColour"),
    tagline: { ar: text(data, "branding.tagline.ar"), en: text(data, "branding.tagline.en") },
    logoMediaId: text(data, "branding.logoMediaId") === "" ? null : text(data, "branding.logoMediaId"),
    defaultLocale: text(data, "branding.defaultLocale") === "en" ? "en" : "ar"
  },
  contact: {
    phone: text(data, "contact.phone"),
    whatsapp: text(data, "contact.whatsapp"),
    email: text(data, "contact.email"),
    address: { ar: text(data, "contact.address.ar"), en: text(data, "contact.address.en") },
    social: Object.fromEntries(
      SocialNetworks.map((network) => [network, text(data, `contact.social.${network}`)])
    ) as SettingsData["contact"]["social"],
    registrationNumber: text(data, "contact.registrationNumber")
  },
  payments: {
    bankTransfer: {
      bank: text(data, "payments.bankTransfer.bank"),
      beneficiary: text(data, "payments.bankTransfer.beneficiary"),
      iban: text(data, "payments.bankTransfer.iban")
    },
    payLink: { url: text(data, "payments.payLink.url") }
  },
  donations: {
    // Amounts may be typed with Arabic-Indic digits and the Arabic decimal separator.
    minimum: normaliseAmount(text(data, "donations.minimum")),
    maximum: normaliseAmount(text(data, "donations.maximum")),
    // Typed as one list: "5, 10, 25" (Arabic commas too).
    presets: text(data, "donations.presets")
      .split(/[\s,،]+/)
      .filter((preset) => preset !== "")
      .map(normaliseAmount)
      .slice(0, 6),
    // An unticked checkbox is not sent at all: absent means off.
    zakatGeneralFund: data.get("donations.zakatGeneralFund") === "on"
  },
  receipt: { footer: { ar: text(data, "receipt.footer.ar"), en: text(data, "receipt.footer.en") } },
  orders: { pickup: data.get("orders.pickup") === "on" }
})

/** A field error's key: its path, with a preset's index dropped (the presets are one field). */
export const fieldKey = (path: ReadonlyArray<string | number>): string =>
  (path[0] === "donations" && path[1] === "presets" ? path.slice(0, 2) : path).join(".")

export interface FieldError {
  readonly en: string
  readonly ar: string
}
