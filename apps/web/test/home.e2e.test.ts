import { addMember, apiPeople, createTenant, markMfaEnabled, type TenantFixture, TEST_PASSWORD, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import type { BrowserContext } from "playwright-core"
import { describe, expect, it } from "vitest"
import { givingTenant, psqlInTenant, services, signIn, useStack, watchProblems, hydrated } from "./harness.js"

const { urls, pool } = services()

let tenant: TenantFixture
const contexts: Array<BrowserContext> = []
const people = apiPeople(() => stack.api.url, urls, pool)
const at = (path: string) => `http://localhost:${stack.web.port}${path}`

const stack = useStack({
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية الفجر", nameEn: "Al Fajr Society" }))
    givingTenant(urls.ownerUrl, tenant.id, "school-roof", { ar: "سقف المدرسة", en: "The school roof" })
  },
  closeFirst: async () => {
    for (const context of contexts) await context.close()
  },
  stopTimeout: 60_000
})

/** A signed-in owner's browser, with or without JavaScript. */
const ownerBrowser = async (javaScriptEnabled: boolean) => {
  const owner = await people.person(`home-owner-${javaScriptEnabled ? "js" : "nojs"}`)
  await withOwner(urls, Effect.zipRight(addMember(tenant.id, owner.userId, "owner"), markMfaEnabled(owner.userId)))
  const context = await stack.browser.newContext({ viewport: { width: 390, height: 900 }, javaScriptEnabled })
  contexts.push(context)
  const page = await context.newPage()
  const problems = watchProblems(page)
  await page.goto(at("/signin"))
  await signIn(page, owner.email)
  await page.waitForURL(at(`/dashboard/${tenant.slug}`))
  return { owner, page, problems }
}

describe("the dashboard a new staff member meets", { timeout: 120_000 }, () => {
  it("home shows today's and this month's figures in Arabic-Indic digits and KWD, the payment awaiting, the latest, and links to them and the site", async () => {
    const response = await fetch(`${stack.api.url}/api/v1/public/donations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.localhost` },
      body: JSON.stringify({
        amount: "1250.5",
        project: "school-roof",
        donor: { name: "مريم", phone: "+96560004444" },
        paymentMethod: "bank_transfer"
      })
    })
    expect(response.status).toBe(201)
    const { reference } = (await response.json()) as { reference: string }
    const { page, problems } = await ownerBrowser(true)

    const today = page.getByTestId("home-today")
    expect(await today.locator('tr[data-kind="donation"]').innerText()).toMatch(/تبرع\s+١\s+١٬?٢٥٠٫٥٠٠ د\.ك/)
    expect(await today.locator('tr[data-kind="order"]').innerText()).toMatch(/\s٠\s+٠٫٠٠٠ د\.ك/)
    expect(await page.getByTestId("home-month").locator('tr[data-kind="donation"]').innerText()).toMatch(/١٬?٢٥٠٫٥٠٠ د\.ك/)
    // Arabic's plural "one" form says the word (paraglide plurals).
    expect(await page.getByTestId("home-awaiting").innerText()).toContain("واحد بانتظار التأكيد")
    expect(await page.getByTestId("view-site").getAttribute("href")).toBe(`http://${tenant.slug}.localhost:${stack.web.port}/`)
    // The latest capture's link opens it.
    await page.getByTestId("home-latest").getByRole("link", { name: reference }).click()
    await page.waitForURL((url) => url.pathname.startsWith(`/dashboard/${tenant.slug}/inbox/donation/`))

    await page.goto(at(`/en/dashboard/${tenant.slug}`))
    expect(await page.getByTestId("home-today").locator('tr[data-kind="donation"]').innerText()).toMatch(/Donation\s+1\s+KWD 1,250\.500/)
    expect(problems.filter((problem) => !problem.startsWith("Failed to load resource: "))).toEqual([])
  })

  it("a new item's slug follows the English title as it is typed", async () => {
    const { page } = await ownerBrowser(true)
    await page.goto(at(`/en/dashboard/${tenant.slug}/catalog/new`))
    await hydrated(page)
    const slug = page.getByLabel("Address (slug)")
    // Typed before the page's script has loaded, the title moves nothing: type it again until it has.
    for (let attempt = 0; attempt < 20 && (await slug.inputValue()) === ""; attempt++) {
      await page.getByLabel("Title in English").fill("Winter Blankets — 2026")
      await slug.evaluate((input: HTMLInputElement) => input.value === "" && new Promise((resolve) => setTimeout(resolve, 500)))
    }
    expect(await slug.inputValue()).toBe("winter-blankets-2026")
    // Typed by hand, it is theirs.
    await page.getByLabel("Address (slug)").fill("blankets")
    await page.getByLabel("Title in English").fill("Winter Blankets for families")
    expect(await page.getByLabel("Address (slug)").inputValue()).toBe("blankets")
  })

  it("without JavaScript: an invitation is withdrawn from the members page, and its link then says so", async () => {
    const { owner, page } = await ownerBrowser(false)
    const invitee = await people.person("withdrawn-invitee")
    const created = await people.call("POST", "/tenant/invitations", owner, tenant.slug, { email: invitee.email, role: "member" })
    const { token } = (await created.json()) as { token: string }
    await page.goto(at(`/dashboard/${tenant.slug}/members`))
    const row = page.getByTestId("invitation-row").filter({ hasText: invitee.email })
    await row.getByRole("button", { name: `سحب الدعوة المرسلة إلى ${invitee.email}` }).click()
    expect(await page.getByTestId("action-done").innerText()).toBe(`سُحبت دعوة ${invitee.email}.`)
    expect(await row.count()).toBe(0)
    expect(
      psqlInTenant(
        urls.ownerUrl,
        tenant.id,
        `select action from audit_log where action = 'member.invitation_revoked' and actor_user_id = '${owner.userId}'`
      )
    ).toBe("member.invitation_revoked")

    const inviteeContext = await stack.browser.newContext({ javaScriptEnabled: false })
    contexts.push(inviteeContext)
    const invitePage = await inviteeContext.newPage()
    await invitePage.goto(at("/signin"))
    await signIn(invitePage, invitee.email, { password: TEST_PASSWORD })
    await invitePage.goto(at(`/invite?tenant=${tenant.slug}&token=${token}`))
    // The link's preview already knows: it says so, and offers no accept button.
    expect(await invitePage.getByTestId("invite-error").innerText()).toBe("سحبت الجهة هذه الدعوة؛ اطلبوا دعوة جديدة.")
    expect(await invitePage.getByTestId("invite-accept").count()).toBe(0)
  })
})
