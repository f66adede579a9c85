import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const catalogue = (locale: "ar" | "en"): Record<string, string> => {
  const { $schema: _, ...messages } = JSON.parse(readFileSync(new URL(`../messages/${locale}.json`, import.meta.url), "utf8"))
  return messages
}
const ar = catalogue("ar")
const en = catalogue("en")

type Message = (inputs: Record<string, string>, options: { locale: "ar" | "en" }) => string

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
    for (const [key, text] of [...Object.entries(ar), ...Object.entries(en)]) expect(text.trim(), key).not.toBe("")
  })

  it("are all compiled, each rendering its own text in both languages", async () => {
    const m = await compiled()
    expect(Object.keys(m).sort()).toEqual(Object.keys(ar).sort())
    for (const key of Object.keys(ar)) {
      expect(m[key]!(inputsOf(ar[key]!), { locale: "ar" }), key).toBe(render(ar[key]!))
      expect(m[key]!(inputsOf(en[key]!), { locale: "en" }), key).toBe(render(en[key]!))
    }
    expect(m.powered_by!({}, { locale: "ar" })).toBe("بدعم من منارة")
    expect(m.not_found_title!({}, { locale: "en" })).toBe("No storefront at this address")
  })
})
