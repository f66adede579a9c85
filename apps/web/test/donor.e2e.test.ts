import { seedDemoWithBucket } from "@manara/cli"
import { s3Env, withOwner } from "@manara/testkit"
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { results, services, storefrontUrl, useStack, watchProblems, hydrated } from "./harness.js"

const { urls, s3 } = services()

// The demo charity itself (the CLI's seed): illustrated covers, a funded and a completed project, proofs.
const stack = useStack({
  env: { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" },
  seed: async () => {
    await withOwner(urls, seedDemoWithBucket(s3Env(s3)))
  }
})

const urlOf = (path: string) => storefrontUrl(stack.web, "demo", path)

const WIDTHS = [390, 1366] as const
const LOCALES = ["ar", "en"] as const
const prefix = (locale: "ar" | "en") => (locale === "ar" ? "" : "/en")

const open = async (browser: Browser, width: number, options: { javaScriptEnabled?: boolean } = {}) => {
  const context = await browser.newContext({ viewport: { width, height: 900 }, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  return { page, problems: watchProblems(page), close: () => context.close() }
}

const box = async (page: Page, testid: string) => (await page.getByTestId(testid).first().boundingBox())!

/** Every image on the page has arrived (lazy ones scrolled to first). */
const imagesLoaded = (page: Page) =>
  page.evaluate(async () => {
    for (const image of Array.from(document.images)) {
      image.loading = "eager"
      if (!image.complete) await new Promise((resolve) => image.addEventListener("load", resolve, { once: true }))
    }
    return Array.from(document.images).every((image) => image.naturalWidth > 0)
  })

describe("the demo looks like a real charity", { timeout: 120_000 }, () => {
  it("fills the home page with illustrated projects, products and proofs (390 and 1366 px, Arabic and English)", async () => {
    for (const locale of LOCALES) {
      for (const width of WIDTHS) {
        const { page, problems, close } = await open(stack.browser, width)
        await page.goto(urlOf(prefix(locale) || "/"))
        expect(await page.getByTestId("home-projects").getByTestId("item-card").count()).toBe(6)
        expect(await page.getByTestId("home-products").getByTestId("item-card").count()).toBe(5)
        expect(await page.getByTestId("home-proofs").getByTestId("proof-caption").count()).toBe(4)
        expect(await page.getByTestId("home-projects").locator("img").count()).toBe(6)
        expect(await imagesLoaded(page)).toBe(true)
        // The charity's phones (typed "+965 2222 0000") in the national form, in the page's digits; dialled in E.164.
        expect(await page.getByTestId("footer-phone").innerText()).toBe(locale === "ar" ? "٢٢٢٢ ٠٠٠٠" : "2222 0000")
        expect(await page.getByTestId("footer-phone").getAttribute("href")).toBe("tel:+96522220000")
        expect(await page.getByTestId("footer-whatsapp").innerText()).toBe(locale === "ar" ? "٥٠٠٠ ٠٠٠٠" : "5000 0000")
        await page.screenshot({ path: `${results}donor-home-${locale}-${width}.png`, fullPage: true })
        expect(problems).toEqual([])
        await close()
      }
    }
  })
})

describe("item page", { timeout: 120_000 }, () => {
  it("leads with the cover, then title, progress and story; the donate card beside the story when wide, after it on phones", async () => {
    for (const locale of LOCALES) {
      for (const width of WIDTHS) {
        const { page, problems, close } = await open(stack.browser, width)
        await page.goto(urlOf(`${prefix(locale)}/catalog/orphans-education`))
        const cover = await box(page, "item-cover")
        const title = (await page.getByRole("heading", { level: 1 }).boundingBox())!
        const progress = await box(page, "progress")
        const story = await box(page, "item-story")
        const card = await box(page, "donate-card")
        expect(cover.y).toBeLessThan(title.y)
        expect(title.y).toBeLessThan(progress.y)
        expect(progress.y).toBeLessThan(story.y)
        if (width === 1366) {
          // Side by side: the card starts level with the story and does not overlap it; it stays in view while scrolling.
          expect(Math.abs(card.y - story.y)).toBeLessThan(40)
          const [left, right] = card.x < story.x ? [card, story] : [story, card]
          expect(left.x + left.width).toBeLessThanOrEqual(right.x)
          // In Arabic the card is on the left of the story (RTL), in English on the right.
          expect(card.x < story.x).toBe(locale === "ar")
          expect(await page.getByTestId("donate-card").evaluate((element) => getComputedStyle(element).position)).toBe("sticky")
        } else {
          expect(card.y).toBeGreaterThanOrEqual(story.y + story.height)
        }
        expect(await imagesLoaded(page)).toBe(true)
        await page.screenshot({ path: `${results}donor-item-open-${locale}-${width}.png`, fullPage: true })
        expect(problems).toEqual([])
        await close()
      }
    }
  })

  it("writes amounts with separators in each language's digits, and says nothing of pledges when there are none", async () => {
    const { page, close } = await open(stack.browser, 1366)
    await page.goto(urlOf("/en/catalog/orphans-education"))
    expect(await page.getByRole("progressbar").getAttribute("aria-valuetext")).toBe("KWD 4,875.500 of KWD 12,000.000 raised")
    expect(await page.getByTestId("progress-pledged").innerText()).toBe("KWD 1,200.000 pledged")
    await page.goto(urlOf("/catalog/orphans-education"))
    expect(await page.getByRole("progressbar").getAttribute("aria-valuetext")).toBe("جُمع ٤٬٨٧٥٫٥٠٠ د.ك من ١٢٬٠٠٠٫٠٠٠ د.ك")
    // No pledges yet on this one: no "pledged 0.000" line.
    await page.goto(urlOf("/catalog/medical-aid"))
    expect(await page.getByTestId("progress").count()).toBe(1)
    expect(await page.getByTestId("progress-pledged").count()).toBe(0)
    expect(await page.getByTestId("progress").innerText()).not.toContain("تعهّد")
    await close()
  })

  it("offers zakat only for a zakat-eligible project", async () => {
    const { page, close } = await open(stack.browser, 1366)
    await page.goto(urlOf("/catalog/orphans-education"))
    const eligible = await page
      .locator("#donate-category option")
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))
    expect(eligible).toContain("zakat")
    await page.goto(urlOf("/catalog/water-well-village"))
    const not = await page.locator("#donate-category option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))
    expect(not).toEqual(["sadaqah", "waqf", "general"])
    // The general fund: this demo does not take zakat into it.
    await page.goto(urlOf("/donate"))
    expect(await page.locator("#donate-category option[value=zakat]").count()).toBe(0)
    await close()
  })

  it("shares by WhatsApp, X or a link to copy, with no script; its card picture is made for the item", async () => {
    const { page, close } = await open(stack.browser, 390, { javaScriptEnabled: false })
    await page.goto(urlOf("/en/catalog/orphans-education"))
    expect(await page.locator("script").count()).toBe(0)
    // The page's own address, as its canonical link gives it (the scheme is the one the server was reached by).
    const link = (await page.locator('link[rel="canonical"]').getAttribute("href"))!
    expect(link.replace(/^https?:/, "")).toBe(urlOf("/en/catalog/orphans-education").replace(/^https?:/, ""))
    expect(await page.getByTestId("share-link").inputValue()).toBe(link)
    expect(await page.getByTestId("share-link").getAttribute("readonly")).not.toBeNull()
    const whatsapp = new URL((await page.getByTestId("share-whatsapp").getAttribute("href"))!)
    expect(whatsapp.host).toBe("wa.me")
    expect(whatsapp.searchParams.get("text")).toBe(`Education for orphans\n${link}`)
    const x = new URL((await page.getByTestId("share-x").getAttribute("href"))!)
    expect(x.host).toBe("x.com")
    expect(x.searchParams.get("url")).toBe(link)
    const image = await page.locator('meta[property="og:image"]').getAttribute("content")
    expect(image).toBe(new URL("/api/v1/public/catalog/orphans-education/share.png?lang=en", link).href)
    expect(await page.locator('meta[name="twitter:card"]').getAttribute("content")).toBe("summary_large_image")
    expect(await page.locator('meta[name="twitter:image"]').getAttribute("content")).toBe(image)
    await close()
    // Fetched as a crawler would, from the storefront's own host (through its /api proxy).
    const crawler = await open(stack.browser, 1366)
    await crawler.page.goto(urlOf("/en"))
    const picture = await crawler.page.evaluate(
      async (address) => {
        const response = await fetch(address)
        return { status: response.status, type: response.headers.get("content-type"), size: (await response.arrayBuffer()).byteLength }
      },
      new URL(image!).pathname + new URL(image!).search
    )
    expect(picture).toMatchObject({ status: 200, type: "image/png" })
    expect(picture.size).toBeGreaterThan(10_000)
    await crawler.close()
  })

  it("shows a funded or completed project's state, its proofs and other open projects instead of the form", async () => {
    for (const locale of LOCALES) {
      for (const width of WIDTHS) {
        const { page, problems, close } = await open(stack.browser, width)
        await page.goto(urlOf(`${prefix(locale)}/catalog/masjid-restoration`))
        expect(await page.getByTestId("donate-form").count()).toBe(0)
        expect(await page.getByTestId("project-state").innerText()).toContain(
          locale === "ar" ? "اكتمل تمويل هذا المشروع" : "This project is fully funded"
        )
        expect(await page.getByTestId("item-proofs").getByTestId("proof-caption").count()).toBeGreaterThan(0)
        const others = page.getByTestId("other-projects").getByTestId("item-card")
        expect(await others.count()).toBe(3)
        expect(await others.evaluateAll((cards) => cards.map((card) => card.getAttribute("data-slug")))).not.toContain("masjid-restoration")
        expect(await imagesLoaded(page)).toBe(true)
        await page.screenshot({ path: `${results}donor-item-funded-${locale}-${width}.png`, fullPage: true })
        expect(problems).toEqual([])
        await close()
      }
    }
    const { page, close } = await open(stack.browser, 1366)
    await page.goto(urlOf("/en/catalog/winter-clothing"))
    expect(await page.getByTestId("project-state").innerText()).toContain("This project is completed")
    expect(await page.getByTestId("donate-form").count()).toBe(0)
    await page.screenshot({ path: `${results}donor-item-completed-en-1366.png`, fullPage: true })
    await close()
  })
})

describe("donate and thank-you", { timeout: 120_000 }, () => {
  it("gives zakat to an eligible project; the thank-you page shows the same by its token alone, cookie or not", async () => {
    for (const locale of LOCALES) {
      for (const width of WIDTHS) {
        const { page, problems, close } = await open(stack.browser, width)
        await page.goto(urlOf(`${prefix(locale)}/catalog/orphans-education`))
        await hydrated(page)
        const form = page.getByTestId("donate-form")
        await form.locator('input[name="customAmount"]').fill("1250")
        await form.locator("#donate-category").selectOption("zakat")
        await form.locator('input[name="name"]').fill(locale === "ar" ? "أم محمد" : "Umm Mohammed")
        await form.locator('input[name="phone"]').fill("+965 5000 1234")
        await page.screenshot({ path: `${results}donor-donate-${locale}-${width}.png`, fullPage: true })
        // Hints and examples in the page's digits: no Latin digit in any Arabic placeholder.
        const placeholders = await page.locator("[placeholder]").evaluateAll((fields) => fields.map((f) => f.getAttribute("placeholder")))
        expect(placeholders).toContain(locale === "ar" ? "١٢٫٥٠٠" : "12.500")
        if (locale === "ar") for (const placeholder of placeholders) expect(placeholder).not.toMatch(/[0-9]/)
        await form.locator('button[type="submit"]').click()
        await page.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)
        const amount = await page.getByTestId("amount").innerText()
        expect(amount).toBe(locale === "ar" ? "١٬٢٥٠٫٠٠٠ د.ك" : "KWD 1,250.000")
        const reference = page.getByTestId("reference")
        expect(await reference.evaluate((element) => getComputedStyle(element).whiteSpace)).toBe("nowrap")
        // On one line, whatever the width.
        const lines = await reference.evaluate((element) => element.getClientRects().length)
        expect(lines).toBe(1)
        const withCookie = await page.getByTestId("thanks").innerText()
        expect(withCookie).toContain(locale === "ar" ? "هذا التبرع مسجّل زكاةً." : "This donation is recorded as zakat.")
        await page.screenshot({ path: `${results}donor-thanks-${locale}-${width}.png`, fullPage: true })

        // The same link in a browser that never gave: the same page.
        const stranger = await open(stack.browser, width)
        await stranger.page.goto(page.url())
        expect(await stranger.page.getByTestId("thanks").innerText()).toBe(withCookie)
        await stranger.close()
        expect(problems).toEqual([])
        await close()
      }
    }
  })
})

describe("checkout with a delivery address", { timeout: 180_000 }, () => {
  it("asks for a Kuwaiti address for the demo's product that ships, and the thank-you page lists the order", async () => {
    for (const locale of LOCALES) {
      for (const width of WIDTHS) {
        const { page, problems, close } = await open(stack.browser, width)
        await page.goto(urlOf(`${prefix(locale)}/catalog/prayer-mat`))
        await hydrated(page)
        await page.getByTestId("add-to-cart").locator('button[type="submit"]').click()
        await page.waitForURL(/\/cart$/)
        await page.getByTestId("checkout-link").click()
        await page.waitForURL(/\/checkout$/)
        const form = page.getByTestId("checkout-form")
        expect(await form.getByTestId("delivery-address").count()).toBe(1)
        await form.locator('input[name="name"]').fill(locale === "ar" ? "خالد" : "Khalid")
        await form.locator('input[name="phone"]').fill(locale === "ar" ? "٥٥٥٥ ٠٠٠٠" : "5555 0000")
        await form.locator("#delivery-governorate").selectOption("hawalli")
        await form.locator('input[name="area"]').fill(locale === "ar" ? "الجابرية" : "Jabriya")
        await form.locator('input[name="block"]').fill("4")
        await form.locator('input[name="street"]').fill(locale === "ar" ? "شارع ١٢" : "Street 12")
        await form.locator('input[name="building"]').fill("7")
        await page.screenshot({ path: `${results}donor-checkout-${locale}-${width}.png`, fullPage: true })
        await page.getByTestId("place-order").click()
        await page.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)
        expect(await page.getByTestId("order-line").count()).toBe(1)
        expect(await page.getByTestId("order-lines").innerText()).toContain(
          locale === "ar" ? "سجادة صلاة تصلك إلى بيتك" : "A prayer mat delivered to your door"
        )
        expect(await page.getByTestId("order-total").innerText()).toBe(locale === "ar" ? "٩٫٥٠٠ د.ك" : "KWD 9.500")
        expect(await page.getByTestId("order-delivery").innerText()).toContain(locale === "ar" ? "حولي" : "Hawalli")
        await page.screenshot({ path: `${results}donor-order-thanks-${locale}-${width}.png`, fullPage: true })
        expect(problems).toEqual([])
        await close()
      }
    }
  })
})
