import { displayMoney, parseMoney } from "@manara/domain"
import { describe, expect, it } from "vitest"
import {
  apiFieldErrors,
  checkItem,
  emptyItem,
  fieldOfPath,
  itemPayload,
  normaliseMoney,
  readItemForm,
  slugFromTitle
} from "../src/lib/dashboard/catalog-form.js"
import { displayAmount, isAmount } from "../src/lib/dashboard/money.js"

describe("dashboard money", () => {
  const samples = [
    "0",
    "0.5",
    "12.5",
    "12.500",
    "1500.000",
    "999999999.999",
    "7.005",
    "12.5000",
    "-1",
    "1e3",
    " 1",
    "01",
    "1.",
    ".5",
    "",
    "١٢"
  ]

  it("accepts exactly what the domain's parseMoney accepts", () => {
    for (const sample of samples) expect(isAmount(sample), sample).toBe(parseMoney(sample) !== undefined)
    expect(isAmount("0", true)).toBe(false)
    expect(isAmount("0.000", true)).toBe(false)
    expect(isAmount("0.001", true)).toBe(true)
  })

  it("shows an amount as the domain's displayMoney does, in both languages", () => {
    for (const sample of samples.filter((text) => parseMoney(text) !== undefined)) {
      for (const locale of ["ar", "en"] as const)
        expect(displayAmount(sample, locale), sample).toBe(displayMoney(parseMoney(sample)!, locale))
    }
  })

  it("reads amounts typed on an Arabic keyboard", () => {
    expect(normaliseMoney(" ١٢٫٥ ")).toBe("12.5")
  })
})

describe("catalog item form", () => {
  const valid = { ...emptyItem(), slug: "village-well", title_ar: "بئر", goal: "1500" }

  it("refuses a missing Arabic title, a malformed slug and a fourth decimal, each by its field", () => {
    expect(checkItem(valid)).toEqual({})
    expect(checkItem({ ...valid, title_ar: "  ", slug: "Village Well", goal: "12.5000" })).toEqual({
      title_ar: "required",
      slug: "slug",
      goal: "money"
    })
    expect(checkItem({ ...valid, goal: "0" })).toEqual({ goal: "money-positive" })
    expect(checkItem({ ...valid, kind: "product", price: "" })).toEqual({ price: "required" })
    expect(checkItem({ ...valid, sort: "1.5" })).toEqual({ sort: "sort" })
  })

  it("sends a product's price, or a project's goal, category and zakat flag; never the kind on an edit", () => {
    expect(itemPayload({ ...valid, kind: "product", price: "4.5" }, true)).toMatchObject({ kind: "product", price: "4.5" })
    expect(itemPayload({ ...valid, kind: "product", price: "4.5" }, true)).not.toHaveProperty("goal")
    const edit = itemPayload(valid, false)
    expect(edit).not.toHaveProperty("kind")
    expect(edit).toMatchObject({ goal: "1500", category: "general", zakatEligible: false, title: { ar: "بئر", en: "" }, sort: 0 })
  })

  it("maps the API's problem paths and kinds to fields", () => {
    expect(fieldOfPath(["title", "ar"])).toBe("title_ar")
    expect(fieldOfPath(["price"])).toBe("price")
    expect(fieldOfPath(["kind"])).toBeUndefined()
    expect(
      apiFieldErrors({
        type: "https://manara.app/problems/invalid-request",
        errors: [
          { path: ["title", "ar"], message: "the Arabic text is required" },
          { path: ["price"], message: "an amount in KWD" }
        ]
      })
    ).toEqual({ title_ar: "required", price: "money" })
    expect(apiFieldErrors({ type: "https://manara.app/problems/slug-taken" })).toEqual({ slug: "slug-taken" })
    expect(apiFieldErrors({ type: "https://manara.app/problems/invalid-item", detail: "A product needs a price" })).toEqual({
      price: "required"
    })
    expect(apiFieldErrors({ type: "https://manara.app/problems/role-not-allowed" })).toEqual({})
  })
})

describe("a slug from the English title", () => {
  it("is lower-case letters, digits and single hyphens, without accents, at most 80 characters", () => {
    expect(slugFromTitle("Village Well — Phase 2")).toBe("village-well-phase-2")
    expect(slugFromTitle("  Café Crème!  ")).toBe("cafe-creme")
    expect(slugFromTitle("بئر القرية")).toBe("")
    const long = slugFromTitle("a ".repeat(60))
    expect(long.length).toBeLessThanOrEqual(80)
    expect(checkItem({ ...emptyItem(), title_ar: "بئر", slug: long }).slug).toBeUndefined()
  })

  it("fills a slug left empty when the form is read on the server (no JavaScript needed); a typed one stays", () => {
    const form = (slug: string) => {
      const data = new FormData()
      data.set("slug", slug)
      data.set("title_ar", "بئر القرية")
      data.set("title_en", "The Village Well")
      return readItemForm(data)
    }
    expect(form("").slug).toBe("the-village-well")
    expect(form("my-well").slug).toBe("my-well")
  })
})
