import { describe, expect, it } from "vitest"
import { asksNotToTrack, cleanTag, dailyVisitorHash, deviceClass, isBot, primaryLanguage, referrerHost, visitFacts } from "../src/Visit.js"

describe("what a visit records", () => {
  it("cuts and cleans campaign tags: no markup, no controls, at most 100 characters", () => {
    expect(cleanTag("<script>alert(1)</script>ramadan")).toBe("alert(1) ramadan")
    expect(cleanTag("a\u0000b\u0007c")).toBe("a b c")
    expect(cleanTag("<<>>")).toBeNull()
    expect(cleanTag("x".repeat(300))).toHaveLength(100)
    expect(cleanTag("رمضان ١٤٤٨")).toBe("رمضان ١٤٤٨")
    expect(cleanTag(null)).toBeNull()
  })

  it("keeps the referrer's host only, not our own", () => {
    expect(referrerHost("https://l.instagram.com/?u=secret", "demo.manara.app")).toBe("l.instagram.com")
    expect(referrerHost("https://demo.manara.app/catalog", "demo.manara.app:443")).toBeNull()
    expect(referrerHost("not a url", "x")).toBeNull()
  })

  it("classes devices and languages, spots bots, honours DNT and Sec-GPC", () => {
    expect(deviceClass("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")).toBe("mobile")
    expect(deviceClass("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)")).toBe("tablet")
    expect(deviceClass("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")).toBe("desktop")
    expect(primaryLanguage("ar-KW,ar;q=0.9,en;q=0.8")).toBe("ar")
    expect(primaryLanguage("*")).toBeNull()
    expect(isBot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")).toBe(true)
    expect(isBot(null)).toBe(true)
    expect(
      isBot(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
      )
    ).toBe(false)
    expect(asksNotToTrack(new Headers({ dnt: "1" }))).toBe(true)
    expect(asksNotToTrack(new Headers({ "sec-gpc": "1" }))).toBe(true)
    expect(asksNotToTrack(new Headers())).toBe(false)
  })

  it("hashes the visitor of a day without keeping the address", () => {
    const hash = dailyVisitorHash("salt", "demo.manara.app", "203.0.113.9", "UA")
    expect(hash).toMatch(/^[0-9a-f]{32}$/)
    expect(hash).not.toContain("203")
    expect(dailyVisitorHash("other salt", "demo.manara.app", "203.0.113.9", "UA")).not.toBe(hash)
    const facts = visitFacts(
      new URL("https://demo.manara.app/catalog/well?utm_source=wa&utm_campaign=%3Cb%3Eeid"),
      new Headers({ "user-agent": "iPhone Mobile" })
    )
    expect(facts).toMatchObject({
      source: "wa",
      campaign: "eid",
      landingPath: "/catalog/well",
      device: "mobile",
      language: null,
      referrerHost: null
    })
  })
})
