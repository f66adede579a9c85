import { Schema } from "effect"
import { Locale } from "./Locale.js"
import { PublicSettings } from "./Settings.js"
import { Slug } from "./Slug.js"

/** Text in both languages; Arabic is the one that must be there. */
export const Bilingual = Schema.Struct({ ar: Schema.String, en: Schema.String })
export type Bilingual = typeof Bilingual.Type

const HexColour = Schema.String.pipe(Schema.pattern(/^#[0-9a-fA-F]{6}$/))

export const Branding = Schema.Struct({
  primaryColour: HexColour,
  accentColour: HexColour,
  tagline: Bilingual
})
export type Branding = typeof Branding.Type

export const defaultBranding: Branding = {
  primaryColour: "#0f5e4d",
  accentColour: "#c8a24a",
  tagline: { ar: "", en: "" }
}

export const TenantKind = Schema.Literal("charity", "masjid", "store")
export type TenantKind = typeof TenantKind.Type

/** What a visitor's browser may know about the tenant behind a storefront host. */
export class Storefront extends Schema.Class<Storefront>("Storefront")({
  slug: Slug,
  kind: TenantKind,
  name: Bilingual,
  defaultLocale: Locale,
  branding: Branding,
  /** Contact, donation limits and presets, the ways to pay that are set up (tenant settings). */
  settings: PublicSettings
}) {}

/** A storefront host as it arrives in `Host` or `X-Forwarded-Host`: a DNS name with an optional port. */
export const HostHeader = Schema.String.pipe(
  Schema.maxLength(253),
  Schema.pattern(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?(?::[0-9]{1,5})?$/, {
    message: () => "a host name such as demo.manara.app"
  })
)
