import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, createTenant, type Person, type TenantFixture, testRedisKeyPrefix, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

// Two API processes of one deployment: a write on one must be seen by the other on its next read.
let api: StartedApi
let second: StartedApi
const { call, memberOf } = apiPeople(() => api.url, urls, pool)

let home: TenantFixture
let other: TenantFixture
let owner: Person
let otherOwner: Person

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`
const homePage = (query = "", tenant: TenantFixture = home, base = api.url) =>
  fetch(`${base}/api/v1/public/pages/home${query}`, { headers: { "x-forwarded-host": hostOf(tenant) } })

const create = async (as: Person, tenant: TenantFixture, body: Record<string, unknown>) => {
  const created = await call("POST", "/tenant/catalog", as, tenant.slug, body)
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${await created.text()}`)
  const { id } = (await created.json()) as { id: string }
  const active = await call("POST", `/tenant/catalog/${id}/status`, as, tenant.slug, { to: "active" })
  if (active.status !== 200) throw new Error(`status answered ${active.status}: ${await active.text()}`)
  return id
}

const project = (title: string) => ({
  kind: "project",
  slug: `p-${randomUUID().slice(0, 8)}`,
  title: { ar: title, en: title },
  goal: "100.000",
  category: "general"
})

beforeAll(async () => {
  const env = apiEnv(urls, pool)
  ;[api, second] = await Promise.all([startApi(env), startApi(env)])
  ;[home, other] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
  owner = await memberOf(home, "owner")
  otherOwner = await memberOf(other, "owner", "other")
  await create(owner, home, project("مشروع البيت"))
  await create(owner, home, { kind: "product", slug: `b-${randomUUID().slice(0, 8)}`, title: { ar: "كتاب", en: "A book" }, price: "2.000" })
  await create(otherOwner, other, project("مشروع الجار"))
})
afterAll(async () => {
  await Promise.all([api?.close(), second?.close()])
})

describe("GET /public/pages/home", () => {
  it("answers the home page's three lists in one call, of the host's tenant only", async () => {
    const response = await homePage()
    expect(response.status).toBe(200)
    const page = (await response.json()) as { projects: Array<{ title: { ar: string } }>; products: Array<unknown>; proofs: Array<unknown> }
    expect(page.projects.map((item) => item.title.ar)).toEqual(["مشروع البيت"])
    expect(page.products).toHaveLength(1)
    expect(page.proofs).toEqual([])
    const limited = (await (await homePage("?products=1&projects=1&proofs=1")).json()) as { products: Array<unknown> }
    expect(limited.products).toHaveLength(1)
  })

  it("refuses bad limits with a 400 problem", async () => {
    for (const query of ["?projects=0", "?products=abc", "?proofs=100000", "?projects=-1"]) {
      const response = await homePage(query)
      expect(response.status, query).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/problem+json")
    }
  })

  it("is a 404 for a host no tenant answers at", async () => {
    const response = await fetch(`${api.url}/api/v1/public/pages/home`, { headers: { "x-forwarded-host": "nobody-at-all.manara.test" } })
    expect(response.status).toBe(404)
    expect(response.headers.get("content-type")).toContain("application/problem+json")
  })

  it("shows another API process's write on the very next read, and the write bumps the tenant's public version", async () => {
    const redis = new Redis(urls.redisUrl, { keyPrefix: testRedisKeyPrefix(urls) })
    try {
      const before = Number((await redis.get(`public-version:${home.slug}`)) ?? 0)
      const neighbour = await redis.get(`public-version:${other.slug}`)
      // Read (and so cached) on the second process.
      const cached = (await (await homePage("", home, second.url)).json()) as { projects: Array<unknown> }
      expect(cached.projects).toHaveLength(1)
      // Written through the first process, read again on the second at once (well inside its cache's TTL).
      await create(owner, home, project("مشروع جديد"))
      expect(Number(await redis.get(`public-version:${home.slug}`))).toBeGreaterThan(before)
      const fresh = (await (await homePage("", home, second.url)).json()) as { projects: Array<{ title: { ar: string } }> }
      expect(fresh.projects.map((item) => item.title.ar)).toContain("مشروع جديد")
      // The neighbour's version did not move.
      expect(await redis.get(`public-version:${other.slug}`)).toBe(neighbour)
    } finally {
      redis.disconnect()
    }
  })

  it("answers 304 to a matching If-None-Match", async () => {
    const first = await homePage()
    const etag = first.headers.get("etag")!
    const again = await fetch(`${api.url}/api/v1/public/pages/home`, {
      headers: { "x-forwarded-host": hostOf(home), "if-none-match": etag }
    })
    expect(again.status).toBe(304)
  })
})
