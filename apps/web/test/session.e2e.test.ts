import { addMember, apiPeople, createTenant, withOwner } from "@manara/testkit"
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { openPage, ownerWithTotp, results, services, signIn, totp, useStack } from "./harness.js"

const { urls, pool } = services()

const people = apiPeople(() => stack.api.url, urls, pool)

const stack = useStack({ s3: false })

const at = (path: string) => `http://localhost:${stack.web.port}${path}`

/** A JWT (access, id or refresh token) starts with the base64url of `{"`: none may reach the browser. */
const JWT = /eyJ[A-Za-z0-9_-]{10,}/

/** Every same-origin answer the page received, as text: none may carry a token. */
const collectBodies = (page: Page) => {
  const bodies: Array<Promise<string>> = []
  page.on("response", (response) => {
    if (!response.url().startsWith(at("/"))) return
    if (response.status() >= 300 && response.status() < 400) return
    // The live inbox's stream never ends: it carries captures, and the web server adds the token on its side.
    if (response.headers()["content-type"]?.startsWith("text/event-stream")) return
    bodies.push(response.text().catch(() => ""))
  })
  return async () => Promise.all(bodies)
}

const ownerWithMfa = async (label: string) => {
  const tenant = await withOwner(urls, createTenant({ nameAr: "جمعية السلام", nameEn: "Al Salam Society" }))
  return { tenant, ...(await ownerWithTotp(people, tenant, label)) }
}

describe("the server-side session", { timeout: 90_000 }, () => {
  it("with JavaScript off: sign-in with the code, an httpOnly __Host- cookie and no token anywhere, server-rendered pages, forms that work, sign-out that ends it", async () => {
    const { tenant, owner, secret } = await ownerWithMfa("session-nojs")
    const { context, page } = await openPage(stack.browser, { javaScriptEnabled: false })
    const bodies = collectBodies(page)

    await page.goto(at(`/dashboard/${tenant.slug}/members`))
    await page.waitForURL((url) => url.pathname === "/signin")
    await signIn(page, owner.email, { code: () => totp(secret) })
    // The form actions brought the person back where they were going.
    await page.waitForURL(at(`/dashboard/${tenant.slug}/members`))
    await page.getByTestId("member-row").filter({ hasText: owner.email }).waitFor()
    await page.screenshot({ path: `${results}session-members-nojs-ar.png`, fullPage: true })

    // The browser holds one cookie: the session's id, httpOnly, __Host- (Secure, Path=/, no Domain), SameSite=Lax.
    const cookies = await context.cookies()
    expect(cookies.map((cookie) => cookie.name)).toEqual(["__Host-manara_session"])
    const [cookie] = cookies
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/", domain: "localhost" })
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/)

    // A form without JavaScript: the invitation is made by the action, and the page says so.
    const invitee = `nojs-${randomUUID().slice(0, 8)}@example.com`
    const invite = page.getByTestId("invite-form")
    await invite.getByLabel("البريد الإلكتروني").fill(invitee)
    await invite.getByRole("button", { name: "إنشاء الدعوة" }).click()
    expect(await page.getByTestId("invitation-link").innerText()).toMatch(new RegExp(`^${at("/invite")}\\?tenant=${tenant.slug}&token=`))
    await page.getByTestId("invitation-row").filter({ hasText: invitee }).waitFor()

    // Every dashboard page renders on the server: the home page and the English team page.
    await page.goto(at(`/dashboard/${tenant.slug}`))
    await page.getByRole("heading", { level: 1, name: "أهلًا بكم في لوحة جمعية السلام" }).waitFor()
    await page.goto(at(`/en/dashboard/${tenant.slug}/members`))
    await page.getByRole("heading", { level: 1, name: "Team" }).waitFor()
    await page.getByTestId("member-row").filter({ hasText: owner.email }).waitFor()

    // The inbox and the catalog too, lists and all, with no script to fetch them.
    await page.goto(at(`/dashboard/${tenant.slug}/inbox`))
    await page.getByRole("heading", { level: 1, name: "الوارد" }).waitFor()
    await page.getByTestId("inbox-empty").waitFor()
    await page.goto(at(`/dashboard/${tenant.slug}/catalog`))
    await page.getByTestId("catalog-empty").waitFor()

    for (const body of await bodies()) expect(body).not.toMatch(JWT)

    // Sign-out is a form too; afterwards the old cookie opens nothing.
    await page.goto(at(`/dashboard/${tenant.slug}`))
    await page.getByTestId("account-menu").locator("summary").click()
    await page.getByTestId("sign-out").click()
    await page.waitForURL(at("/signin"))
    expect(await context.cookies()).toEqual([])
    const replay = await fetch(at(`/dashboard/${tenant.slug}`), {
      redirect: "manual",
      headers: { cookie: `${cookie!.name}=${cookie!.value}` }
    })
    expect(replay.status).toBe(303)
    expect(replay.headers.get("location")).toBe(`/signin?next=${encodeURIComponent(`/dashboard/${tenant.slug}`)}`)
    // Nor does it reach the API through the proxy, which passes no tenant call at all.
    const proxied = await fetch(at("/api/v1/tenant/members"), {
      headers: { cookie: `${cookie!.name}=${cookie!.value}`, "x-tenant": tenant.slug }
    })
    expect(proxied.status).toBe(404)
    await context.close()
  })

  it("with JavaScript on: page scripts see no cookie and no token; the proxy refuses the auth endpoints", async () => {
    const { tenant, owner, secret } = await ownerWithMfa("session-js")
    const { context, page, problems } = await openPage(stack.browser)
    const bodies = collectBodies(page)
    await page.goto(at("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL(at(`/dashboard/${tenant.slug}`))
    await page.getByRole("navigation", { name: "أقسام لوحة التحكم" }).getByRole("link", { name: "الفريق" }).click()
    await page.getByTestId("member-row").filter({ hasText: owner.email }).waitFor()

    expect(await page.evaluate(() => document.cookie)).toBe("")
    expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toMatch(JWT)
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).toBe("{}{}")
    for (const body of await bodies()) expect(body).not.toMatch(JWT)

    // The browser cannot ask the API for tokens through this origin.
    for (const path of ["/api/v1/auth/refresh", "/api/v1/auth/login", "/api/v1/auth/mfa"]) {
      const status = await page.evaluate(
        (url) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).then((r) => r.status),
        path
      )
      expect(status).toBe(404)
    }
    expect(problems.filter((problem) => !problem.startsWith("Failed to load resource: "))).toEqual([])
    await context.close()
  })

  it("MFA setup without JavaScript: a QR code, the same secret after a reload, then the dashboard", async () => {
    const tenant = await withOwner(urls, createTenant({ nameAr: "جمعية الرحمة", nameEn: "Al Rahma" }))
    const owner = await people.person("session-setup")
    await withOwner(urls, addMember(tenant.id, owner.userId, "owner"))
    const { context, page } = await openPage(stack.browser, { javaScriptEnabled: false })
    await page.goto(at("/signin"))
    await signIn(page, owner.email)
    await page.waitForURL(at("/dashboard/mfa"))
    await page.getByTestId("mfa-qr").locator("svg").waitFor()
    const secret = (await page.getByTestId("mfa-secret").innerText()).replace(/\s+/g, "")
    await page.reload()
    expect((await page.getByTestId("mfa-secret").innerText()).replace(/\s+/g, "")).toBe(secret)
    await page.getByLabel("ثم أدخلوا الرمز").fill("12345")
    await page.getByRole("button", { name: "تفعيل" }).click()
    expect(await page.getByTestId("mfa-error").innerText()).toBe("الرمز ستة أرقام.")
    await page.getByLabel("ثم أدخلوا الرمز").fill(totp(secret))
    await page.getByRole("button", { name: "تفعيل" }).click()
    await page.waitForURL(at(`/dashboard/${tenant.slug}`))
    await page.getByRole("heading", { level: 1, name: "أهلًا بكم في لوحة جمعية الرحمة" }).waitFor()
    await context.close()
  })
})
