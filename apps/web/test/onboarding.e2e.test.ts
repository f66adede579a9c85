import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import {
  apiEnv,
  codeLogOffset,
  createCognitoUser,
  emailedCode,
  sesEmailsTo,
  sesEnv,
  TEST_PASSWORD,
  uniqueSlug,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { describe, expect, inject, it } from "vitest"
import { htmlAttributes, hydrated, openPage, results, services, signIn, solidPng, storefrontUrl, totp, useStack } from "./harness.js"

const { urls, pool, s3 } = services()
const ses = inject("manaraSes")
const adminEmail = `onboard-admin-${randomUUID().slice(0, 8)}@example.com`
// Per-IP counters (sign-in, codes, links) of this file only: other suites on the same Redis count elsewhere.
const REDIS_KEY_PREFIX = `${urls.database}:onboarding:`
const OWNER_PASSWORD = "Manara-Malik-2026!"
const IBAN = "KW81CBKU0000000000001234560101"

// The platform admin (MFA on, as /admin requires) exists before the API starts: its user cache cannot hold the flag back.
const stack = useStack({
  env: { REDIS_KEY_PREFIX },
  before: async () => {
    const sub = await createCognitoUser(pool, adminEmail, TEST_PASSWORD)
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`insert into users (cognito_sub, email, is_platform_admin, mfa_enabled) values (${sub}, ${adminEmail}, true, true)`
      )
    )
  },
  stopTimeout: 60_000
})
const platform = (path: string) => `http://localhost:${stack.web.port}${path}`

/** Waits on a condition, not a clock: the loaded machine decides how long things take. */
const until = async <A>(what: string, probe: () => Promise<A | undefined>, ms = 90_000): Promise<A> => {
  const deadline = Date.now() + ms
  for (;;) {
    const found = await probe()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
}

/**
 * The invitation's email as SES received it: an API instance that delivers this tenant's outbox only
 * (other suites' rows in the shared database are not ours to send), links pointing at this web server.
 */
const invitationLink = async (tenantId: string, ownerEmail: string): Promise<string> => {
  let sender: StartedApi | undefined
  try {
    sender = await startApi(
      apiEnv(
        urls,
        pool,
        {
          PLATFORM_DOMAIN: "localhost",
          REDIS_KEY_PREFIX,
          ...sesEnv(ses),
          NOTIFY_DELIVERY: "true",
          NOTIFY_TENANTS: tenantId,
          NOTIFY_POLL: "300 millis",
          WEB_ORIGIN: platform("")
        },
        s3
      )
    )
    const email = await until("the invitation email", async () => (await sesEmailsTo(ses, ownerEmail))[0])
    expect(email.subject).toContain("دعوة للانضمام إلى جمعية الفجر الخيرية")
    const body = (email.body.text ?? email.body.html ?? "").replaceAll("&amp;", "&")
    const link = /http:\/\/localhost:\d+\/invite\?tenant=[a-z0-9-]+&token=[A-Za-z0-9_%-]+/.exec(body)?.[0]
    expect(link, body).toBeDefined()
    return decodeURIComponent(link!)
  } finally {
    await sender?.close()
  }
}

const field = (page: Page, key: string) => page.getByTestId(`settings-${key.replaceAll(".", "-")}`)

/** Arabic-Indic digits, as an Arabic keyboard types them. */
const arabicDigits = (digits: string) => digits.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit)))

describe("onboarding a charity, in Arabic", { timeout: 420_000 }, () => {
  it("the platform admin creates it; the owner joins from the emailed link with a new account, sets up MFA, brands it; the storefront and a donation show it", async () => {
    const slug = uniqueSlug("fajr")
    const ownerEmail = `fajr-owner-${randomUUID().slice(0, 8)}@example.com`

    // 1. The platform admin creates the tenant in /admin; its owner's invitation goes out by email.
    const admin = await openPage(stack.browser)
    await admin.page.goto(platform("/signin"))
    await signIn(admin.page, adminEmail)
    await admin.page.waitForURL((url) => url.pathname.startsWith("/dashboard"), { timeout: 60_000 })
    await admin.page.goto(platform("/admin/tenants/new"))
    await hydrated(admin.page)
    await admin.page.getByLabel("المعرّف (حروف لاتينية صغيرة وأرقام وشرطات)").fill(slug)
    await admin.page.getByLabel("الاسم بالعربية").fill("جمعية الفجر الخيرية")
    await admin.page.getByLabel("الاسم بالإنجليزية").fill("Al Fajr Charity")
    await admin.page.getByLabel("النوع").selectOption("charity")
    await admin.page.getByLabel("الباقة").selectOption("free")
    await admin.page.getByLabel("بريد المالك (تصله دعوة)").fill(ownerEmail)
    await admin.page.screenshot({ path: `${results}onboarding-01-admin-new-tenant-ar.png`, fullPage: true })
    await admin.page.getByTestId("admin-create").click()
    await admin.page.waitForURL((url) => url.pathname.startsWith("/admin/tenants/") && !url.pathname.endsWith("/new"), {
      timeout: 60_000
    })
    await expect(admin.page.getByTestId("admin-created").textContent()).resolves.toContain(ownerEmail)
    await admin.context.close()
    const [tenant] = await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from tenants where slug = ${slug}`)
    )
    const link = await invitationLink(tenant!.id, ownerEmail)

    // 2. The link, opened signed out: who invites, to what role, for which address.
    const { context, page, problems } = await openPage(stack.browser)
    await page.goto(link)
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await hydrated(page)
    expect(await page.getByTestId("invite-preview").innerText()).toBe(
      "تدعوكم «جمعية الفجر الخيرية» للانضمام إلى فريقها على منارة بدور مالك."
    )
    expect(await page.getByTestId("invite-email").innerText()).toContain(ownerEmail)
    expect(await page.getByLabel("البريد الإلكتروني").inputValue()).toBe(ownerEmail)
    await page.screenshot({ path: `${results}onboarding-02-invitation-signed-out-ar.png`, fullPage: true })

    // 3. A new account: a weak password is refused beside the form (focused), then a strong one sends the code.
    await page.getByLabel("كلمة المرور").fill("ضعيفة")
    await page.getByRole("button", { name: "إنشاء الحساب" }).click()
    await expect.poll(() => page.getByTestId("invite-error").textContent(), { timeout: 30_000 }).toContain("كلمة المرور ضعيفة")
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid")), { timeout: 10_000 })
      .toBe("invite-error")
    const since = codeLogOffset(pool.log!)
    await page.getByLabel("كلمة المرور").fill(OWNER_PASSWORD)
    await page.getByRole("button", { name: "إنشاء الحساب" }).click()
    await page.getByTestId("invite-code-sent").waitFor({ timeout: 30_000 })
    await page.screenshot({ path: `${results}onboarding-03-code-step-ar.png`, fullPage: true })

    // 4. The emailed code (cognito-local's log: it has no mail), typed in Arabic-Indic digits.
    const code = await emailedCode(pool.log!, ownerEmail, since)
    await page.getByLabel("الرمز المرسل بالبريد (٦ أرقام)").fill(arabicDigits(code))
    await page.getByRole("button", { name: "تأكيد الحساب" }).click()
    await page.waitForURL((url) => url.pathname === "/signin" && url.searchParams.get("confirmed") === "1", { timeout: 30_000 })
    await page.getByTestId("signin-confirmed").waitFor()
    await page.screenshot({ path: `${results}onboarding-04-confirmed-signin-ar.png`, fullPage: true })

    // 5. Sign in: back to the invitation, accept; an owner sets up the authenticator before the dashboard.
    await signIn(page, ownerEmail, { password: OWNER_PASSWORD })
    await page.waitForURL((url) => url.pathname === "/invite", { timeout: 60_000 })
    await page.getByTestId("invite-accept").waitFor()
    await page.screenshot({ path: `${results}onboarding-05-invitation-signed-in-ar.png`, fullPage: true })
    await page.getByTestId("invite-accept").click()
    await page.waitForURL((url) => url.pathname === "/dashboard/mfa", { timeout: 60_000 })
    const secret = (await page.getByTestId("mfa-secret").innerText()).replace(/\s+/g, "")
    await page.screenshot({ path: `${results}onboarding-06-mfa-setup-ar.png`, fullPage: true })
    await page.getByLabel("ثم أدخلوا الرمز").fill(totp(secret))
    await page.getByRole("button", { name: "تفعيل" }).click()
    await page.waitForURL((url) => url.pathname === `/dashboard/${slug}`, { timeout: 60_000 })
    await page.getByRole("heading", { level: 1, name: "أهلًا بكم في لوحة جمعية الفجر الخيرية" }).waitFor()
    await page.screenshot({ path: `${results}onboarding-07-dashboard-ar.png`, fullPage: true })

    // 6. Settings: logo, colours, bank details, contact, donation presets.
    await page.getByTestId("dashboard-nav").getByRole("link", { name: "الإعدادات" }).click()
    await page.waitForURL((url) => url.pathname === `/dashboard/${slug}/settings`, { timeout: 60_000 })
    await hydrated(page)
    await field(page, "branding.primaryColour").fill("#0f5257")
    await field(page, "branding.accentColour").fill("#f2c14e")
    await field(page, "payments.bankTransfer.bank").fill("بنك بوبيان")
    await field(page, "payments.bankTransfer.beneficiary").fill("جمعية الفجر الخيرية")
    await field(page, "payments.bankTransfer.iban").fill("KW81 CBKU 0000 0000 0000 1234 5601 01")
    await field(page, "contact.phone").fill("+965 2255 7799")
    await field(page, "contact.address.ar").fill("الكويت، حولي، شارع تونس")
    await field(page, "contact.registrationNumber").fill("MSA-2026-071")
    await field(page, "donations.presets").fill("٥، 15, 30")
    await page
      .locator("#settings-logo")
      .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from(solidPng(120, 120, [242, 193, 78])) })
    await page.getByTestId("settings-logo").waitFor({ timeout: 60_000 })
    await page.getByTestId("settings-save").click()
    await page.getByTestId("action-done").waitFor({ timeout: 60_000 })
    expect(await field(page, "payments.bankTransfer.iban").inputValue()).toBe(IBAN)
    await page.screenshot({ path: `${results}onboarding-08-settings-saved-ar.png`, fullPage: true })

    // 7. The storefront: colours, logo and the contact footer.
    const visitor = await openPage(stack.browser)
    const shop = visitor.page
    await shop.goto(storefrontUrl(stack.web, slug, "/"))
    expect(await shop.locator(".site-header").evaluate((header) => getComputedStyle(header).backgroundColor)).toBe("rgb(15, 82, 87)")
    expect(await shop.locator(".shell").evaluate((shell) => getComputedStyle(shell).getPropertyValue("--accent").trim())).toBe("#f2c14e")
    const logo = shop.getByTestId("site-logo")
    await logo.evaluate((image: HTMLImageElement) =>
      image.complete ? undefined : new Promise((resolve) => image.addEventListener("load", resolve, { once: true }))
    )
    expect(await logo.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0)
    expect(await shop.getByTestId("footer-phone").innerText()).toBe("٢٢٥٥ ٧٧٩٩")
    expect(await shop.getByTestId("footer-address").innerText()).toBe("الكويت، حولي، شارع تونس")
    expect(await shop.getByTestId("footer-registration").innerText()).toBe("رقم الترخيص: MSA-٢٠٢٦-٠٧١")
    await shop.screenshot({ path: `${results}onboarding-09-storefront-ar.png`, fullPage: true })

    // 8. A donation by bank transfer: the thank-you page shows where to send it.
    await shop.goto(storefrontUrl(stack.web, slug, "/donate"))
    await hydrated(shop)
    const form = shop.getByTestId("donate-form")
    expect(await form.getByLabel("تحويل بنكي").isChecked()).toBe(true)
    await form.getByTestId("preset-15").check({ force: true })
    await form.getByLabel("الاسم").fill("أبو فهد")
    await form.getByLabel("رقم الهاتف").fill("+965 5000 4321")
    await form.getByRole("button", { name: "تبرّع الآن" }).click()
    await shop.waitForURL(/\/thanks\/[A-Za-z0-9_-]{32,64}(#donate)?$/, { timeout: 60_000 })
    expect(await shop.getByTestId("iban").innerText()).toBe(IBAN)
    expect(await shop.getByTestId("bank-transfer").innerText()).toContain("بنك بوبيان")
    await shop.screenshot({ path: `${results}onboarding-10-thanks-bank-transfer-ar.png`, fullPage: true })

    // Script errors and warnings; not Chromium's note of the refused calls this journey provokes on purpose.
    expect(problems.filter((problem) => !problem.startsWith("Failed to load resource: "))).toEqual([])
    await visitor.context.close()
    await context.close()
  })
})
