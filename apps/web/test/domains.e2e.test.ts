import type { Person } from "@manara/testkit"
import { apiPeople, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import dns2 from "dns2"
import type { BrowserContext } from "playwright-core"
import { describe, expect, it } from "vitest"
import { htmlAttributes, ownerWithTotp, results, services, signIn, storefrontUrl, totp, useStack, watchProblems } from "./harness.js"

const { urls, pool } = services()

/** The loopback DNS server the API asks for the challenge (DNS_SERVERS). */
const txt = new Map<string, string>()
const dns = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = dns2.Packet.createResponseFromRequest(request)
    const name = request.questions[0]!.name.toLowerCase()
    const value = txt.get(name)
    if (value !== undefined) {
      response.answers.push({ name, type: dns2.Packet.TYPE.TXT, class: dns2.Packet.CLASS.IN, ttl: 0, data: value } as never)
    }
    void send(response)
  }
})

let tenant: TenantFixture
let owner: Person
let secret: string
let ownerContext: BrowserContext | undefined
const people = apiPeople(() => stack.api.url, urls, pool)

const stack = useStack({
  s3: false,
  before: async () => {
    await dns.listen({ udp: { port: 0, address: "127.0.0.1" } })
  },
  env: () => ({ DNS_SERVERS: `127.0.0.1:${dns.addresses().udp!.port}` }),
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية الفجر الخيرية", nameEn: "Al Fajr Charity" }))
    const made = await ownerWithTotp(people, tenant, "domain-owner")
    owner = made.owner
    secret = made.secret
  },
  closeFirst: async () => {
    await ownerContext?.close()
  },
  closeLast: async () => {
    await dns.close()
  }
})

const storefrontAt = (host: string) => fetch(`${stack.api.url}/api/v1/public/storefront`, { headers: { "x-forwarded-host": host } })

describe("the custom domain in the dashboard (Arabic)", { timeout: 120_000 }, () => {
  it("the owner enters a domain, sees the TXT record, verifies it, and removes it", async () => {
    ownerContext = await stack.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ownerContext.newPage()
    const problems = watchProblems(page)
    const at = (path: string) => storefrontUrl(stack.web, tenant.slug, path)

    await page.goto(at("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL(at(`/dashboard/${tenant.slug}`))
    await page.getByTestId("dashboard-nav").getByRole("link", { name: "النطاق الخاص" }).click()
    await page.waitForURL(at(`/dashboard/${tenant.slug}/domains`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    expect(await page.getByTestId("domain-status").getAttribute("data-status")).toBe("none")

    // The platform's own domain is refused, in Arabic.
    await page.getByLabel("النطاق", { exact: true }).fill(`shop.localhost`)
    await page.getByRole("button", { name: "احفظ النطاق" }).click()
    await expect.poll(() => page.getByTestId("action-error").textContent()).toBe("لا يمكن استخدام نطاق المنصة أو نطاق تابع له.")

    const domain = `${tenant.slug}.example.org`
    await page.getByLabel("النطاق", { exact: true }).fill(` ${domain.toUpperCase()}. `)
    await page.getByRole("button", { name: "احفظ النطاق" }).click()
    await expect.poll(() => page.getByTestId("domain-status").getAttribute("data-status")).toBe("pending")
    const name = await page.getByTestId("domain-record-name").textContent()
    const value = (await page.getByTestId("domain-record-value").textContent()) ?? ""
    expect(name).toBe(`_manara-challenge.${domain}`)
    expect(value).toMatch(/^manara-verify=/)
    await page.screenshot({ path: `${results}domain-pending-ar.png`, fullPage: true })
    expect((await storefrontAt(domain)).status).toBe(404)

    // Not in DNS yet: the page says so; then the record is added and it verifies.
    await page.getByRole("button", { name: "تحقّق" }).click()
    await expect.poll(() => page.getByTestId("action-error").textContent()).toContain("لم نجد السجل بعد")
    txt.set(name!, value)
    await page.getByRole("button", { name: "تحقّق" }).click()
    await expect.poll(() => page.getByTestId("domain-status").getAttribute("data-status")).toBe("verified")
    expect(await page.getByTestId("domain-status").textContent()).toContain(domain)
    await page.screenshot({ path: `${results}domain-verified-ar.png`, fullPage: true })
    expect((await (await storefrontAt(domain)).json()).slug).toBe(tenant.slug)

    await page.getByRole("button", { name: "أزل النطاق" }).click()
    await expect.poll(() => page.getByTestId("domain-status").getAttribute("data-status")).toBe("none")
    expect((await storefrontAt(domain)).status).toBe(404)
    // Chromium notes each refused action's status; anything else (a script error) is a failure.
    expect(problems.filter((problem) => !problem.startsWith("Failed to load resource: "))).toEqual([])
  })
})
