import { SqlClient } from "@effect/sql"
import {
  addMember,
  type CognitoPool,
  createCognitoUser,
  createPool,
  createTenant,
  TEST_PASSWORD,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import { openPage, periodWithRoom, results, services, signIn, totp, useStack } from "./harness.js"

// Production's pool requires MFA: the first sign-in sets up the authenticator through Cognito's MFA_SETUP challenge.
const { urls, pool: shared } = services()
let pool: CognitoPool
const stack = useStack({
  s3: false,
  before: async () => {
    pool = await createPool(shared.endpoint, `staff-${randomUUID().slice(0, 8)}`, "ON")
  },
  env: () => ({ COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId })
})
const at = (path: string) => `http://localhost:${stack.web.port}${path}`
const toArabicDigits = (code: string) => code.replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit)))

/** A new owner of a new tenant who has never signed in: a Cognito user without MFA and our row (as their first sign-in makes it). */
const newOwner = async (): Promise<{ email: string; tenant: TenantFixture }> => {
  const email = `first-${randomUUID().slice(0, 8)}@example.com`
  const sub = await createCognitoUser(pool, email, TEST_PASSWORD)
  const tenant = await withOwner(urls, createTenant({ nameAr: "جمعية الفجر", nameEn: "Al Fajr Society" }))
  await withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ id: string }>`select id from app.sign_in_user(${sub}, ${email})`
      yield* addMember(tenant.id, row!.id, "owner")
    })
  )
  return { email, tenant }
}

describe("a first sign-in when MFA is required, in Arabic", { timeout: 150_000 }, () => {
  it("sets up the authenticator in the sign-in itself (QR code, a wrong code refused, the secret kept across a reload), then opens the tenant", async () => {
    const { email, tenant } = await newOwner()
    const { context, page, problems } = await openPage(stack.browser)
    let secret = ""
    try {
      await page.goto(at("/signin"))
      await signIn(page, email)
      await page.getByRole("heading", { name: "إعداد تطبيق المصادقة" }).waitFor()
      expect(new URL(page.url()).pathname).toBe("/signin")
      await page.getByTestId("mfa-qr").locator("svg").waitFor()
      secret = (await page.getByTestId("mfa-secret").textContent())!.replace(/\s/g, "")
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/)
      expect(await page.getByTestId("otpauth-link").getAttribute("href")).toContain(`secret=${secret}`)
      await page.screenshot({ path: `${results}mfa-setup-challenge-ar.png`, fullPage: true })

      // A wrong code: the contract's bad-code problem in Arabic, the focus on it, still on the setup step.
      await periodWithRoom(20)
      const code = totp(secret)
      const codeField = page.getByLabel("ثم أدخلوا الرمز المكوّن من ستة أرقام الذي يظهر في التطبيق.")
      await codeField.fill(code === "000000" ? "111111" : "000000")
      await page.getByRole("button", { name: "تفعيل ودخول" }).click()
      await page.getByTestId("mfa-error").waitFor()
      expect(await page.getByTestId("mfa-error").textContent()).toContain("الرمز غير صحيح أو انتهت صلاحيته")
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("mfa-error")

      // A reload shows the same secret: the phone that scanned it stays right.
      await page.reload()
      await page.getByTestId("mfa-secret").waitFor()
      expect((await page.getByTestId("mfa-secret").textContent())!.replace(/\s/g, "")).toBe(secret)

      // The right code, typed in Arabic-Indic digits: signed in, straight to the tenant (no detour to /dashboard/mfa).
      await codeField.fill(toArabicDigits(code))
      await page.getByRole("button", { name: "تفعيل ودخول" }).click()
      await page.waitForURL((url) => url.pathname.startsWith(`/dashboard/${tenant.slug}`))
      await page.screenshot({ path: `${results}mfa-setup-challenge-done-ar.png`, fullPage: true })
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }

    // The next sign-in asks for the app's code (the next period's: the one used to set up cannot be replayed).
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 50))
    const again = await openPage(stack.browser)
    try {
      await again.page.goto(at("/signin"))
      await signIn(again.page, email, { code: () => totp(secret) })
      await again.page.waitForURL((url) => url.pathname.startsWith(`/dashboard/${tenant.slug}`))
    } finally {
      await again.context.close()
    }
  })

  it("works with JavaScript off", async () => {
    const { email, tenant } = await newOwner()
    const { context, page } = await openPage(stack.browser, { javaScriptEnabled: false })
    try {
      await page.goto(at("/signin"))
      await page.getByLabel("البريد الإلكتروني").fill(email)
      await page.getByLabel("كلمة المرور").fill(TEST_PASSWORD)
      await page.getByRole("button", { name: "دخول", exact: true }).click()
      await page.getByTestId("mfa-secret").waitFor()
      const secret = (await page.getByTestId("mfa-secret").textContent())!.replace(/\s/g, "")
      await periodWithRoom(20)
      await page.getByLabel("ثم أدخلوا الرمز المكوّن من ستة أرقام الذي يظهر في التطبيق.").fill(totp(secret))
      await page.getByRole("button", { name: "تفعيل ودخول" }).click()
      await page.waitForURL((url) => url.pathname.startsWith(`/dashboard/${tenant.slug}`))
    } finally {
      await context.close()
    }
  })
})
