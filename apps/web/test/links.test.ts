import { afterEach, describe, expect, it } from "vitest"

// The compiled paraglide runtime (plain JS) decides the locale; `pnpm messages` writes it.
const links = await import("../src/lib/dashboard/links.js")
const runtime = await import("../src/lib/paraglide/runtime.js")

const origin = "http://localhost:3000"
const inEnglish = () => runtime.overwriteGetLocale(() => "en")

afterEach(() => runtime.overwriteGetLocale(() => "ar"))

describe("safeNext", () => {
  it("keeps a path on this site, with its query and fragment", () => {
    expect(links.safeNext("/dashboard/noor/members?x=1#top", origin)).toBe("/dashboard/noor/members?x=1#top")
    expect(links.safeNext("/invite?tenant=noor&token=abc", origin)).toBe("/invite?tenant=noor&token=abc")
  })

  it("drops the locale, so the page opens in the language in use", () => {
    expect(links.safeNext("/en/dashboard/noor", origin)).toBe("/dashboard/noor")
  })

  it("refuses anything that leaves the site", () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/dashboard",
      "/\\evil.example/dashboard",
      "\\\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "dashboard",
      "",
      null,
      undefined
    ]) {
      expect(links.safeNext(next, origin), String(next)).toBeUndefined()
    }
  })

  it("refuses the sign-in page itself, in either locale", () => {
    expect(links.safeNext("/signin", origin)).toBeUndefined()
    expect(links.safeNext("/en/signin?next=%2Fdashboard", origin)).toBeUndefined()
    expect(links.safeNext("/signing-up", origin)).toBe("/signing-up")
  })
})

describe("landingHref", () => {
  const one = { mfaSetupRequired: false, memberships: [{ tenantSlug: "noor" }] }
  const two = { mfaSetupRequired: false, memberships: [{ tenantSlug: "noor" }, { tenantSlug: "amal" }] }

  it("sends an owner or admin without MFA to set it up first, keeping where they were going", () => {
    expect(links.landingHref({ ...one, mfaSetupRequired: true }, undefined)).toBe("/dashboard/mfa")
    expect(links.landingHref({ ...one, mfaSetupRequired: true }, "/dashboard/amal/members")).toBe(
      `/dashboard/mfa?next=${encodeURIComponent("/dashboard/amal/members")}`
    )
  })

  it("goes back to next; else to the only tenant; else to the picker", () => {
    expect(links.landingHref(one, "/dashboard/amal")).toBe("/dashboard/amal")
    expect(links.landingHref(one, undefined)).toBe("/dashboard/noor")
    expect(links.landingHref(two, undefined)).toBe("/dashboard")
    expect(links.landingHref({ mfaSetupRequired: false, memberships: [] }, undefined)).toBe("/dashboard")
  })

  it("stays in English under /en", () => {
    inEnglish()
    expect(links.landingHref(one, undefined)).toBe("/en/dashboard/noor")
    expect(links.landingHref(one, "/dashboard/amal")).toBe("/en/dashboard/amal")
    expect(links.signInHref("/en/dashboard/noor?tab=1")).toBe(`/en/signin?next=${encodeURIComponent("/dashboard/noor?tab=1")}`)
  })
})

describe("codes and links", () => {
  it("reads Arabic-Indic and Persian digits and spaces in a code", () => {
    expect(links.totpCode("١٢٣ ٤٥٦")).toBe("123456")
    expect(links.totpCode("۱۲۳۴۵۶")).toBe("123456")
    expect(links.totpCode(" 123456 ")).toBe("123456")
    expect(links.totpCode("12345")).toBeUndefined()
    expect(links.totpCode("12345a")).toBeUndefined()
  })

  it("an invitation link carries the tenant and the token, in the inviter's locale", () => {
    expect(links.invitationHref(origin, "noor", "tok_en-123")).toBe(`${origin}/invite?tenant=noor&token=tok_en-123`)
    inEnglish()
    expect(links.invitationHref(origin, "noor", "tok")).toBe(`${origin}/en/invite?tenant=noor&token=tok`)
  })
})
