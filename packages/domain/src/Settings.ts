import { electronicFormatIBAN, isValidIBAN } from "ibantools"
import { Schema } from "effect"
import { Locale } from "./Locale.js"
import { formatMoney, parseMoney } from "./Money.js"
import type { Policy } from "./Tenancy.js"

/**
 * A tenant's settings: the one schema for them. Stored in two jsonb columns of `tenants`: `branding`
 * (colours, tagline, logo; the storefront host cache carries it) and `settings` (everything else;
 * capture reads it through `app.current_tenant_settings()`).
 */

/** Tenant settings: owners and admins. */
export const SettingsPolicy = {
  read: ["owner", "admin"],
  manage: ["owner", "admin"]
} as const satisfies Record<string, Policy>

const text = (max: number) => Schema.String.pipe(Schema.maxLength(max))
const BilingualText = (max: number) => Schema.Struct({ ar: text(max), en: text(max) })

export const SocialNetworks = ["instagram", "x", "facebook", "youtube", "tiktok", "snapchat", "linkedin"] as const
export type SocialNetwork = (typeof SocialNetworks)[number]

export const BrandingSection = Schema.Struct({
  primaryColour: text(16),
  accentColour: text(16),
  tagline: BilingualText(200),
  /** An uploaded image (the catalog's upload tickets) of this tenant, or none. */
  logoMediaId: Schema.NullOr(Schema.UUID),
  defaultLocale: Locale
})
export type BrandingSection = typeof BrandingSection.Type

export const ContactSection = Schema.Struct({
  phone: text(32),
  whatsapp: text(32),
  email: text(254),
  address: BilingualText(300),
  social: Schema.Struct({
    instagram: text(300),
    x: text(300),
    facebook: text(300),
    youtube: text(300),
    tiktok: text(300),
    snapchat: text(300),
    linkedin: text(300)
  }),
  /** The charity's registration number with the Ministry of Social Affairs. */
  registrationNumber: text(64)
})
export type ContactSection = typeof ContactSection.Type

export const PaymentsSection = Schema.Struct({
  bankTransfer: Schema.Struct({ bank: text(120), beneficiary: text(120), iban: text(64) }),
  payLink: Schema.Struct({ url: text(500) })
})
export type PaymentsSection = typeof PaymentsSection.Type

/** A switch older clients may leave out: off unless sent. */
const Switch = Schema.optionalWith(Schema.Boolean, { default: () => false })

/** Amounts are KWD as exact decimal text ("5.000"), never floats. */
export const DonationsSection = Schema.Struct({
  minimum: text(20),
  maximum: text(20),
  presets: Schema.Array(text(20)).pipe(Schema.maxItems(6)),
  /** Zakat may go to the general fund (a gift to no project): the charity's own ruling, off unless set. */
  zakatGeneralFund: Switch
})
export type DonationsSection = typeof DonationsSection.Type

export const ReceiptSection = Schema.Struct({ footer: BilingualText(500) })
export type ReceiptSection = typeof ReceiptSection.Type

/** How orders reach buyers: besides delivery, whether buyers may collect what ships at the charity. */
export const OrdersSection = Schema.Struct({ pickup: Switch })
export type OrdersSection = typeof OrdersSection.Type

/** Older clients may leave the whole section out: pickup off. */
const OrdersField = Schema.optionalWith(OrdersSection, { default: () => ({ pickup: false }) })

/** Every section, as the dashboard edits them and `PUT /tenant/settings` takes them. */
export class TenantSettings extends Schema.Class<TenantSettings>("TenantSettings")({
  branding: BrandingSection,
  contact: ContactSection,
  payments: PaymentsSection,
  donations: DonationsSection,
  receipt: ReceiptSection,
  orders: OrdersField
}) {}

/**
 * The settings with the version they were read at. A save names that version: when someone else saved in
 * between, it is refused (409 `settings-changed`) rather than silently writing over their changes.
 */
export class VersionedSettings extends TenantSettings.extend<VersionedSettings>("VersionedSettings")({
  version: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)).annotations({
    description: "The settings' version, counted up by every save: send back the one read"
  })
}) {}

export const DEFAULT_DONATION_MINIMUM = "1.000"
export const DEFAULT_DONATION_MAXIMUM = "10000.000"

// ---------------------------------------------------------------- validation

/** Why a field was refused: the web app's messages key on it (`settings_error_<code>`). */
export type SettingsIssueCode =
  | "colour"
  | "contrast-primary"
  | "contrast-accent"
  | "phone"
  | "email"
  | "url"
  | "https"
  | "iban"
  | "iban-country"
  | "bank-incomplete"
  | "amount"
  | "minimum-above-maximum"
  | "preset-out-of-range"
  | "preset-duplicate"
  | "logo"

export interface SettingsIssue {
  readonly path: ReadonlyArray<string | number>
  readonly code: SettingsIssueCode
  readonly message: string
  readonly messageAr: string
}

const COLOUR = /^#[0-9a-fA-F]{6}$/
const PHONE = /^\+?[0-9 ()-]{7,20}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** WCAG 2.x relative luminance of `#rrggbb`. */
const luminance = (hex: string): number => {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/** WCAG contrast ratio of two `#rrggbb` colours, 1 to 21. */
export const contrastRatio = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/** White text on the primary colour (header, buttons): WCAG AA for normal text. */
export const PRIMARY_MIN_CONTRAST = 4.5
/** The accent bar and marks drawn on the primary colour: WCAG AA for non-text graphics. */
export const ACCENT_MIN_CONTRAST = 3

/** An IBAN as stored: upper case, no spaces. */
export const normalizeIban = (iban: string): string => electronicFormatIBAN(iban) ?? ""

/** A Kuwaiti IBAN: KW, 30 characters, the mod-97 checksum right. */
export const isKuwaitiIban = (iban: string): boolean => {
  const normalized = normalizeIban(iban)
  return normalized.startsWith("KW") && normalized.length === 30 && isValidIBAN(normalized)
}

const isHttpsUrl = (value: string): boolean => {
  try {
    const url = new URL(value)
    return url.protocol === "https:" && url.hostname.includes(".")
  } catch {
    return false
  }
}

const issue = (path: ReadonlyArray<string | number>, code: SettingsIssueCode, message: string, messageAr: string): SettingsIssue => ({
  path,
  code,
  message,
  messageAr
})

/** Every field-level problem with these settings; empty when they can be saved. */
export const validateSettings = (settings: TenantSettings): ReadonlyArray<SettingsIssue> => {
  const issues: Array<SettingsIssue> = []
  const { branding, contact, payments, donations } = settings
  const colours = (["primaryColour", "accentColour"] as const).filter((field) => {
    const ok = COLOUR.test(branding[field])
    if (!ok) issues.push(issue(["branding", field], "colour", "A colour such as #0f5e4d", "لون مثل ‎#0f5e4d"))
    return ok
  })
  if (colours.includes("primaryColour")) {
    if (contrastRatio(branding.primaryColour, "#ffffff") < PRIMARY_MIN_CONTRAST)
      issues.push(
        issue(
          ["branding", "primaryColour"],
          "contrast-primary",
          "White text is unreadable on this colour (contrast below 4.5:1); choose a darker one",
          "النص الأبيض غير مقروء على هذا اللون (التباين أقل من ٤٫٥:١)؛ اختر لوناً أغمق"
        )
      )
    if (colours.includes("accentColour") && contrastRatio(branding.accentColour, branding.primaryColour) < ACCENT_MIN_CONTRAST)
      issues.push(
        issue(
          ["branding", "accentColour"],
          "contrast-accent",
          "The accent does not stand out on the primary colour (contrast below 3:1)",
          "لون التمييز لا يظهر على اللون الأساسي (التباين أقل من ٣:١)"
        )
      )
  }
  for (const field of ["phone", "whatsapp"] as const) {
    if (contact[field] !== "" && !PHONE.test(contact[field]))
      issues.push(issue(["contact", field], "phone", "A phone number such as +965 2222 0000", "رقم هاتف مثل ‎+965 2222 0000"))
  }
  if (contact.email !== "" && !EMAIL.test(contact.email))
    issues.push(issue(["contact", "email"], "email", "An email address such as info@example.org", "بريد إلكتروني مثل info@example.org"))
  for (const network of SocialNetworks) {
    const value = contact.social[network]
    if (value !== "" && !isHttpsUrl(value))
      issues.push(issue(["contact", "social", network], "https", "A link starting with https://", "رابط يبدأ بـ https://"))
  }
  const bank = payments.bankTransfer
  if (bank.iban !== "") {
    const normalized = normalizeIban(bank.iban)
    if (!normalized.startsWith("KW"))
      issues.push(
        issue(["payments", "bankTransfer", "iban"], "iban-country", "A Kuwaiti IBAN starts with KW", "رقم الآيبان الكويتي يبدأ بـ KW")
      )
    else if (!isKuwaitiIban(normalized))
      issues.push(
        issue(
          ["payments", "bankTransfer", "iban"],
          "iban",
          "Not a valid Kuwaiti IBAN: 30 characters and a matching check digit",
          "رقم آيبان كويتي غير صحيح: ٣٠ خانة ورقم تحقق مطابق"
        )
      )
  }
  if (bank.iban === "" && (bank.bank !== "" || bank.beneficiary !== ""))
    issues.push(
      issue(
        ["payments", "bankTransfer", "iban"],
        "bank-incomplete",
        "Enter the IBAN, or clear the bank details",
        "أدخل رقم الآيبان أو امسح بيانات البنك"
      )
    )
  if (payments.payLink.url !== "" && !isHttpsUrl(payments.payLink.url))
    issues.push(issue(["payments", "payLink", "url"], "https", "A link starting with https://", "رابط يبدأ بـ https://"))
  const amount = (path: ReadonlyArray<string | number>, value: string) => {
    const parsed = parseMoney(value)
    if (parsed === undefined || parsed <= 0n)
      issues.push(issue(path, "amount", "An amount in KWD such as 5.000 (up to 3 decimals)", "مبلغ بالدينار مثل ٥٫٠٠٠ (حتى ٣ منازل عشرية)"))
    return parsed !== undefined && parsed > 0n ? parsed : undefined
  }
  const minimum = amount(["donations", "minimum"], donations.minimum)
  const maximum = amount(["donations", "maximum"], donations.maximum)
  if (minimum !== undefined && maximum !== undefined && minimum > maximum)
    issues.push(
      issue(["donations", "minimum"], "minimum-above-maximum", "The minimum is above the maximum", "الحد الأدنى أعلى من الحد الأقصى")
    )
  const seen = new Set<bigint>()
  donations.presets.forEach((preset, index) => {
    const parsed = amount(["donations", "presets", index], preset)
    if (parsed === undefined) return
    if (seen.has(parsed))
      issues.push(issue(["donations", "presets", index], "preset-duplicate", "This amount is listed twice", "هذا المبلغ مكرر"))
    seen.add(parsed)
    if (minimum !== undefined && maximum !== undefined && (parsed < minimum || parsed > maximum))
      issues.push(
        issue(
          ["donations", "presets", index],
          "preset-out-of-range",
          "A preset amount must be between the minimum and the maximum",
          "يجب أن يكون المبلغ المقترح بين الحد الأدنى والحد الأقصى"
        )
      )
  })
  return issues
}

/** The settings as saved: IBAN without spaces, amounts with three decimals, text trimmed. */
export const normalizeSettings = (settings: TenantSettings): TenantSettings => {
  const trim = <T extends Record<string, unknown>>(value: T): T =>
    Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        typeof field === "string"
          ? field.trim()
          : field !== null && typeof field === "object" && !Array.isArray(field)
            ? trim(field as Record<string, unknown>)
            : field
      ])
    ) as T
  const trimmed = trim({ ...settings })
  const amount = (value: string) => {
    const parsed = parseMoney(value.trim())
    return parsed === undefined ? value.trim() : formatMoney(parsed)
  }
  return new TenantSettings({
    ...trimmed,
    branding: {
      ...trimmed.branding,
      primaryColour: trimmed.branding.primaryColour.toLowerCase(),
      accentColour: trimmed.branding.accentColour.toLowerCase()
    },
    payments: {
      ...trimmed.payments,
      bankTransfer: {
        ...trimmed.payments.bankTransfer,
        iban:
          trimmed.payments.bankTransfer.iban === ""
            ? ""
            : normalizeIban(trimmed.payments.bankTransfer.iban) || trimmed.payments.bankTransfer.iban
      }
    },
    donations: {
      minimum: amount(settings.donations.minimum),
      maximum: amount(settings.donations.maximum),
      presets: settings.donations.presets.map(amount).filter((preset) => preset !== ""),
      zakatGeneralFund: settings.donations.zakatGeneralFund
    },
    orders: { pickup: settings.orders.pickup }
  })
}

// ---------------------------------------------------------------- storage and public views

/** What the `settings` jsonb column holds (older rows may miss any part). */
export interface StoredSettings {
  readonly contact?: Partial<Omit<ContactSection, "address" | "social">> & {
    readonly address?: Partial<ContactSection["address"]>
    readonly social?: Partial<ContactSection["social"]>
  }
  readonly bankTransfer?: Partial<PaymentsSection["bankTransfer"]>
  readonly payLink?: Partial<PaymentsSection["payLink"]>
  readonly donations?: Partial<DonationsSection>
  readonly receipt?: { readonly footer?: Partial<ReceiptSection["footer"]> }
  readonly orders?: Partial<OrdersSection>
}

/** What the `branding` jsonb column holds. */
export interface StoredBranding {
  readonly primaryColour?: string
  readonly accentColour?: string
  readonly tagline?: Partial<{ ar: string; en: string }>
  readonly logoMediaId?: string | null
}

const str = (value: unknown): string => (typeof value === "string" ? value : "")
const bilingual = (value: Partial<{ ar: string; en: string }> | undefined) => ({ ar: str(value?.ar), en: str(value?.en) })

/** The columns as one `TenantSettings`, every field present (empty when never set). */
export const settingsFromStored = (locale: Locale, branding: StoredBranding, stored: StoredSettings): TenantSettings =>
  new TenantSettings({
    branding: {
      primaryColour: str(branding.primaryColour) || "#0f5e4d",
      accentColour: str(branding.accentColour) || "#c8a24a",
      tagline: bilingual(branding.tagline),
      logoMediaId: typeof branding.logoMediaId === "string" && branding.logoMediaId !== "" ? branding.logoMediaId : null,
      defaultLocale: locale
    },
    contact: {
      phone: str(stored.contact?.phone),
      whatsapp: str(stored.contact?.whatsapp),
      email: str(stored.contact?.email),
      address: bilingual(stored.contact?.address),
      social: Object.fromEntries(
        SocialNetworks.map((network) => [network, str(stored.contact?.social?.[network])])
      ) as ContactSection["social"],
      registrationNumber: str(stored.contact?.registrationNumber)
    },
    payments: {
      bankTransfer: {
        bank: str(stored.bankTransfer?.bank),
        beneficiary: str(stored.bankTransfer?.beneficiary),
        iban: str(stored.bankTransfer?.iban)
      },
      payLink: { url: str(stored.payLink?.url) }
    },
    donations: {
      minimum: str(stored.donations?.minimum) || DEFAULT_DONATION_MINIMUM,
      maximum: str(stored.donations?.maximum) || DEFAULT_DONATION_MAXIMUM,
      presets: Array.isArray(stored.donations?.presets) ? stored.donations.presets.filter((p) => typeof p === "string") : [],
      zakatGeneralFund: stored.donations?.zakatGeneralFund === true
    },
    receipt: { footer: bilingual(stored.receipt?.footer) },
    orders: { pickup: stored.orders?.pickup === true }
  })

/** The settings as the two columns store them. */
export const settingsToStored = (
  settings: TenantSettings
): { readonly locale: Locale; readonly branding: StoredBranding; readonly settings: StoredSettings } => ({
  locale: settings.branding.defaultLocale,
  branding: {
    primaryColour: settings.branding.primaryColour,
    accentColour: settings.branding.accentColour,
    tagline: settings.branding.tagline,
    logoMediaId: settings.branding.logoMediaId
  },
  settings: {
    contact: settings.contact,
    bankTransfer: settings.payments.bankTransfer,
    payLink: settings.payments.payLink,
    donations: settings.donations,
    receipt: settings.receipt,
    orders: settings.orders
  }
})

export const PaymentMethodOffered = Schema.Literal("bank_transfer", "pay_link")

/** Whether the tenant has set a way of paying up: a valid Kuwaiti IBAN, an https pay link. */
export const paymentMethodsSetUp = (stored: StoredSettings): ReadonlyArray<"bank_transfer" | "pay_link"> => [
  ...(isKuwaitiIban(str(stored.bankTransfer?.iban)) ? (["bank_transfer"] as const) : []),
  ...(isHttpsUrl(str(stored.payLink?.url)) ? (["pay_link"] as const) : [])
]

/** What every visitor may know of a tenant's settings: contact, limits, the ways to pay (not the IBAN). */
export class PublicSettings extends Schema.Class<PublicSettings>("PublicSettings")({
  logoMediaId: Schema.NullOr(Schema.UUID),
  contact: ContactSection,
  donations: DonationsSection,
  paymentMethods: Schema.Array(PaymentMethodOffered),
  receiptFooter: BilingualText(500),
  /** Whether checkout offers collecting at the charity instead of delivery. */
  orders: OrdersField
}) {}

export const publicSettings = (settings: TenantSettings, stored: StoredSettings): PublicSettings =>
  new PublicSettings({
    logoMediaId: settings.branding.logoMediaId,
    contact: settings.contact,
    donations: settings.donations,
    paymentMethods: paymentMethodsSetUp(stored),
    receiptFooter: settings.receipt.footer,
    orders: settings.orders
  })
