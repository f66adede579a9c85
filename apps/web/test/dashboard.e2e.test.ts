import { startApi } from "@manara/api/server"
import { addMember, apiEnv, apiPeople, createCognitoUser, createTenant, markMfaEnabled, TEST_PASSWORD, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import {
  arabicSignIn,
  enableTotp,
  freePort,
  htmlAttributes,
  openPage,
  redisEnv,
  results,
  services,
  signIn,
  startWeb,
  stopWeb,
  totp,
  useStack,
  hydrated
} from "./harness.js"

const { urls, pool } = services()

const otherCode = (code: string) => (code === "000000" ? "111111" : "000000")

const people = apiPeople(() => stack.api.url, urls, pool)
const person = people.person

/** Script errors and warnings; not Chromium's note of each refused call (401 before a refresh, 409 last owner): the tests check what the page says of those. */
const unexpected = (problems: ReadonlyArray<string>) => problems.filter((problem) => !problem.startsWith("Failed to load resource: "))

const newPage = () => openPage(stack.browser)

const stack = useStack({ s3: false })

// `localhost` is the platform's own host; `nowhere.localhost` a host no storefront answers: the dashboard works on both.
const platform = (path: string) => `http://localhost:${stack.web.port}${path}`
const unknownHost = (path: string) => `http://nowhere.localhost:${stack.web.port}${path}`

const signInWithPassword = (page: Page, email: string, password: string, labels = arabicSignIn) => signIn(page, email, { password, labels })

// Whole journeys through a real browser, API, Cognito emulator and database: well past the default 5 s.
describe("dashboard", { timeout: 60_000 }, () => {
  it("an owner without MFA sets it up first, then sees the tenant in Arabic, invites a member who joins, and signs out", async () => {
    const names = { ar: "جمعية الأمل الخيرية", en: "Al Amal Charity" }
    const tenant = await withOwner(urls, createTenant({ nameAr: names.ar, nameEn: names.en }))
    const owner = await person("owner")
    await withOwner(urls, addMember(tenant.id, owner.userId, "owner"))
    const inviteeEmail = `invitee-${randomUUID().slice(0, 8)}@example.com`
    await createCognitoUser(pool, inviteeEmail, TEST_PASSWORD)

    const { context, page, problems } = await newPage()
    // An unknown host has no storefront (404), yet sign-in works there.
    expect((await page.goto(unknownHost("/")))?.status()).toBe(404)
    const signin = await page.goto(unknownHost("/signin"))
    expect(signin?.status()).toBe(200)
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "تسجيل الدخول" }).waitFor()
    await signInWithPassword(page, owner.email, TEST_PASSWORD)

    // Owners must set up an authenticator before anything else.
    await page.waitForURL(unknownHost("/dashboard/mfa"))
    await page.getByRole("heading", { level: 1, name: "إعداد تطبيق المصادقة" }).waitFor()
    const secret = (await page.getByTestId("mfa-secret").innerText()).replace(/\s+/g, "")
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/)
    expect(await page.getByTestId("otpauth-link").getAttribute("href")).toMatch(new RegExp(`^otpauth://totp/.+secret=${secret}`))
    await page.screenshot({ path: `${results}dashboard-mfa-setup-ar.png`, fullPage: true })
    await page.getByLabel("ثم أدخلوا الرمز").fill(otherCode(totp(secret)))
    await page.getByRole("button", { name: "تفعيل" }).click()
    await page.getByTestId("mfa-error").waitFor()
    expect(page.url()).toBe(unknownHost("/dashboard/mfa"))
    await page.getByLabel("ثم أدخلوا الرمز").fill(totp(secret))
    await page.getByRole("button", { name: "تفعيل" }).click()

    // One membership: straight to its dashboard, in the tenant's Arabic name.
    await page.waitForURL(unknownHost(`/dashboard/${tenant.slug}`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: `أهلًا بكم في لوحة ${names.ar}` }).waitFor()
    expect(await page.getByTestId("tenant-name").innerText()).toBe(names.ar)
    // A single membership needs no switcher.
    expect(await page.getByTestId("tenant-switcher").count()).toBe(0)
    await page.screenshot({ path: `${results}dashboard-home-ar.png`, fullPage: true })

    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "الفريق" }).click()
    await page.waitForURL(unknownHost(`/dashboard/${tenant.slug}/members`))
    const ownerRow = page.getByTestId("member-row").filter({ hasText: owner.email })
    await ownerRow.waitFor()
    expect(await ownerRow.innerText()).toContain("مالك")
    expect(await ownerRow.innerText()).toContain("مفعّلة")
    await page.getByTestId("no-invitations").waitFor()

    // The last owner cannot demote themselves: the API's refusal is shown in Arabic.
    await page.getByLabel(`دور ${owner.email}`, { exact: true }).selectOption("admin")
    await page.getByRole("button", { name: `حفظ دور ${owner.email}` }).click()
    expect(await page.getByTestId("action-error").innerText()).toContain("يجب أن يبقى للجهة مالك واحد على الأقل")
    expect(await page.getByLabel(`دور ${owner.email}`, { exact: true }).inputValue()).toBe("owner")

    const invite = page.getByTestId("invite-form")
    await invite.getByLabel("البريد الإلكتروني").fill(inviteeEmail)
    await invite.getByLabel("الدور").selectOption("member")
    await invite.getByRole("button", { name: "إنشاء الدعوة" }).click()
    const link = await page.getByTestId("invitation-link").innerText()
    expect(link).toMatch(new RegExp(`^${unknownHost("/invite")}\\?tenant=${tenant.slug}&token=[A-Za-z0-9_-]{20,}$`))
    const invitationRow = page.getByTestId("invitation-row").filter({ hasText: inviteeEmail })
    await invitationRow.waitFor()
    expect(await invitationRow.innerText()).toContain("عضو")
    await page.screenshot({ path: `${results}dashboard-members-ar.png`, fullPage: true })

    // The invitee opens the link, signs in (it brings them back) and joins.
    const invitee = await newPage()
    await invitee.page.goto(link)
    await hydrated(invitee.page)
    await invitee.page.getByTestId("invite-sign-in").click()
    await invitee.page.waitForURL((url) => url.pathname === "/signin" && url.searchParams.get("next")?.startsWith("/invite?") === true)
    await signInWithPassword(invitee.page, inviteeEmail, TEST_PASSWORD)
    await invitee.page.waitForURL(link)
    await invitee.page.getByTestId("invite-accept").click()
    await invitee.page.waitForURL(unknownHost(`/dashboard/${tenant.slug}`))
    await invitee.page.getByRole("heading", { level: 1, name: `أهلًا بكم في لوحة ${names.ar}` }).waitFor()
    expect(await invitee.page.locator(".lead").innerText()).toBe("دوركم: عضو")
    // A member sees the team but may not change it.
    await invitee.page.goto(unknownHost(`/dashboard/${tenant.slug}/members`))
    await invitee.page.getByTestId("member-row").filter({ hasText: owner.email }).waitFor()
    expect(await invitee.page.getByRole("button", { name: /حفظ دور|إزالة/ }).count()).toBe(0)
    expect(await invitee.page.getByTestId("invite-form").count()).toBe(0)
    expect(unexpected(invitee.problems)).toEqual([])
    await invitee.context.close()

    // Back on the owner's page the member is listed and the invitation gone.
    await page.reload()
    const joined = page.getByTestId("member-row").filter({ hasText: inviteeEmail })
    await joined.waitFor()
    await page.getByTestId("no-invitations").waitFor()

    // The owner promotes the new member, then removes them (after confirming).
    await page.getByLabel(`دور ${inviteeEmail}`, { exact: true }).selectOption("admin")
    await page.getByRole("button", { name: `حفظ دور ${inviteeEmail}` }).click()
    await page
      .getByTestId("action-done")
      .filter({ hasText: `تغيّر دور ${inviteeEmail}` })
      .waitFor()
    expect(await joined.locator("td").nth(2).innerText()).toBe("مشرف")
    page.once("dialog", (dialog) => void dialog.accept())
    await page.getByRole("button", { name: `إزالة ${inviteeEmail} من الفريق` }).click()
    await page
      .getByTestId("action-done")
      .filter({ hasText: `أُزيل ${inviteeEmail} من الفريق` })
      .waitFor()
    expect(await joined.count()).toBe(0)

    await page.getByTestId("account-menu").locator("summary").click()
    await page.getByTestId("sign-out").click()
    await page.waitForURL(unknownHost("/signin"))
    await page.goto(unknownHost(`/dashboard/${tenant.slug}`))
    await page.waitForURL((url) => url.pathname === "/signin")
    expect(new URL(page.url()).searchParams.get("next")).toBe(`/dashboard/${tenant.slug}`)
    expect(unexpected(problems)).toEqual([])
    await context.close()
  })

  it("an owner with MFA gets the code step, a wrong code is refused, the right one gets in; picker, switcher and English work", async () => {
    const home = await withOwner(urls, createTenant({ nameAr: "جمعية البر", nameEn: "Al Birr Society" }))
    const second = await withOwner(urls, createTenant({ nameAr: "متجر الخير", nameEn: "Al Khair Store" }))
    const owner = await person("mfa-owner")
    await withOwner(urls, Effect.zipRight(addMember(home.id, owner.userId, "owner"), addMember(second.id, owner.userId, "member")))
    const secret = await enableTotp(people, owner)

    const { context, page, problems } = await newPage()
    await page.goto(platform("/signin"))
    await hydrated(page)
    await signInWithPassword(page, owner.email, TEST_PASSWORD)
    await page.getByRole("heading", { level: 1, name: "رمز التحقق" }).waitFor()
    const code = page.getByLabel("رمز التحقق (٦ أرقام)")
    await code.fill(otherCode(totp(secret)))
    await page.getByRole("button", { name: "تحقّق" }).click()
    expect(await page.getByTestId("signin-error").innerText()).toContain("الرمز غير صحيح")
    expect(new URL(page.url()).pathname).toBe("/signin")
    await page.screenshot({ path: `${results}dashboard-signin-code-ar.png`, fullPage: true })
    // Typed on an Arabic keyboard: Arabic-Indic digits are read as the code.
    await code.fill(totp(secret).replace(/[0-9]/g, (digit) => String.fromCharCode(0x0660 + Number(digit))))
    await page.getByRole("button", { name: "تحقّق" }).click()

    // Two memberships: the picker, in Arabic names.
    await page.waitForURL(platform("/dashboard"))
    const picker = page.getByTestId("tenant-picker")
    await picker.getByRole("link", { name: /جمعية البر/ }).waitFor()
    expect(await picker.innerText()).toContain("متجر الخير")
    await picker.getByRole("link", { name: /جمعية البر/ }).click()
    await page.waitForURL(platform(`/dashboard/${home.slug}`))
    await page.getByRole("heading", { level: 1, name: "أهلًا بكم في لوحة جمعية البر" }).waitFor()

    // English: a full page load; the server finds the session by its cookie.
    await page.getByTestId("language-switch").click()
    await page.waitForURL(platform(`/en/dashboard/${home.slug}`))
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    await page.getByRole("heading", { level: 1, name: "Welcome to Al Birr Society's dashboard" }).waitFor()
    expect(await page.locator(".lead").innerText()).toBe("Your role: Owner")
    await page.screenshot({ path: `${results}dashboard-home-en.png`, fullPage: true })

    // The switcher, in the header, opens the other tenant (still in English).
    const switcher = page.getByTestId("tenant-switcher")
    await switcher.locator("summary").click()
    await switcher.getByRole("link", { name: "Al Khair Store" }).click()
    await page.waitForURL(platform(`/en/dashboard/${second.slug}`))
    await page.getByRole("heading", { level: 1, name: "Welcome to Al Khair Store's dashboard" }).waitFor()
    expect(await page.locator(".lead").innerText()).toBe("Your role: Member")

    await page.getByTestId("language-switch").click()
    await page.waitForURL(platform(`/dashboard/${second.slug}`))
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    await page.getByRole("heading", { level: 1, name: "أهلًا بكم في لوحة متجر الخير" }).waitFor()
    expect(unexpected(problems)).toEqual([])
    await context.close()
  })

  it("a dashboard URL without a session goes to sign-in with next, and comes back there after signing in", async () => {
    const tenant = await withOwner(urls, createTenant({ nameAr: "مسجد النور", nameEn: "Al Noor Mosque" }))
    const admin = await person("admin")
    await withOwner(urls, Effect.zipRight(addMember(tenant.id, admin.userId, "admin"), markMfaEnabled(admin.userId)))

    const { context, page, problems } = await newPage()
    const target = `/dashboard/${tenant.slug}/members`
    // No session: the server itself sends the page to sign-in, in the URL's language, whatever the host.
    for (const [url, signin] of [
      [platform(target), "/signin"],
      [`http://127.0.0.1:${stack.web.port}/en${target}`, "/en/signin"]
    ] as const) {
      const answer = await fetch(url, { redirect: "manual" })
      expect(answer.status).toBe(303)
      expect(answer.headers.get("location")).toBe(`${signin}?next=${encodeURIComponent(target)}`)
    }
    expect((await page.goto(platform(`/en${target}`)))?.status()).toBe(200)
    await page.waitForURL((url) => url.pathname === "/en/signin")
    expect(new URL(page.url()).searchParams.get("next")).toBe(target)
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })

    const english = { email: "Email", password: "Password", submit: "Sign in" }
    await signInWithPassword(page, admin.email, "not-the-password", english)
    expect(await page.getByTestId("signin-error").innerText()).toBe("The email or password is wrong.")
    await signInWithPassword(page, admin.email, TEST_PASSWORD, english)
    await page.waitForURL(platform(`/en${target}`))
    await page.getByRole("heading", { level: 1, name: "Team" }).waitFor()
    await page.getByTestId("member-row").filter({ hasText: admin.email }).waitFor()
    // An admin invites but does not change roles or remove.
    await page.getByTestId("invite-form").waitFor()
    expect(await page.getByRole("button", { name: /^Remove / }).count()).toBe(0)
    await page.screenshot({ path: `${results}dashboard-members-en.png`, fullPage: true })

    // An outside `next` is ignored: after sign-in the person stays on this site.
    await page.goto(platform("/en/signin?next=//evil.example/steal"))
    await signInWithPassword(page, admin.email, TEST_PASSWORD, english)
    await page.waitForURL(platform(`/en/dashboard/${tenant.slug}`))
    expect(unexpected(problems)).toEqual([])
    await context.close()
  })

  it("sign-in says when the API is unreachable, and when too many attempts were made, with how long to wait", async () => {
    const limited = await startApi(
      apiEnv(urls, pool, { PLATFORM_DOMAIN: "localhost", LOGIN_LIMIT_PER_ACCOUNT: "2", LOGIN_LIMIT_WINDOW_SECONDS: "600" })
    )
    const limitedWeb = await startWeb(limited.url, redisEnv())
    // A web server whose API answers nowhere (a port nothing listens on).
    const orphanWeb = await startWeb(`http://127.0.0.1:${await freePort()}`)
    try {
      const email = `limited-${randomUUID().slice(0, 8)}@example.com`
      await createCognitoUser(pool, email, TEST_PASSWORD)
      const { context, page, problems } = await newPage()
      await page.goto(`http://localhost:${orphanWeb.port}/signin`)
      await signInWithPassword(page, email, TEST_PASSWORD)
      expect(await page.getByTestId("signin-error").innerText()).toBe("الخدمة غير متاحة مؤقتًا. حاولوا مرة أخرى بعد قليل.")

      await page.goto(`http://localhost:${limitedWeb.port}/signin`)
      for (let attempt = 0; attempt < 2; attempt++) {
        await signInWithPassword(page, email, "wrong-password")
        expect(await page.getByTestId("signin-error").innerText()).toBe("البريد الإلكتروني أو كلمة المرور غير صحيحة.")
      }
      // Blocked before the password is even checked: the right one waits too.
      await signInWithPassword(page, email, TEST_PASSWORD)
      expect(await page.getByTestId("signin-error").innerText()).toMatch(
        /^محاولات كثيرة\. حاولوا مرة أخرى بعد [٠-٩]+ (دقيقة|دقيقتين|دقائق)\.$/
      )
      expect(await page.getByRole("button", { name: "دخول", exact: true }).isDisabled()).toBe(true)
      expect(new URL(page.url()).pathname).toBe("/signin")
      await page.screenshot({ path: `${results}dashboard-signin-limited-ar.png`, fullPage: true })
      expect(unexpected(problems)).toEqual([])
      await context.close()
    } finally {
      await stopWeb(orphanWeb)
      await stopWeb(limitedWeb)
      await limited.close()
    }
  })
})
