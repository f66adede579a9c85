import { apiPeople, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { createRequire } from "node:module"
import type { BrowserContext, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { openPage, psqlInTenant, results, services, signIn, storefrontUrl, useStack, hydrated } from "./harness.js"

const { urls, pool } = services()
const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js")
let tenant: TenantFixture
const people = apiPeople(() => stack.api.url, urls, pool)

// The demo charity's zakat FAQ (apps/cli's demo seed), on a charity of this suite's own.
const ZAKAT = {
  questionAr: "هل يمكنني دفع زكاة مالي لمشاريعكم؟",
  questionEn: "Can I pay my zakat to your projects?",
  answerAr: "نعم، مشروع كفالة تعليم الأيتام مؤهل للزكاة، ونصرف الزكاة على المستحقين وفق الضوابط الشرعية. اختر «زكاة» عند التبرع.",
  answerEn:
    "Yes: the education for orphans project is zakat-eligible, and we spend zakat on those entitled under Sharia rules. Choose “zakat” when you donate."
}

const stack = useStack({
  s3: false,
  before: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية منارة الخيرية", nameEn: "Manara Charity" }))
    psqlInTenant(
      urls.ownerUrl,
      tenant.id,
      `insert into faqs (tenant_id, question_ar, question_en, answer_ar, answer_en, category)
         values ('${tenant.id}', '${ZAKAT.questionAr}', '${ZAKAT.questionEn}', '${ZAKAT.answerAr}', '${ZAKAT.answerEn}', 'zakat')`
    )
  },
  // The widget's event stream stays open until its page closes.
  stopTimeout: 60_000
})

interface Finding {
  readonly id: string
  readonly impact: string | null
  readonly nodes: ReadonlyArray<string>
}

/** axe-core's serious and critical findings (as test/a11y.e2e.test.ts runs it), on the open widget. */
const audit = async (page: Page): Promise<Array<Finding>> => {
  await page.addScriptTag({ path: axeSource })
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Element,
            options: object
          ) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: Array<unknown> }> }> }>
        }
      }
    ).axe
    const { violations } = await axe.run(document.querySelector("[data-testid=assistant-panel]")!, {
      resultTypes: ["violations"],
      rules: { "label-content-name-mismatch": { enabled: true } }
    })
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(" ")) }))
  })
}

const LANGUAGES = [
  {
    locale: "ar",
    prefix: "",
    question: ZAKAT.questionAr,
    answer: "مشروع كفالة تعليم الأيتام مؤهل للزكاة",
    handedOff: "أبلغنا فريقنا",
    reply: "أهلًا بكم، نعم نقبل زكاتكم في مشروع كفالة تعليم الأيتام.",
    replyLabel: "ردّكم",
    send: "إرسال الرد"
  },
  {
    locale: "en",
    prefix: "/en",
    question: ZAKAT.questionEn,
    answer: "the education for orphans project is zakat-eligible",
    handedOff: "We told our team",
    reply: "Hello, yes: your zakat goes to the education for orphans project.",
    replyLabel: "Your reply",
    send: "Send reply"
  }
] as const

let staff: { context: BrowserContext; page: Page } | undefined

/** A member of the charity, signed in to the dashboard once for both languages. */
const staffPage = async (): Promise<Page> => {
  if (staff) return staff.page
  const member = await people.memberOf(tenant, "member", "assistant-staff")
  const { context, page } = await openPage(stack.browser)
  await page.goto(`http://localhost:${stack.web.port}/signin`)
  await signIn(page, member.email)
  await page.waitForURL(/\/dashboard/)
  staff = { context, page }
  return page
}

describe("the storefront assistant in the browser", { timeout: 180_000 }, () => {
  for (const language of LANGUAGES) {
    it(`${language.locale}: a cited answer streams in; asking for a person reaches the dashboard, whose reply appears in the widget`, async () => {
      // CSP bypassed only so the test can inject axe-core (as the a11y test does); the island's own scripts carry the nonce.
      const { context, page, problems } = await openPage(stack.browser, { viewport: { width: 390, height: 844 }, bypassCSP: true })
      try {
        // Every storefront page but the assistant's ships no script; its launcher is a plain link.
        await page.goto(storefrontUrl(stack.web, tenant.slug, `${language.prefix}/`))
        await hydrated(page)
        expect(await page.locator("script").count()).toBe(0)
        await page.getByTestId("assistant-launcher").click()
        await page.waitForURL(/\/assistant\?from=/)
        await page.locator("[data-testid=assistant-panel][data-enhanced]").waitFor()
        expect(await page.evaluate(() => document.documentElement.dir)).toBe(language.locale === "ar" ? "rtl" : "ltr")
        // The question field has the focus as the panel opens.
        expect(await page.evaluate(() => document.activeElement?.id)).toBe("assistant-question")

        const streamed = page.waitForResponse((response) => response.url().endsWith("/assistant/chat"))
        await page.getByTestId("assistant-question").fill(language.question)
        await page.keyboard.press("Enter")
        const response = await streamed
        expect(response.headers()["content-type"]).toContain("text/event-stream")
        const answer = page.locator("[data-testid=assistant-message][data-role=assistant]").last()
        await expect.poll(() => answer.textContent(), { timeout: 30_000 }).toContain(language.answer)
        const citation = answer.locator("[data-testid=assistant-citation][data-kind=faq]").first()
        await citation.waitFor()
        expect(await citation.getAttribute("href")).toMatch(/^\/|^https:/)
        expect(await page.locator("[role=log]").getAttribute("aria-busy")).toBe("false")

        // The open widget: no serious or critical axe finding, nothing wider than the phone.
        expect(await audit(page)).toEqual([])
        // The panel itself fits the phone: nothing inside it wider than it, and it ends within the viewport.
        expect(
          await page.evaluate(() => {
            const panel = document.querySelector("[data-testid=assistant-panel]")!
            const box = panel.getBoundingClientRect()
            return panel.scrollWidth <= panel.clientWidth && box.left >= 0 && box.right <= window.innerWidth
          })
        ).toBe(true)
        await page.screenshot({ path: `${results}assistant-${language.locale}.png`, fullPage: true })

        await page.getByTestId("assistant-handoff").click()
        await expect.poll(() => page.getByTestId("assistant-notice").textContent(), { timeout: 20_000 }).toContain(language.handedOff)

        // Staff see it among the handed-off conversations and answer it.
        const dashboard = await staffPage()
        await dashboard.goto(`http://localhost:${stack.web.port}${language.prefix}/dashboard/${tenant.slug}/assistant?status=handed_off`)
        await dashboard.getByRole("link", { name: language.question }).first().click()
        await dashboard.waitForURL(/\/assistant\/[0-9a-f-]{36}$/)
        expect(await dashboard.getByTestId("conversation-status").getAttribute("data-status")).toBe("handed_off")
        await dashboard.getByLabel(language.replyLabel, { exact: true }).fill(language.reply)
        await dashboard.getByRole("button", { name: language.send }).click()
        await dashboard.getByTestId("action-done").waitFor()
        await dashboard.locator("[data-testid=conversation-message][data-role=staff]").filter({ hasText: language.reply }).waitFor()

        // The visitor's open widget shows the reply from its event stream.
        await page
          .locator("[data-testid=assistant-message][data-role=staff]")
          .filter({ hasText: language.reply })
          .waitFor({ timeout: 20_000 })
        expect(problems).toEqual([])

        // Escape closes the panel: back to the page it was opened from.
        await page.keyboard.press("Escape")
        await page.waitForURL((url) => !url.pathname.includes("/assistant"))
      } finally {
        await context.close()
      }
    })
  }

  it("without JavaScript, the launcher still opens the assistant, whose form answers with its citation", async () => {
    const { context, page } = await openPage(stack.browser, { javaScriptEnabled: false, viewport: { width: 390, height: 844 } })
    try {
      await page.goto(storefrontUrl(stack.web, tenant.slug, "/"))
      await page.getByTestId("assistant-launcher").click()
      await page.waitForURL(/\/assistant/)
      await page.getByTestId("assistant-question").fill(ZAKAT.questionAr)
      await page.getByTestId("assistant-send").click()
      const answer = page.locator("[data-testid=assistant-message][data-role=assistant]").last()
      await answer.waitFor({ timeout: 30_000 })
      expect(await answer.textContent()).toContain("مشروع كفالة تعليم الأيتام مؤهل للزكاة")
      await answer.locator("[data-testid=assistant-citation][data-kind=faq]").first().waitFor()
    } finally {
      await context.close()
      await staff?.context.close()
    }
  })
})
