import { startApi, type StartedApi } from "@manara/api/server"
import { createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest"
import {
  freePort,
  htmlAttributes,
  launchBrowser,
  redisEnv,
  requireBuild,
  results,
  startWeb,
  stopAll,
  stopWeb,
  storefrontUrl as urlOf,
  watchProblems,
  type WebServer
} from "./harness.js"

const urls = inject("manaraDatabase")
const names = { ar: "جمعية النور الخيرية", en: "Al Noor Charity" }

let api: StartedApi | undefined
let web: WebServer | undefined
let browser: Browser | undefined
let tenant: TenantFixture

beforeAll(async () => {
  requireBuild()
  tenant = await withOwner(urls, createTenant({ nameAr: names.ar, nameEn: names.en }))
  api = await startApi({ DATABASE_URL: urls.runtimeUrl, ...redisEnv(), PLATFORM_DOMAIN: "localhost", NOTIFY_DELIVERY: "false" })
  web = await startWeb(api.url, redisEnv())
  browser = await launchBrowser()
})

afterAll(() => stopAll(browser, web, api))

const storefrontUrl = (slug: string, path = "/") => urlOf(web!, slug, path)

describe("storefront", () => {
  it("is Arabic and right-to-left at /, and switches to English left-to-right", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } })
    const problems = watchProblems(page)
    const response = await page.goto(storefrontUrl(tenant.slug))
    expect(response?.status()).toBe(200)
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: names.ar }).waitFor()
    expect(await page.title()).toContain(names.ar)
    // The footer: the FAQ page's link, then the platform's line.
    expect(await page.locator("footer").innerText()).toContain("الأسئلة الشائعة")
    expect(await page.locator("footer").innerText()).toContain("بدعم من منارة")
    const english = await page.locator('link[rel="alternate"][hreflang="en"]').getAttribute("href")
    expect(new URL(english!).pathname).toBe("/en")
    await page.screenshot({ path: `${results}storefront-ar.png`, fullPage: true })

    await page.getByTestId("language-switch").click()
    await page.waitForURL(storefrontUrl(tenant.slug, "/en"))
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: names.en }).waitFor()
    expect(await page.title()).toContain(names.en)
    expect(await page.locator("footer").innerText()).toContain("Powered by Manara")
    await page.screenshot({ path: `${results}storefront-en.png`, fullPage: true })

    await page.getByTestId("language-switch").click()
    await page.waitForURL(storefrontUrl(tenant.slug))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    expect(problems).toEqual([])
    await page.close()
  })

  it("switches language without JavaScript", async () => {
    const context = await browser!.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(storefrontUrl(tenant.slug))
    await page.getByTestId("language-switch").click()
    await page.waitForURL(storefrontUrl(tenant.slug, "/en"))
    expect(await page.locator("html").getAttribute("dir")).toBe("ltr")
    await page.getByRole("heading", { level: 1, name: names.en }).waitFor()
    await context.close()
  })

  it("answers an unknown host with a 404 page in the visitor's language", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } })
    const arabic = await page.goto(storefrontUrl("nope-xyz"))
    expect(arabic?.status()).toBe(404)
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "لا يوجد متجر على هذا العنوان" }).waitFor()
    await page.screenshot({ path: `${results}not-found.png`, fullPage: true })

    const english = await page.goto(storefrontUrl("nope-xyz", "/en"))
    expect(english?.status()).toBe(404)
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: "No storefront at this address" }).waitFor()
    await page.close()
  })

  // Longer than the project's minute: it starts a web server of its own, which alone may take a minute on a loaded machine.
  it("answers 503 with a page of its own while the API is unreachable", async () => {
    const offline = await startWeb(`http://127.0.0.1:${await freePort()}`)
    try {
      const page = await browser!.newPage()
      const response = await page.goto(`http://${tenant.slug}.localhost:${offline.port}/`)
      expect(response?.status()).toBe(503)
      await page.getByRole("heading", { level: 1, name: "الخدمة غير متاحة مؤقتًا" }).waitFor()
      await page.close()
    } finally {
      await stopWeb(offline)
    }
  }, 150_000)
})
