import { formatCount } from "@manara/domain/numbers"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

// A message with plural variants is an array (inlang's message format); the rest are plain text.
const catalogue = (locale: "ar" | "en"): Record<string, string | ReadonlyArray<unknown>> => {
  const { $schema: _, ...messages } = JSON.parse(readFileSync(new URL(`../messages/${locale}.json`, import.meta.url), "utf8"))
  return messages
}
const ar = catalogue("ar")
const en = catalogue("en")

type Message = (inputs: Record<string, string | number>, options: { locale: "ar" | "en" }) => string

// Offline, a plugin the compiler cannot load means no messages at all and no error: catch that here.
const compiled = async (): Promise<Record<string, Message>> => {
  try {
    return (await import("../src/lib/paraglide/messages.js")).m as unknown as Record<string, Message>
  } catch (cause) {
    throw new Error("src/lib/paraglide is missing: run `pnpm --filter @manara/web messages` (check and build do it)", { cause })
  }
}

/** The message with every `{name}` filled in as `<name>`, as the compiled function must render it. */
const render = (text: string) => text.replace(/\{(\w+)\}/g, "<$1>")
const inputsOf = (text: string) => Object.fromEntries([...text.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, `<${name}>`]))

describe("messages", () => {
  it("have the same keys in Arabic and English, none empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ar).sort())
    for (const [key, text] of [...Object.entries(ar), ...Object.entries(en)])
      expect(typeof text === "string" ? text.trim() : text.length, key).not.toBe(typeof text === "string" ? "" : 0)
  })

  it("write Arabic with Arabic-Indic digits only, hints and limits included", () => {
    for (const [key, text] of Object.entries(ar)) expect(JSON.stringify(text).replace(/\{\w+\}/g, ""), key).not.toMatch(/[0-9]/)
  })

  it("are all compiled, each rendering its own text in both languages", async () => {
    const m = await compiled()
    expect(Object.keys(m).sort()).toEqual(Object.keys(ar).sort())
    for (const key of Object.keys(ar)) {
      const [arText, enText] = [ar[key]!, en[key]!]
      if (typeof arText !== "string" || typeof enText !== "string") continue
      expect(m[key]!(inputsOf(arText), { locale: "ar" }), key).toBe(render(arText))
      expect(m[key]!(inputsOf(enText), { locale: "en" }), key).toBe(render(enText))
    }
    expect(m.powered_by!({}, { locale: "ar" })).toBe("بدعم من منارة")
    expect(m.not_found_title!({}, { locale: "en" })).toBe("No storefront at this address")
  })

  it("choose the plural form of a count by Arabic and English rules, in each language's digits", async () => {
    const m = await compiled()
    const monthly = (count: number, locale: "ar" | "en") =>
      m.public_give_pledge_monthly!({ count, shown: formatCount(count, locale), date: "D" }, { locale })
    expect([0, 1, 2, 3, 11, 12, 100].map((count) => monthly(count, "ar"))).toEqual([
      "شهريًا، ٠ دفعة، أولاها في D.",
      "شهريًا، دفعة واحدة في D.",
      "شهريًا، دفعتان، أولاهما في D.",
      "شهريًا، ٣ دفعات، أولاها في D.",
      "شهريًا، ١١ دفعة، أولاها في D.",
      "شهريًا، ١٢ دفعة، أولاها في D.",
      "شهريًا، ١٠٠ دفعة، أولاها في D."
    ])
    expect([0, 1, 2, 3, 11, 100].map((count) => monthly(count, "en"))).toEqual([
      "Monthly, 0 payments, the first due on D.",
      "Monthly, one payment, due on D.",
      "Monthly, 2 payments, the first due on D.",
      "Monthly, 3 payments, the first due on D.",
      "Monthly, 11 payments, the first due on D.",
      "Monthly, 100 payments, the first due on D."
    ])
    const queued = (count: number, locale: "ar" | "en") =>
      m.dash_mynotify_test_queued!({ count, shown: formatCount(count, locale) }, { locale })
    expect([0, 1, 2, 3, 11, 100].map((count) => queued(count, "ar").split("؛")[0])).toEqual([
      "لم تُضف رسالة تجريبية: لا قنوات مفعّلة.",
      "أُضيفت رسالة تجريبية إلى قناة واحدة",
      "أُضيفت رسالة تجريبية إلى قناتين",
      "أُضيفت رسالة تجريبية إلى ٣ قنوات",
      "أُضيفت رسالة تجريبية إلى ١١ قناة",
      "أُضيفت رسالة تجريبية إلى ١٠٠ قناة"
    ])
    expect(queued(1, "en")).toBe("A test message is queued to one channel; follow it in the delivery log.")
    expect(queued(1200, "en")).toBe("A test message is queued to 1,200 channels; follow it in the delivery log.")
  })
})
