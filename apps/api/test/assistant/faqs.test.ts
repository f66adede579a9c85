import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, type Person, type TenantFixture, testRedisKeyPrefix } from "@manara/testkit"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { rowsOf, seedCharity, ZAKAT_FAQ } from "../../../../packages/assistant/test/harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const { call, memberOf } = apiPeople(() => api.url, urls, pool)
let home: TenantFixture
let other: TenantFixture
let owner: Person

interface PublicFaq {
  readonly id: string
  readonly questionAr: string
  readonly questionEn: string
  readonly answerAr: string
  readonly answerEn: string
  readonly category: string
  readonly position: number
}

const publicFaqs = (host: string) => fetch(`${api.url}/api/v1/public/faqs`, { headers: { "x-forwarded-host": host } })
const faqsOf = async (tenant: TenantFixture) => {
  const response = await publicFaqs(`${tenant.slug}.manara.test`)
  expect(response.status).toBe(200)
  return (await response.json()) as Array<PublicFaq>
}

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  ;[home, other] = await Promise.all([seedCharity(urls), seedCharity(urls)])
  owner = await memberOf(home, "owner")
}, 60_000)
afterAll(() => api?.close())

describe("GET /public/faqs", () => {
  it("lists the storefront's published FAQs in both languages, by position; drafts and other tenants' never", async () => {
    const faqs = await faqsOf(home)
    const published = await rowsOf(
      urls,
      home.id,
      (sql) => sql<{ id: string }>`select id::text from faqs where published order by position, created_at, id`
    )
    expect(faqs.map((faq) => faq.id)).toEqual(published.map((row) => row.id))
    expect(faqs.length).toBe(5)
    expect(faqs.find((faq) => faq.category === "zakat")).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      questionAr: ZAKAT_FAQ.questionAr,
      questionEn: ZAKAT_FAQ.questionEn,
      answerAr: ZAKAT_FAQ.answerAr,
      answerEn: ZAKAT_FAQ.answerEn,
      category: "zakat",
      position: expect.any(Number)
    })
    // The draft is in the database, never on the storefront.
    expect(JSON.stringify(faqs)).not.toContain("secret sponsorship")
    const theirs = await rowsOf(urls, other.id, (sql) => sql<{ id: string }>`select id::text from faqs`)
    const ids = new Set(faqs.map((faq) => faq.id))
    expect(theirs.length).toBeGreaterThan(0)
    expect(theirs.some((row) => ids.has(row.id))).toBe(false)
  })

  it("an unknown storefront is a 404 problem; no host header is a 400", async () => {
    const unknown = await publicFaqs("nobody-here.manara.test")
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get("content-type")).toContain("application/problem+json")
    const bare = await fetch(`${api.url}/api/v1/public/faqs`)
    expect(bare.status).toBeGreaterThanOrEqual(400)
    expect(bare.status).toBeLessThan(500)
  })

  it("still serves the FAQs while the assistant is switched off", async () => {
    const settings = { enabled: false, tone: "warm", handoffEmails: [], handoffTelegram: true }
    expect((await call("PUT", "/tenant/assistant/settings", owner, home.slug, settings)).status).toBe(200)
    try {
      const chat = await fetch(`${api.url}/api/v1/public/assistant/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": `${home.slug}.manara.test` },
        body: JSON.stringify({ message: "zakat", locale: "en" })
      })
      expect(chat.status).toBe(404)
      expect((await faqsOf(home)).length).toBe(5)
    } finally {
      await call("PUT", "/tenant/assistant/settings", owner, home.slug, { ...settings, enabled: true })
    }
  })

  it("an FAQ's add, change and removal show on the next request and bump only this tenant's public version", async () => {
    const redis = new Redis(urls.redisUrl, { keyPrefix: testRedisKeyPrefix(urls) })
    try {
      const version = async (tenant: TenantFixture) => Number((await redis.get(`public-version:${tenant.slug}`)) ?? 0)
      const neighbour = await version(other)
      let before = await version(home)
      const created = await call("POST", "/tenant/faqs", owner, home.slug, {
        questionAr: "هل لديكم مواقف سيارات؟",
        answerAr: "نعم، مواقف مجانية أمام المبنى."
      })
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }
      expect(await version(home)).toBeGreaterThan(before)
      expect((await faqsOf(home)).find((faq) => faq.id === id)).toMatchObject({ questionAr: "هل لديكم مواقف سيارات؟", questionEn: "" })

      before = await version(home)
      expect((await call("PATCH", `/tenant/faqs/${id}`, owner, home.slug, { answerAr: "نعم، خلف المبنى." })).status).toBe(200)
      expect(await version(home)).toBeGreaterThan(before)
      expect((await faqsOf(home)).find((faq) => faq.id === id)?.answerAr).toBe("نعم، خلف المبنى.")

      before = await version(home)
      expect((await call("PATCH", `/tenant/faqs/${id}`, owner, home.slug, { published: false })).status).toBe(200)
      expect(await version(home)).toBeGreaterThan(before)
      expect((await faqsOf(home)).some((faq) => faq.id === id)).toBe(false)

      before = await version(home)
      expect((await call("DELETE", `/tenant/faqs/${id}`, owner, home.slug)).status).toBe(204)
      expect(await version(home)).toBeGreaterThan(before)
      expect(await version(other)).toBe(neighbour)
    } finally {
      redis.disconnect()
    }
  })
})
