import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { backoff } from "../src/Delivery.js"
import { EVENTS, type MessageInput, render } from "../src/Templates.js"

const letterhead = {
  slug: "noor",
  name: { ar: "جمعية النور", en: "Al Noor" },
  primaryColour: "#123456",
  accentColour: "red;background:url(x)"
}
const input = (overrides: Partial<MessageInput> = {}): MessageInput => ({
  event: "capture.created",
  locale: "ar",
  letterhead,
  payload: { kind: "donation", id: "d1", reference: "DON-2026-000001", amount: "25.000", name: `<script>alert("x")</script>\nSecond line` },
  project: { ar: "بئر ماء", en: "A water well" },
  links: { dashboard: "https://web.example/dashboard/noor/inbox/donation/d1?a=1&b=2" },
  ...overrides
})

describe("templates", () => {
  it("every event has words in both languages, Arabic first, in email and Telegram", () => {
    for (const event of EVENTS) {
      const message = render(
        input({ event, payload: { ...input().payload, role: "admin", dueDate: "2026-12-31", expiresAt: "2026-12-10T00:00:00.000Z" } })
      )
      expect(message.email.subject).toMatch(/\p{Script=Arabic}/u)
      const text = message.email.text
      const arabic = text.search(/\p{Script=Arabic}/u)
      const english = text.search(/[A-Za-z]{4,}/)
      // The letterhead line names both; the body's first Arabic word comes before its first English one.
      const body = text.split("\n\n").slice(1).join("\n\n")
      expect(body.search(/\p{Script=Arabic}/u)).toBeLessThan(body.search(/\b(?:A|An|You|Thank|Your|The|New|Payment|Reminder)\b/))
      expect(arabic).toBeGreaterThan(-1)
      expect(english).toBeGreaterThan(-1)
      expect(message.telegram.indexOf("\n")).toBeGreaterThan(0)
    }
  })

  it("a budget alert says the threshold, with Arabic-Indic digits in Arabic; at 100 % that questions wait for next month", () => {
    const payload = { threshold: 80, month: "2026-12", usedTokens: "40000", tokenBudget: "50000", usedCost: "0", costBudget: "500000000" }
    const at80 = render(input({ event: "ai.budget", payload }))
    expect(at80.email.subject).toBe("بلغ استخدام الذكاء الاصطناعي ٨٠٪ من ميزانية الشهر")
    expect(at80.email.text).toContain("٤٠٬٠٠٠ من ٥٠٬٠٠٠ رمز")
    expect(at80.email.text).toContain("40,000 of 50,000 tokens")
    expect(at80.email.text).toContain("The AI usage of Al Noor has reached 80% of this month's budget.")
    const at100 = render(input({ event: "ai.budget", locale: "en", payload: { ...payload, threshold: 100 } }))
    expect(at100.email.subject).toBe("The AI budget for 2026-12 is spent")
    expect(at100.email.text).toContain("new questions are refused until next month begins")
  })

  it("the subject is in the recipient's language", () => {
    expect(render(input({ locale: "en" })).email.subject).toBe("New donation DON-2026-000001 — KWD 25.000")
    expect(render(input()).email.subject).toBe("تبرع جديد DON-2026-000001 — ٢٥٫٠٠٠ د.ك")
    // Thousands separators, exactly three decimals, Arabic-Indic digits in Arabic.
    const large = input({ payload: { ...input().payload, amount: "1234567.8" } })
    expect(render({ ...large, locale: "en" }).email.subject).toBe("New donation DON-2026-000001 — KWD 1,234,567.800")
    expect(render(large).telegram).toContain("١٬٢٣٤٬٥٦٧٫٨٠٠ د.ك")
  })

  it("escapes donor text and links in HTML and Telegram, and keeps a name on one line", () => {
    const message = render(input())
    expect(message.email.html).not.toContain("<script>")
    expect(message.email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Second line")
    expect(message.email.html).toContain(`href="https://web.example/dashboard/noor/inbox/donation/d1?a=1&amp;b=2"`)
    expect(message.telegram).not.toContain("<script>")
    expect(message.telegram).toContain("&lt;script&gt;")
    expect(message.email.text).toContain(`<script>alert("x")</script> Second line`)
  })

  it("uses the tenant's colours only when they are colours, and is right to left", () => {
    const html = render(input()).email.html
    expect(html).toContain("background:#123456")
    expect(html).not.toContain("url(x)")
    expect(html).toContain(`<html lang="ar" dir="rtl">`)
    expect(html.indexOf(`lang="ar" dir="rtl"`)).toBeLessThan(html.indexOf(`lang="en" dir="ltr"`))
  })
})

describe("backoff", () => {
  it("doubles from the base, stays within the cap, jittered between half and all of it", () => {
    const base = Duration.seconds(30)
    const max = Duration.hours(1)
    expect(Duration.toMillis(backoff(1, base, max, () => 1))).toBe(30_000)
    expect(Duration.toMillis(backoff(3, base, max, () => 1))).toBe(120_000)
    expect(Duration.toMillis(backoff(3, base, max, () => 0))).toBe(60_000)
    expect(Duration.toMillis(backoff(40, base, max, () => 1))).toBe(3_600_000)
  })
})

describe("assistant templates", () => {
  it("a handoff says why and what the visitor wrote, links the conversation, in both languages", () => {
    const message = render(
      input({
        event: "assistant.handoff",
        payload: { kind: "conversation", id: "c1", reason: "asked", preview: "أريد التحدث مع موظف <b>" },
        links: { dashboard: "https://web.example/dashboard/noor/assistant/c1" }
      })
    )
    expect(message.email.subject).toBe("زائر ينتظر ردكم في جمعية النور")
    expect(message.email.text).toContain("طلب الزائر التحدث مع موظف")
    expect(message.email.text).toContain("The visitor asked for a person")
    expect(message.email.text).toContain("https://web.example/dashboard/noor/assistant/c1")
    expect(message.email.html).not.toContain("<b>")
  })
})
