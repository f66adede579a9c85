import { Schema } from "effect"

/** Names the platform itself uses, as hosts (`api.`, `www.`) or as dashboard paths (`/dashboard/mfa`). */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin",
  "api",
  "app",
  "assets",
  "auth",
  "cdn",
  "dashboard",
  "docs",
  "help",
  "mail",
  "manara",
  "mfa",
  "signin",
  "static",
  "status",
  "support",
  "www"
])

/** A tenant slug is one DNS label: it becomes `{slug}.{PLATFORM_DOMAIN}`. */
export const Slug = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    message: () => "a slug is 1 to 40 lower-case letters, digits or inner hyphens"
  }),
  Schema.filter((slug) => !RESERVED_SLUGS.has(slug), { message: () => "this name is reserved by the platform" }),
  Schema.brand("Slug")
)
export type Slug = typeof Slug.Type

/** Host names are compared in one form: lower case, no port, no trailing dot. */
export const normalizeHost = (host: string): string => {
  const withoutPort = host.trim().toLowerCase().replace(/:\d+$/, "")
  return withoutPort.endsWith(".") ? withoutPort.slice(0, -1) : withoutPort
}
