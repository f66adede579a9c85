import { codeLogOffset, createTenant, emailedCode, apiPeople, withOwner } from "@manara/testkit"
import { describe, expect, it } from "vitest"
import { hydrated, openPage, ownerWithTotp, results, services, signIn, totp, useStack } from "./harness.js"

const { urls, pool } = services()
// Code emails are limited per IP, and the OpenAPI fuzz suite spends this run's loopback allowance: counters of our own.
const stack = useStack({ s3: false, env: { REDIS_KEY_PREFIX: `${urls.database}:forgot:` } })
const people = apiPeople(() => stack.api.url, urls, pool)
const at = (path: string) => `http://localhost:${stack.web.port}${path}`
const NEW_PASSWORD = "Nour-Jadeed-2026!"

describe("forgotten password, in Arabic", { timeout: 120_000 }, () => {
  it("the sign-in page's link, the emailed code, a new password, then sign-in with it (and the authenticator)", async () => {
    const tenant = await withOwner(urls, createTenant({ nameAr: "جمعية النور", nameEn: "Al Nour Society" }))
    const { owner, secret } = await ownerWithTotp(people, tenant, "forgot")
    const { context, page } = await openPage(stack.browser)
    try {
      await page.goto(at("/signin"))
      expect(await page.locator("html").getAttribute("dir")).toBe("rtl")
      await hydrated(page)
      await page.getByRole("link", { name: "نسيتم كلمة المرور؟" }).click()
      await page.waitForURL((url) => url.pathname === "/forgot")
      await page.getByRole("heading", { name: "استعادة كلمة المرور" }).waitFor()

      const since = codeLogOffset(pool.log!)
      await page.getByLabel("البريد الإلكتروني").fill(owner.email)
      await page.getByRole("button", { name: "أرسلوا الرمز" }).click()
      await page.getByTestId("forgot-sent").waitFor()
      await page.screenshot({ path: `${results}forgot-code-sent-ar.png`, fullPage: true })
      // What cognito-local "emailed" (its log: it has no mail of its own; docs/auth.md).
      const code = await emailedCode(pool.log!, owner.email, since)

      // A wrong code: the contract's wrong-code problem, in Arabic, and the focus on it.
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0")
      await page.getByLabel("الرمز المرسل بالبريد (٦ أرقام)").fill(wrong)
      await page.getByLabel("كلمة المرور الجديدة").fill(NEW_PASSWORD)
      await page.getByRole("button", { name: "احفظوا كلمة المرور الجديدة" }).click()
      await expect.poll(() => page.getByTestId("forgot-error").textContent()).toContain("هذا ليس الرمز الذي أرسلناه")
      // A weak password: the weak-password problem.
      await page.getByLabel("الرمز المرسل بالبريد (٦ أرقام)").fill(code)
      await page.getByLabel("كلمة المرور الجديدة").fill("ضعيفة")
      await page.getByRole("button", { name: "احفظوا كلمة المرور الجديدة" }).click()
      await expect.poll(() => page.getByTestId("forgot-error").textContent()).toContain("كلمة المرور ضعيفة")
      await page.screenshot({ path: `${results}forgot-weak-password-ar.png`, fullPage: true })

      // The right code (typed in Arabic-Indic digits) and a strong password.
      const arabicDigits = code.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit)))
      await page.getByLabel("الرمز المرسل بالبريد (٦ أرقام)").fill(arabicDigits)
      await page.getByLabel("كلمة المرور الجديدة").fill(NEW_PASSWORD)
      await page.getByRole("button", { name: "احفظوا كلمة المرور الجديدة" }).click()
      await page.waitForURL((url) => url.pathname === "/signin" && url.searchParams.get("reset") === "1")
      await page.getByTestId("signin-reset-done").waitFor()
      await page.screenshot({ path: `${results}forgot-reset-done-ar.png`, fullPage: true })

      // The old password no longer opens it; the new one does (then the authenticator's code).
      expect((await people.post("/auth/login", { email: owner.email, password: "Str0ng-Passw0rd!" })).status).toBe(401)
      await signIn(page, owner.email, { password: NEW_PASSWORD, code: () => totp(secret) })
      await page.waitForURL((url) => url.pathname.startsWith(`/dashboard/${tenant.slug}`))
    } finally {
      await context.close()
    }
  })

  it("an email without an account gets the same page as one with an account", async () => {
    const { context, page } = await openPage(stack.browser)
    try {
      await page.goto(at("/forgot"))
      await hydrated(page)
      await page.getByLabel("البريد الإلكتروني").fill("nobody-here@example.com")
      await page.getByRole("button", { name: "أرسلوا الرمز" }).click()
      // The sent step or a refusal, whichever comes: a refusal fails here with its words.
      await page.getByTestId("forgot-sent").or(page.getByTestId("forgot-error")).waitFor()
      expect(await page.getByTestId("forgot-error").allTextContents()).toEqual([])
      expect(await page.getByTestId("forgot-sent").textContent()).toContain("nobody-here@example.com")
    } finally {
      await context.close()
    }
  })
})
