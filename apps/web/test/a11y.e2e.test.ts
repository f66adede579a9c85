import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import {
  addMember,
  apiEnv,
  apiPeople,
  createCognitoUser,
  createTenant,
  markMfaEnabled,
  TEST_PASSWORD,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { readdirSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DASHBOARD_PAGES, type PageFixtures } from "./dashboard-pages.js"
import {
  givingTenant,
  launchBrowser,
  psqlInTenant,
  redisEnv,
  requireBuild,
  services,
  signIn,
  startWeb,
  stopAll,
  type WebServer
} from "./harness.js"

const { urls, pool, s3 } = services()
const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js")
/** A11Y_ONLY=members keeps the pages whose route contains it: to look again at one page while fixing it. */
const A11Y_ONLY = process.env.A11Y_ONLY ?? ""
const routesRoot = fileURLToPath(new URL("../src/routes/", import.meta.url))

let api: StartedApi | undefined
let web: WebServer | undefined
let browser: Browser | undefined
let tenant: TenantFixture
let fixtures: PageFixtures
const contexts: Partial<Record<"owner" | "mfa-setup", BrowserContext>> = {}

const people = apiPeople(() => api!.url, urls, pool)
const at = (path: string) => `http://localhost:${web!.port}${path}`

/** Every `+page.svelte` under the dashboard, as SvelteKit's route id. */
const dashboardRoutes = (dir = "(app)/dashboard"): Array<string> =>
  readdirSync(`${routesRoot}${dir}`, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? dashboardRoutes(`${dir}/${entry.name}`) : entry.name === "+page.svelte" ? [`/${dir}`] : []
  )

const signedIn = async (who: "owner" | "mfa-setup", email: string) => {
  const context = await browser!.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true })
  const page = await context.newPage()
  await page.goto(at("/signin"))
  await signIn(page, email)
  await page.waitForURL((url) => url.pathname.startsWith("/dashboard"))
  await page.close()
  contexts[who] = context
}

beforeAll(async () => {
  requireBuild()
  api = await startApi(apiEnv(urls, pool, { PLATFORM_DOMAIN: "localhost" }, s3))
  const [home, second] = await withOwner(
    urls,
    Effect.all([
      createTenant({ nameAr: "جمعية النور الخيرية", nameEn: "Al Noor Charity" }),
      createTenant({ nameAr: "متجر البركة", nameEn: "Al Baraka Store" })
    ])
  )
  tenant = home!
  // The owner is a platform admin too (the admin console is under axe), made so before the API first sees them.
  const ownerEmail = `a11y-owner-${randomUUID().slice(0, 8)}@example.com`
  const sub = await createCognitoUser(pool, ownerEmail, TEST_PASSWORD)
  const [ownerRow] = await withOwner(
    urls,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql<{ id: string }>`insert into users (cognito_sub, email, is_platform_admin) values (${sub}, ${ownerEmail}, true) returning id`
    )
  )
  const login = await people.post("/auth/login", { email: ownerEmail, password: TEST_PASSWORD })
  const owner = { email: ownerEmail, token: ((await login.json()) as { accessToken: string }).accessToken, userId: ownerRow!.id }
  const newcomer = await people.person("a11y-admin")
  await withOwner(
    urls,
    Effect.gen(function* () {
      yield* addMember(tenant.id, owner.userId, "owner")
      yield* addMember(second!.id, owner.userId, "member")
      yield* addMember(tenant.id, newcomer.userId, "admin")
      yield* markMfaEnabled(owner.userId)
    })
  )
  const itemId = givingTenant(urls.ownerUrl, tenant.id, "village-well", { ar: "بئر القرية", en: "The village well" })
  web = await startWeb(api.url, redisEnv())
  // A donation in the inbox (awaiting its payment), an open invitation and a notification preference: every list has a row.
  const donation = await fetch(`${api.url}/api/v1/public/donations`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.localhost` },
    body: JSON.stringify({
      amount: "12.500",
      project: "village-well",
      donor: { name: "سارة العلي", phone: "+96560001111" },
      paymentMethod: "bank_transfer"
    })
  })
  expect(donation.status).toBe(201)
  // A handed-off conversation (written as the API stores one: the token only hashed), an FAQ, with messages of every role.
  const conversationId = psqlInTenant(
    urls.ownerUrl,
    tenant.id,
    `insert into ai_conversations (tenant_id, locale, status, visitor_email, visitor_token_hash, turns)
       values ('${tenant.id}', 'ar', 'handed_off', 'visitor@example.com', repeat('a', 64), 2) returning id`
  )
  psqlInTenant(
    urls.ownerUrl,
    tenant.id,
    `insert into faqs (tenant_id, question_ar, question_en, answer_ar, answer_en, category)
       values ('${tenant.id}', 'هل تقبلون الزكاة؟', 'Do you accept zakat?', 'نعم، نقبل الزكاة ونصرفها في مصارفها.', 'Yes, we accept zakat.', 'zakat');
     insert into ai_messages (tenant_id, conversation_id, role, body, citations, outcome)
       values ('${tenant.id}', '${conversationId}', 'visitor', 'هل تقبلون الزكاة؟', '[]', null),
              ('${tenant.id}', '${conversationId}', 'assistant', 'نعم، نقبل الزكاة.', '[{"kind":"faq","id":"1","title":"هل تقبلون الزكاة؟","url":"/"}]', 'answered'),
              ('${tenant.id}', '${conversationId}', 'visitor', 'أريد التحدث مع موظف', '[]', null);`
  )
  fixtures = {
    slug: tenant.slug,
    itemId,
    donationId: psqlInTenant(urls.ownerUrl, tenant.id, "select id from donations"),
    tenantId: tenant.id,
    conversationId
  }
  expect(
    (await people.call("POST", "/tenant/invitations", owner, tenant.slug, { email: "new-volunteer@example.com", role: "member" })).status
  ).toBe(201)
  expect(
    (await people.call("POST", "/tenant/notifications/preferences", owner, tenant.slug, { channel: "email", target: "office@example.com" }))
      .status
  ).toBe(201)
  browser = await launchBrowser()
  await signedIn("owner", owner.email)
  await signedIn("mfa-setup", newcomer.email)
}, 120_000)

afterAll(async () => {
  for (const context of Object.values(contexts)) await context?.close()
  await stopAll(browser, web, api)
}, 60_000)

interface Finding {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: ReadonlyArray<string>
}

/** axe-core's serious and critical findings on the page as it is, with "visible text in the accessible name" on. */
const audit = async (page: Page): Promise<Array<Finding>> => {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axeSource })
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object
          ) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: Array<unknown> }> }> }>
        }
      }
    ).axe
    const { violations } = await axe.run(document, {
      resultTypes: ["violations"],
      rules: { "label-content-name-mismatch": { enabled: true } }
    })
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(" "))
      }))
  })
}

describe("accessibility of every dashboard page", { timeout: 600_000 }, () => {
  it("lists every dashboard route (a new page must be added to test/dashboard-pages.ts)", () => {
    expect([...new Set(DASHBOARD_PAGES.map((page) => page.route))].sort()).toEqual(
      [...dashboardRoutes(), ...dashboardRoutes("(app)/admin")].sort()
    )
  })

  it("Arabic and English, at 390 px and 1366 px: no serious or critical axe finding, nothing wider than the viewport", async () => {
    const report: Array<string> = []
    for (const who of ["owner", "mfa-setup"] as const) {
      const page = await contexts[who]!.newPage()
      for (const width of [390, 1366]) {
        await page.setViewportSize({ width, height: 900 })
        for (const entry of DASHBOARD_PAGES.filter(
          (candidate) => (candidate.as ?? "owner") === who && candidate.route.includes(A11Y_ONLY)
        )) {
          for (const prefix of ["", "/en"]) {
            const path = `${prefix}${entry.path(fixtures)}`
            // Not "networkidle": the nav's inbox badge keeps an event stream open.
            const answer = await page.goto(at(path), { waitUntil: "load" })
            const where = `${path} at ${width} px`
            if (answer?.status() !== 200 || new URL(page.url()).pathname !== path) {
              report.push(`${where}: answered ${answer?.status()} at ${new URL(page.url()).pathname}`)
              continue
            }
            const widths = await page.evaluate(() => {
              // What sticks out, outside the boxes that scroll tables: to say which element to fix.
              const inner = window.innerWidth
              const outside = [...document.querySelectorAll("body *")].filter((element) => {
                const box = element.getBoundingClientRect()
                return box.width > 0 && (box.right > inner + 1 || box.left < -1) && element.parentElement?.closest(".table-wrap") == null
              })
              const name = (element: Element) =>
                `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${element.classList.length > 0 ? `.${[...element.classList].join(".")}` : ""}`
              return { scroll: document.documentElement.scrollWidth, inner, outside: outside.slice(-3).map(name) }
            })
            if (widths.scroll > widths.inner)
              report.push(`${where}: the page is ${widths.scroll} px wide in a ${widths.inner} px viewport (${widths.outside.join(", ")})`)
            for (const finding of await audit(page))
              report.push(`${where}: ${finding.impact} ${finding.id} (${finding.help}) at ${finding.nodes.join(" | ")}`)
          }
        }
      }
      await page.close()
    }
    expect(report).toEqual([])
  })
})
