import type { Person } from "@manara/testkit"
import { apiPeople, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import type { BrowserContext, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import {
  htmlAttributes,
  ownerWithTotp,
  psqlInTenant,
  results,
  services,
  signIn,
  solidPng,
  storefrontUrl,
  totp,
  useStack,
  watchProblems,
  hydrated
} from "./harness.js"

const { urls, pool } = services()
const IBAN = "KW81CBKU0000000000001234560101"

let tenant: TenantFixture
let owner: Person
let secret: string
let ownerContext: BrowserContext | undefined

const people = apiPeople(() => stack.api.url, urls, pool)

const stack = useStack({
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية النور الخيرية", nameEn: "Al Noor Charity" }))
    // A project to give to; no settings yet: no way to pay is set up.
    psqlInTenant(
      urls.ownerUrl,
      tenant.id,
      `insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
       values ('${tenant.id}', 'project', 'orphans', 'كفالة أيتام', 'Orphan care', 5000, 'sadaqah', 'active')`
    )
    // A product that ships: delivered, or collected where pickup is on.
    psqlInTenant(
      urls.ownerUrl,
      tenant.id,
      `insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, price, status, ships)
       values ('${tenant.id}', 'product', 'khalas-dates', 'تمر خلاص', 'Khalas dates', 2.5, 'active', true)`
    )
    const made = await ownerWithTotp(people, tenant, "settings-owner")
    owner = made.owner
    secret = made.secret
  },
  closeFirst: async () => {
    await ownerContext?.close()
  },
  stopTimeout: 60_000
})

const at = (path: string) => storefrontUrl(stack.web, tenant.slug, path)

/** Script errors and warnings; not Chromium's note of a refused call (the page says what happened). */
const unexpected = (problems: ReadonlyArray<string>) => problems.filter((problem) => !problem.startsWith("Failed to load resource: "))

const field = (page: Page, key: string) => page.getByTestId(`settings-${key.replaceAll(".", "-")}`)

describe("tenant settings in the browser (Arabic)", { timeout: 120_000 }, () => {
  it("the owner sets colours, logo, contact and bank details; the storefront shows them and a donation shows the bank details", async () => {
    ownerContext = await stack.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ownerContext.newPage()
    const problems = watchProblems(page)

    // Before: nothing to pay with, so the donate form offers no way to pay.
    await page.goto(at("/donate"))
    expect(await page.getByTestId("no-payment-methods").count()).toBe(1)
    expect(await page.getByLabel("تحويل بنكي").count()).toBe(0)

    await page.goto(at("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL(at(`/dashboard/${tenant.slug}`))
    await page.getByTestId("dashboard-nav").getByRole("link", { name: "الإعدادات" }).click()
    await page.waitForURL(at(`/dashboard/${tenant.slug}/settings`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "إعدادات الجهة" }).waitFor()

    // Unreadable colours and a wrong IBAN: refused beside each field, in Arabic, and what was typed stays.
    await field(page, "branding.primaryColour").fill("#ffff00")
    await field(page, "payments.bankTransfer.bank").fill("بنك الخليج")
    await field(page, "payments.bankTransfer.beneficiary").fill("جمعية النور الخيرية")
    await field(page, "payments.bankTransfer.iban").fill("KW81CBKU0000000000001234560102")
    await field(page, "contact.registrationNumber").fill("MSA-2020-318")
    await page.getByTestId("settings-save").click()
    await page.getByTestId("settings-branding-primaryColour-error").waitFor()
    expect(await page.getByTestId("settings-branding-primaryColour-error").innerText()).toContain("النص الأبيض غير مقروء")
    expect(await page.getByTestId("settings-payments-bankTransfer-iban-error").innerText()).toContain("رقم آيبان كويتي غير صحيح")
    expect(await field(page, "branding.primaryColour").getAttribute("aria-invalid")).toBe("true")
    expect(await field(page, "payments.bankTransfer.iban").inputValue()).toBe("KW81CBKU0000000000001234560102")
    expect(await field(page, "contact.registrationNumber").inputValue()).toBe("MSA-2020-318")
    await page.screenshot({ path: `${results}settings-refused-ar.png`, fullPage: true })

    // Readable colours, a valid IBAN (typed with spaces), contact details, presets, a logo: saved.
    await field(page, "branding.primaryColour").fill("#7a1f5c")
    await field(page, "branding.accentColour").fill("#f5d76e")
    await field(page, "payments.bankTransfer.iban").fill("KW81 CBKU 0000 0000 0000 1234 5601 01")
    await field(page, "contact.phone").fill("+965 2244 6688")
    await field(page, "contact.address.ar").fill("الكويت، الجابرية، قطعة ٤")
    await field(page, "contact.social.instagram").fill("https://instagram.com/alnoor")
    await field(page, "donations.presets").fill("٥، 15, 30")
    await field(page, "receipt.footer.ar").fill("تقبّل الله منكم")
    await page
      .locator("#settings-logo")
      .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from(solidPng(120, 120, [245, 215, 110])) })
    await page.getByTestId("settings-logo").waitFor()
    await page.getByTestId("settings-save").click()
    await page.getByTestId("action-done").waitFor()
    expect(await page.getByTestId("settings-branding-primaryColour-error").count()).toBe(0)
    expect(await field(page, "payments.bankTransfer.iban").inputValue()).toBe(IBAN)
    await page.screenshot({ path: `${results}settings-saved-ar.png`, fullPage: true })

    // The storefront, on the very next request: colours, logo, footer.
    const visitor = await stack.browser.newContext({ viewport: { width: 1280, height: 900 } })
    const shop = await visitor.newPage()
    const shopProblems = watchProblems(shop)
    await shop.goto(at("/"))
    expect(await shop.locator(".site-header").evaluate((header) => getComputedStyle(header).backgroundColor)).toBe("rgb(122, 31, 92)")
    expect(await shop.locator(".shell").evaluate((shell) => getComputedStyle(shell).getPropertyValue("--accent").trim())).toBe("#f5d76e")
    const logo = shop.getByTestId("site-logo")
    await logo.evaluate((image: HTMLImageElement) =>
      image.complete ? undefined : new Promise((resolve) => image.addEventListener("load", resolve, { once: true }))
    )
    expect(await logo.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0)
    expect(await shop.getByTestId("footer-registration").innerText()).toBe("رقم الترخيص: MSA-٢٠٢٠-٣١٨")
    // Typed "+965 2244 6688": shown in the national form, in Arabic-Indic digits; dialled in E.164.
    expect(await shop.getByTestId("footer-phone").innerText()).toBe("٢٢٤٤ ٦٦٨٨")
    expect(await shop.getByTestId("footer-phone").getAttribute("href")).toBe("tel:+96522446688")
    expect(await shop.getByTestId("footer-address").innerText()).toBe("الكويت، الجابرية، قطعة ٤")
    expect(await shop.getByTestId("footer-contact").getByRole("link", { name: "Instagram" }).getAttribute("href")).toBe(
      "https://instagram.com/alnoor"
    )
    await shop.screenshot({ path: `${results}settings-storefront-ar.png`, fullPage: true })

    // The donate form: the tenant's presets, bank transfer only; the thank-you page shows the bank details.
    await shop.goto(at("/catalog/orphans"))
    const form = shop.getByTestId("donate-form")
    expect(await form.getByTestId("preset-15").count()).toBe(1)
    expect(await form.getByTestId("preset-50").count()).toBe(0)
    expect(await form.getByLabel("رابط دفع إلكتروني").count()).toBe(0)
    expect(await form.getByLabel("تحويل بنكي").isChecked()).toBe(true)
    await form.getByTestId("preset-15").check({ force: true })
    await form.getByLabel("الاسم").fill("أم خالد")
    await form.getByLabel("رقم الهاتف").fill("+965 5000 1234")
    await form.getByRole("button", { name: "تبرّع الآن" }).click()
    await shop.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)
    expect(await shop.getByTestId("iban").innerText()).toBe(IBAN)
    expect(await shop.getByTestId("bank-transfer").innerText()).toContain("بنك الخليج")
    expect(await shop.getByTestId("receipt-footer").innerText()).toBe("تقبّل الله منكم")
    expect(await shop.getByTestId("footer-registration").count()).toBe(1)
    await shop.screenshot({ path: `${results}settings-thanks-ar.png`, fullPage: true })

    expect(unexpected(problems)).toEqual([])
    expect(unexpected(shopProblems)).toEqual([])
    await visitor.close()
  })

  it("the owner turns on pickup and zakat to the general fund; checkout offers pickup without an address and /donate offers zakat", async () => {
    // Signed in by the test above; its settings (bank transfer) stand.
    const page = await ownerContext!.newPage()
    const problems = watchProblems(page)
    const visitor = await stack.browser.newContext({ viewport: { width: 390, height: 900 } })
    const shop = await visitor.newPage()
    const shopProblems = watchProblems(shop)

    // Off: /donate offers no zakat; checkout asks for an address only.
    await shop.goto(at("/donate"))
    expect(await shop.locator("#donate-category option[value=zakat]").count()).toBe(0)
    await shop.goto(at("/catalog/khalas-dates"))
    await hydrated(shop)
    await shop.getByTestId("add-to-cart").getByRole("button", { name: "أضف إلى السلة" }).click()
    await shop.waitForURL(/\/cart$/)
    await shop.goto(at("/checkout"))
    await shop.getByTestId("delivery-fields").waitFor()
    expect(await shop.getByTestId("delivery-method").count()).toBe(0)

    await page.goto(at(`/dashboard/${tenant.slug}/settings`))
    await hydrated(page)
    expect(await field(page, "orders.pickup").isChecked()).toBe(false)
    expect(await field(page, "donations.zakatGeneralFund").isChecked()).toBe(false)
    await page.getByLabel("السماح بالاستلام من المقر").check()
    await page.getByLabel("قبول الزكاة في الصندوق العام").check()
    await page.getByTestId("settings-save").click()
    await page.getByTestId("action-done").waitFor()
    await page.reload()
    expect(await field(page, "orders.pickup").isChecked()).toBe(true)
    expect(await field(page, "donations.zakatGeneralFund").isChecked()).toBe(true)
    // The settings saved before stay: the IBAN was not wiped by this save.
    expect(await field(page, "payments.bankTransfer.iban").inputValue()).toBe(IBAN)
    await page.screenshot({ path: `${results}settings-switches-ar.png`, fullPage: true })

    // Checkout: pickup hides the address, and the order goes through without one.
    await shop.goto(at("/checkout"))
    await hydrated(shop)
    const form = shop.getByTestId("checkout-form")
    await form.getByTestId("delivery-method").waitFor()
    expect(await form.getByLabel("توصيل إلى عنوان").isChecked()).toBe(true)
    expect(await form.getByTestId("delivery-address").isVisible()).toBe(true)
    await form.getByLabel("استلام من المقر").check()
    // Hidden once the page has reacted to the choice: waited for, not read at once.
    await form.getByTestId("delivery-address").waitFor({ state: "hidden" })
    await form.getByLabel("الاسم").fill("منى")
    await form.getByLabel("رقم الهاتف").fill("٥٠٠٠ ١٢٣٤")
    await shop.screenshot({ path: `${results}settings-checkout-pickup-ar.png`, fullPage: true })
    await form.getByRole("button", { name: "أرسل الطلب" }).click()
    await shop.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}$/)
    expect(await shop.getByTestId("order-delivery").innerText()).toContain("استلام")

    // /donate: zakat to the general fund, taken.
    await shop.goto(at("/donate"))
    await hydrated(shop)
    const donate = shop.getByTestId("donate-form")
    expect(await donate.locator("#donate-category option[value=zakat]").count()).toBe(1)
    await donate.locator("#donate-category").selectOption("zakat")
    await donate.getByTestId("preset-15").check({ force: true })
    await donate.getByLabel("الاسم").fill("أم خالد")
    await donate.getByLabel("رقم الهاتف").fill("+965 5000 1234")
    await donate.getByRole("button", { name: "تبرّع الآن" }).click()
    await shop.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/)
    expect(await shop.getByTestId("iban").innerText()).toBe(IBAN)

    expect(unexpected(problems)).toEqual([])
    expect(unexpected(shopProblems)).toEqual([])
    await visitor.close()
    await page.close()
  })
  it("a save after someone else's is refused with a bilingual message and a way to reload, and overwrites nothing", async () => {
    // Signed in by the first test.
    const page = await ownerContext!.newPage()
    const problems = watchProblems(page)
    await page.goto(at(`/dashboard/${tenant.slug}/settings`))
    await field(page, "contact.registrationNumber").waitFor()

    // An admin saves while the owner's form is open.
    const admin = await people.memberOf(tenant, "admin", "settings-admin")
    const current = (await (await people.call("GET", "/tenant/settings", admin, tenant.slug)).json()) as {
      contact: Record<string, unknown>
    }
    const theirs = await people.call("PUT", "/tenant/settings", admin, tenant.slug, {
      ...current,
      contact: { ...current.contact, registrationNumber: "MSA-ADMIN-1" }
    })
    expect(theirs.status).toBe(200)

    // The owner's stale save: refused, in Arabic, what they typed kept, and theirs not overwritten.
    await field(page, "contact.registrationNumber").fill("MSA-OWNER-2")
    await page.getByTestId("settings-save").click()
    const refused = page.getByTestId("action-error")
    await refused.waitFor()
    expect(await refused.innerText()).toContain("غيّر شخص آخر هذه الإعدادات")
    expect(await field(page, "contact.registrationNumber").inputValue()).toBe("MSA-OWNER-2")
    const stored = async () =>
      ((await (await people.call("GET", "/tenant/settings", admin, tenant.slug)).json()) as { contact: { registrationNumber: string } })
        .contact.registrationNumber
    expect(await stored()).toBe("MSA-ADMIN-1")
    await page.screenshot({ path: `${results}settings-stale-ar.png`, fullPage: true })

    // Reloaded: the admin's change shows, and the owner's next save goes through.
    await page.getByTestId("settings-reload").click()
    await expect.poll(() => field(page, "contact.registrationNumber").inputValue(), { timeout: 30_000 }).toBe("MSA-ADMIN-1")
    expect(await page.getByTestId("settings-reload").count()).toBe(0)
    await field(page, "contact.registrationNumber").fill("MSA-OWNER-3")
    await page.getByTestId("settings-save").click()
    await page.getByTestId("action-done").waitFor()
    expect(await stored()).toBe("MSA-OWNER-3")

    expect(unexpected(problems)).toEqual([])
    await page.close()
  })
})
