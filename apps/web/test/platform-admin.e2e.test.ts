import { SqlClient } from "@effect/sql"
import { apiPeople, createCognitoUser, createTenant, TEST_PASSWORD, uniqueSlug, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import { hydrated, openPage, ownerWithTotp, results, services, signIn, storefrontUrl, totp, useStack } from "./harness.js"

const { urls, pool } = services()
const adminEmail = `platform-admin-${randomUUID().slice(0, 8)}@example.com`

// The platform admin exists before the API starts: its user cache cannot hold the flag back.
const stack = useStack({
  before: async () => {
    const sub = await createCognitoUser(pool, adminEmail, TEST_PASSWORD)
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`insert into users (cognito_sub, email, is_platform_admin, mfa_enabled) values (${sub}, ${adminEmail}, true, true)`
      )
    )
  }
})
const people = apiPeople(() => stack.api.url, urls, pool)
const at = (path: string) => `http://localhost:${stack.web.port}${path}`

describe("the platform admin console, in Arabic", { timeout: 180_000 }, () => {
  it("creates a tenant, suspends it, and its storefront shows the bilingual notice", async () => {
    const { context, page } = await openPage(stack.browser)
    await page.goto(at("/signin"))
    await signIn(page, adminEmail)
    await page.waitForURL((url) => url.pathname.startsWith("/dashboard"))

    await page.goto(at("/admin"))
    await expect(page.getByRole("heading", { level: 1, name: "إدارة المنصة" }).isVisible()).resolves.toBe(true)
    await page.screenshot({ path: `${results}platform-admin-1-tenants-ar.png`, fullPage: true })

    const slug = uniqueSlug("amal")
    const owner = `owner-${randomUUID().slice(0, 8)}@example.com`
    await page.getByRole("link", { name: "جهة جديدة" }).click()
    await page.waitForURL((url) => url.pathname === "/admin/tenants/new")
    await hydrated(page)
    await page.getByLabel("المعرّف (حروف لاتينية صغيرة وأرقام وشرطات)").fill(slug)
    await page.getByLabel("الاسم بالعربية").fill("جمعية الأمل الخيرية")
    await page.getByLabel("الاسم بالإنجليزية").fill("Al Amal Charity")
    await page.getByLabel("النوع").selectOption("charity")
    await page.getByLabel("الباقة").selectOption("free")
    await page.getByLabel("بريد المالك (تصله دعوة)").fill(owner)
    await page.screenshot({ path: `${results}platform-admin-2-new-tenant-ar.png`, fullPage: true })
    await page.getByTestId("admin-create").click()
    await page.waitForURL((url) => url.pathname.startsWith("/admin/tenants/") && !url.pathname.endsWith("/new"))
    await expect(page.getByTestId("admin-tenant-name").textContent()).resolves.toBe("جمعية الأمل الخيرية")
    await expect(page.getByTestId("admin-created").textContent()).resolves.toContain(owner)
    await page.screenshot({ path: `${results}platform-admin-3-created-ar.png`, fullPage: true })
    // The owner's invitation waits in the new tenant's outbox.
    const [tenant] = await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from tenants where slug = ${slug}`)
    )
    const outbox = await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.withTransaction(
          Effect.zipRight(
            sql`select set_config('app.current_tenant', ${tenant!.id}, true)`,
            sql<{ event: string; target: string }>`select event, target from notification_outbox`
          )
        )
      )
    )
    expect(outbox).toEqual([{ event: "member.invited", target: owner }])

    const visitor = await stack.browser.newPage()
    const before = await visitor.goto(storefrontUrl(stack.web, slug))
    expect(before?.status()).toBe(200)
    await expect(visitor.getByTestId("storefront-name").textContent()).resolves.toBe("جمعية الأمل الخيرية")

    await page.getByTestId("admin-status-toggle").click()
    await page.getByTestId("action-done").waitFor()
    await expect(page.getByTestId("admin-tenant-status").textContent()).resolves.toBe("موقوفة")
    await page.screenshot({ path: `${results}platform-admin-4-suspended-ar.png`, fullPage: true })

    // The very next request: no storefront, the notice in Arabic and English.
    const after = await visitor.goto(storefrontUrl(stack.web, slug))
    expect(after?.status()).toBe(403)
    const notice = visitor.getByTestId("suspended-notice")
    await expect(notice.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("هذا الموقع موقوف مؤقتاً")
    await expect(notice.getByRole("heading", { level: 2 }).textContent()).resolves.toBe("This site is suspended for now")
    await visitor.screenshot({ path: `${results}platform-admin-5-storefront-suspended.png`, fullPage: true })
    expect((await visitor.goto(storefrontUrl(stack.web, slug, "/donate")))?.status()).toBe(403)
    await visitor.close()
    await context.close()
  })

  it("the platform's own host is a landing page with sign-in; a tenant owner finds no /admin", async () => {
    const visitor = await stack.browser.newPage()
    const landing = await visitor.goto(at("/"))
    expect(landing?.status()).toBe(200)
    expect(new URL(visitor.url()).pathname).toBe("/welcome")
    await expect(visitor.getByTestId("platform-landing").getByRole("heading", { level: 1 }).textContent()).resolves.toContain("منارة")
    await expect(visitor.getByTestId("landing-signin").getAttribute("href")).resolves.toBe("/signin")
    await visitor.screenshot({ path: `${results}platform-landing-ar.png`, fullPage: true })
    expect((await visitor.goto(at("/en")))?.status()).toBe(200)
    expect(new URL(visitor.url()).pathname).toBe("/en/welcome")
    await visitor.close()

    const tenant = await withOwner(urls, createTenant())
    const { owner, secret } = await ownerWithTotp(people, tenant, "owner")
    const { context, page } = await openPage(stack.browser)
    await page.goto(at("/signin"))
    await signIn(page, owner.email, { code: () => totp(secret) })
    await page.waitForURL((url) => url.pathname.startsWith("/dashboard"))
    const refused = await page.goto(at("/admin"))
    expect(refused?.status()).toBe(404)
    expect((await page.goto(at("/admin/plans")))?.status()).toBe(404)
    await context.close()
  })
})
