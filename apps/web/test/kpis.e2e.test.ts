import { seedDemoTraffic } from "@manara/cli"
import { apiPeople, asOwnerInTenant, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { formatKwd, formatNumber, presets } from "../src/lib/dashboard/kpis.js"
import { htmlAttributes, openPage, results, services, signIn, useStack } from "./harness.js"

const { urls, pool } = services()
let tenant: TenantFixture
const people = apiPeople(() => stack.api.url, urls, pool)

const stack = useStack({
  before: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية الأرقام", nameEn: "Figures Society" }))
    // The demo's traffic (the CLI's seed) on a tenant with two projects.
    await withOwner(
      urls,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* asOwnerInTenant(
          tenant.id,
          sql`insert into catalog_items (tenant_id, kind, slug, title_ar, title_en, goal_amount, category, status)
      values (${tenant.id}, 'project', 'well', 'بئر ماء', 'A water well', 5000, 'zakat', 'active'),
             (${tenant.id}, 'project', 'iftar', 'إفطار صائم', 'Iftar meals', 3000, 'sadaqah', 'active')`
        )
        yield* seedDemoTraffic(tenant.id)
      })
    )
  }
})

describe("the KPI page", { timeout: 120_000 }, () => {
  it("shows the seeded figures, a chart, the funnel and the campaigns, in Arabic (RTL) and in English", async () => {
    const member = await people.memberOf(tenant, "member", "kpi-member")
    const range = presets(new Date())["30d"]
    const answer = await people.call("GET", `/tenant/kpis?from=${range.from}&to=${range.to}`, member, tenant.slug)
    expect(answer.status).toBe(200)
    const figures = (await answer.json()) as { visits: number; raised: string; campaigns: Array<{ campaign: string | null }> }
    expect(figures.visits).toBeGreaterThan(1000)

    const { context, page, problems } = await openPage(stack.browser, { viewport: { width: 1280, height: 1800 } })
    await page.goto(`http://localhost:${stack.web.port}/signin`)
    await signIn(page, member.email)
    await page.waitForURL(/\/dashboard/)
    await page.goto(`http://localhost:${stack.web.port}/dashboard/${tenant.slug}/kpis`)
    await page.getByTestId("kpi-title").waitFor()
    expect(await htmlAttributes(page)).toEqual({ lang: "ar", dir: "rtl" })
    expect(await page.getByTestId("kpi-visits").innerText()).toBe(formatNumber(figures.visits, "ar"))
    expect(await page.getByTestId("kpi-raised").innerText()).toBe(formatKwd(figures.raised, "ar"))
    expect(await page.getByTestId("kpi-visits").innerText()).toMatch(/^[٠-٩٬]+$/)
    // The chart draws once the page's script has measured it: a line path inside the SVG.
    await page.locator('[data-testid="kpi-chart"] svg path:visible').first().waitFor({ timeout: 30_000 })
    expect(await page.getByTestId("kpi-campaign-row").count()).toBe(figures.campaigns.length)
    await expect.poll(() => page.getByTestId("kpi-campaigns").innerText()).toContain("ramadan-appeal")
    await page.screenshot({ path: `${results}kpis-ar.png`, fullPage: true })

    await page.goto(`http://localhost:${stack.web.port}/en/dashboard/${tenant.slug}/kpis`)
    await page.getByTestId("kpi-title").waitFor()
    expect(await htmlAttributes(page)).toEqual({ lang: "en", dir: "ltr" })
    expect(await page.getByTestId("kpi-visits").innerText()).toBe(formatNumber(figures.visits, "en"))
    expect(await page.getByTestId("kpi-raised").innerText()).toBe(formatKwd(figures.raised, "en"))
    await page.locator('[data-testid="kpi-chart"] svg path:visible').first().waitFor({ timeout: 30_000 })
    await page.screenshot({ path: `${results}kpis-en.png`, fullPage: true })

    // The CSV through the page's own route: the campaign table first.
    const csv = await page.request.get(
      `http://localhost:${stack.web.port}/dashboard/${tenant.slug}/kpis/export.csv?from=${range.from}&to=${range.to}`
    )
    expect(csv.status()).toBe(200)
    expect(await csv.text()).toMatch(/^\uFEFF"source","medium","campaign"/)

    // A campaign link with its QR code, no JavaScript needed.
    await page.goto(
      `http://localhost:${stack.web.port}/en/dashboard/${tenant.slug}/kpis?target=well&source=poster&medium=print&campaign=masjid`
    )
    expect(await page.getByTestId("campaign-link").innerText()).toBe(
      `http://${tenant.slug}.localhost:${stack.web.port}/catalog/well?utm_source=poster&utm_medium=print&utm_campaign=masjid`
    )
    const png = await page.request.get(
      `http://localhost:${stack.web.port}/dashboard/${tenant.slug}/kpis/qr.png?target=well&source=poster&medium=print&campaign=masjid`
    )
    expect(png.headers()["content-type"]).toBe("image/png")
    expect([...(await png.body()).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47])
    expect(problems).toEqual([])
    await context.close()
  })
})
