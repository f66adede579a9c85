import { apiPeople, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { request } from "node:http"
import { describe, expect, it } from "vitest"
import { callExpecting, htmlAttributes, openPage, results, services, storefrontUrl, useStack } from "./harness.js"

const { urls, pool } = services()
const { call, memberOf } = apiPeople(() => stack.api.url, urls, pool)

let tenant: TenantFixture
let owner: Person
let zakatId: string

const ZAKAT = {
  questionAr: "هل يمكنني دفع زكاة مالي لمشاريعكم؟",
  questionEn: "Can I pay my zakat to your projects?",
  answerAr: "نعم، مشروع كفالة تعليم الأيتام مؤهل للزكاة، ونصرف الزكاة على المستحقين وفق الضوابط الشرعية.",
  answerEn: "Yes: the education for orphans project is zakat-eligible, and we spend zakat on those entitled under Sharia rules.",
  category: "zakat"
}
const RECEIPT = {
  questionAr: "كيف أحصل على إيصال لتبرعي؟",
  questionEn: "How do I get a receipt for my donation?",
  answerAr: "يصلك إيصال برقم مرجعي فور التبرع.",
  answerEn: "You get a receipt with a reference number right after donating."
}
const DRAFT = { questionAr: "سؤال مسودة عن الكفالة السرية", answerAr: "مسودة", published: false }

const expectCall = callExpecting(call, () => ({ person: owner, tenant }))

const stack = useStack({
  s3: false,
  seed: async () => {
    tenant = await withOwner(urls, createTenant({ nameAr: "جمعية منارة الخيرية", nameEn: "Manara Charity" }))
    owner = await memberOf(tenant, "owner")
    zakatId = (await expectCall(201, "POST", "/tenant/faqs", ZAKAT)).id
    await expectCall(201, "POST", "/tenant/faqs", RECEIPT)
    await expectCall(201, "POST", "/tenant/faqs", DRAFT)
  }
})

/** A page as a browser at `{slug}.localhost` asks for it, with a visit cookie: the plain case of a cached page. */
const get = (path: string) =>
  new Promise<{ status: number; cache: unknown; body: string }>((resolve, reject) => {
    const sent = request(
      {
        host: "127.0.0.1",
        port: stack.web.port,
        path,
        headers: {
          host: `${tenant.slug}.localhost:${stack.web.port}`,
          "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
          cookie: "manara_visit=00000000-0000-4000-8000-000000000001"
        }
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          resolve({ status: response.statusCode!, cache: response.headers["x-page-cache"], body: Buffer.concat(chunks).toString() })
        )
      }
    )
    sent.on("error", reject)
    sent.end()
  })

describe("the storefront's FAQ page", { timeout: 120_000 }, () => {
  for (const language of [
    {
      locale: "ar",
      prefix: "",
      dir: "rtl",
      title: "الأسئلة الشائعة",
      link: "الأسئلة الشائعة",
      zakat: ZAKAT.questionAr,
      answer: ZAKAT.answerAr,
      groups: ["زكاة", "أسئلة عامة"]
    },
    {
      locale: "en",
      prefix: "/en",
      dir: "ltr",
      title: "Frequently asked questions",
      link: "FAQ",
      zakat: ZAKAT.questionEn,
      answer: ZAKAT.answerEn,
      groups: ["Zakat", "General questions"]
    }
  ] as const) {
    it(`${language.locale}: the footer links to it; it shows the published FAQs by category, the draft never, without JavaScript`, async () => {
      const { context, page, problems } = await openPage(stack.browser, { javaScriptEnabled: false })
      try {
        await page.goto(storefrontUrl(stack.web, tenant.slug, `${language.prefix}/`))
        await page.getByTestId("footer-faq").click()
        await page.waitForURL((url) => url.pathname === `${language.prefix}/faq`)
        expect(await htmlAttributes(page)).toEqual({ lang: language.locale, dir: language.dir })
        expect(await page.title()).toBe(`${language.title} — ${language.locale === "ar" ? "جمعية منارة الخيرية" : "Manara Charity"}`)
        expect(await page.locator('meta[name="description"]').getAttribute("content")).not.toBe("")
        expect(await page.locator("h1").textContent()).toBe(language.title)
        expect(await page.getByTestId("footer-faq").textContent()).toBe(language.link)
        const zakat = page.locator(`#faq-${zakatId}`)
        expect(await zakat.locator("h3").textContent()).toBe(language.zakat)
        expect(await zakat.locator("p").textContent()).toBe(language.answer)
        // Two categories (zakat, general), each under its heading in the page's language.
        expect(await page.locator("section.faq-group h2").allTextContents()).toEqual(language.groups)
        expect(await page.getByTestId("faq").count()).toBe(2)
        expect(await page.content()).not.toContain(DRAFT.questionAr)
        expect(await page.locator("script").count()).toBe(0)
        await page.screenshot({ path: `${results}faq-${language.locale}.png`, fullPage: true })
        expect(problems).toEqual([])
      } finally {
        await context.close()
      }
    })
  }

  it("the assistant's FAQ citation lands on that FAQ on the page", async () => {
    for (const { message, locale } of [
      { message: ZAKAT.questionAr, locale: "ar" },
      { message: ZAKAT.questionEn, locale: "en" }
    ]) {
      const chat = await fetch(`${stack.api.url}/api/v1/public/assistant/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": `${tenant.slug}.localhost` },
        body: JSON.stringify({ message, locale })
      })
      expect(chat.status).toBe(200)
      const citations = JSON.parse(/event: citations\ndata: (.*)\n/.exec(await chat.text())![1]!) as Array<{ kind: string; url: string }>
      const faq = citations.find((citation) => citation.kind === "faq")!
      expect(faq.url).toBe(`${locale === "en" ? "/en" : ""}/faq#faq-${zakatId}`)
      const { context, page } = await openPage(stack.browser, { javaScriptEnabled: false })
      try {
        const response = await page.goto(storefrontUrl(stack.web, tenant.slug, faq.url))
        expect(response?.status()).toBe(200)
        expect(await page.evaluate(() => document.querySelector(":target")?.id)).toBe(`faq-${zakatId}`)
        expect(await page.locator(":target h3").textContent()).toBe(message)
      } finally {
        await context.close()
      }
    }
  })

  it("is served from the page cache, and an FAQ edit shows on the very next request", async () => {
    await get("/faq")
    await get("/faq")
    const before = await get("/faq")
    expect(before.status).toBe(200)
    expect(before.body).toContain(ZAKAT.answerAr)
    expect((await get("/faq")).cache).toBe("hit")
    await expectCall(200, "PATCH", `/tenant/faqs/${zakatId}`, { answerAr: "نعم، وتُصرف زكاتكم كاملة على المستحقين." })
    const after = await get("/faq")
    expect(after.cache).toBe("miss")
    expect(after.body).toContain("نعم، وتُصرف زكاتكم كاملة على المستحقين.")
    expect(after.body).not.toContain(ZAKAT.answerAr)
  })
})
