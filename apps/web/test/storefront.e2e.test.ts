import { startApi, type StartedApi } from "@manara/api/server"
import { createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync } from "node:fs"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest"

const urls = inject("manaraDatabase")
const serverEntry = fileURLToPath(new URL("../build/index.js", import.meta.url))
const results = fileURLToPath(new URL("../test-results/", import.meta.url))
const names = { ar: "جمعية النور الخيرية", en: "Al Noor Charity" }

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

interface WebServer {
  readonly port: number
  readonly process: ChildProcess
}

/** The built adapter-node server as production runs it: `node build/index.js`, configured by env. */
const startWeb = async (apiUrl: string): Promise<WebServer> => {
  const port = await freePort()
  const { ORIGIN: _, ...env } = process.env
  const child = spawn(process.execPath, [serverEntry], {
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", API_URL: apiUrl },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode}): ${stderr}`)
    if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) return { port, process: child }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill()
  throw new Error(`the web server did not answer on port ${port}: ${stderr}`)
}

const stopWeb = (web: WebServer | undefined) =>
  new Promise<void>((resolve) => {
    if (!web || web.process.exitCode !== null) return resolve()
    web.process.once("exit", () => resolve()).kill("SIGTERM")
  })

const htmlAttributes = (page: Page) =>
  page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }))

let api: StartedApi | undefined
let web: WebServer | undefined
let browser: Browser | undefined
let tenant: TenantFixture

beforeAll(async () => {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`pnpm --filter @manara/web build\` first`)
  mkdirSync(results, { recursive: true })
  tenant = await withOwner(urls, createTenant({ nameAr: names.ar, nameEn: names.en }))
  api = await startApi({ DATABASE_URL: urls.runtimeUrl, REDIS_URL: urls.redisUrl, PLATFORM_DOMAIN: "localhost" })
  web = await startWeb(api.url)
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
})

afterAll(async () => {
  await browser?.close()
  await stopWeb(web)
  await api?.close()
})

// Chromium resolves every *.localhost name to loopback: each tenant gets its own host, as in production.
const storefrontUrl = (slug: string, path = "/") => `http://${slug}.localhost:${web!.port}${path}`

describe("storefront", () => {
  it("is Arabic and right-to-left at /, and switches to English left-to-right", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } })
    // Hydration mismatches and script errors show up only in the console.
    const problems: Array<string> = []
    page.on("pageerror", (error) => problems.push(error.message))
    page.on("console", (message) => ["error", "warning"].includes(message.type()) && problems.push(message.text()))
    const response = await page.goto(storefrontUrl(tenant.slug))
    expect(response?.status()).toBe(200)
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: names.ar }).waitFor()
    expect(await page.title()).toContain(names.ar)
    expect(await page.locator("footer").innerText()).toBe("بدعم من منارة")
    const english = await page.locator('link[rel="alternate"][hreflang="en"]').getAttribute("href")
    expect(new URL(english!).pathname).toBe("/en")
    await page.screenshot({ path: `${results}storefront-ar.png`, fullPage: true })

    await page.getByTestId("language-switch").click()
    await page.waitForURL(storefrontUrl(tenant.slug, "/en"))
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: names.en }).waitFor()
    expect(await page.title()).toContain(names.en)
    expect(await page.locator("footer").innerText()).toBe("Powered by Manara")
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
  })
})
