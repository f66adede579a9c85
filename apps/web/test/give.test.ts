import { describe, expect, it } from "vitest"
import { isCrossSiteForm } from "../src/lib/server/csrf.js"
import { addToCart, coverFees, feePercent, normaliseAmount, parseCart, serialiseCart, setQuantity } from "../src/lib/storefront/give.js"

describe("giving helpers", () => {
  it("computes the fee exactly in fils, rounded up", () => {
    expect(coverFees("25")).toBe("0.625")
    expect(coverFees("10")).toBe("0.250")
    expect(coverFees("0.001")).toBe("0.001")
    expect(coverFees("7.333")).toBe("0.184")
    expect(coverFees("999999999.999")).toBe("25000000.000")
    expect(coverFees("1.2345")).toBeUndefined()
    expect(feePercent("ar")).toBe("٢٫٥٪")
    expect(feePercent("en")).toBe("2.5%")
  })

  it("reads Arabic digits and the Arabic decimal separator, never a thousands comma", () => {
    expect(normaliseAmount(" ١٢٫٥ ")).toBe("12.5")
    expect(normaliseAmount("1,000")).toBe("1,000")
  })

  it("keeps the cart as slugs and quantities, dropping anything malformed", () => {
    expect(parseCart("dates:2,book:1,BAD:1,dates:5,x:0,y:100,z:abc")).toEqual([
      { slug: "dates", quantity: 2 },
      { slug: "book", quantity: 1 }
    ])
    const cart = addToCart(addToCart([], "dates", 1), "dates", 1)
    expect(serialiseCart(cart)).toBe("dates:2")
    expect(addToCart(cart, "dates", 150)).toEqual([{ slug: "dates", quantity: 99 }])
    expect(setQuantity(cart, "dates", 0)).toEqual([])
  })

  it("refuses cross-site form posts; on http *.localhost the same host's http origin passes", () => {
    const post = (origin: string | null, type = "application/x-www-form-urlencoded") =>
      new Request("https://demo.manara.app/donate", { method: "POST", headers: { "content-type": type, ...(origin ? { origin } : {}) } })
    const url = new URL("https://demo.manara.app/donate")
    expect(isCrossSiteForm(post("https://demo.manara.app"), url)).toBe(false)
    expect(isCrossSiteForm(post("https://evil.example"), url)).toBe(true)
    expect(isCrossSiteForm(post("http://demo.manara.app"), url)).toBe(true)
    expect(isCrossSiteForm(post(null), url)).toBe(true)
    expect(isCrossSiteForm(post("https://evil.example", "application/json"), url)).toBe(false)
    const local = new URL("https://demo.localhost:3000/donate")
    expect(isCrossSiteForm(post("http://demo.localhost:3000"), local)).toBe(false)
    expect(isCrossSiteForm(post("http://other.localhost:3000"), local)).toBe(true)
  })
})
