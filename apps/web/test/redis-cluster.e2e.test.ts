import { apiPeople, createTenant, OwnCluster, type Person, type TenantFixture, testRedisKeyPrefix, withOwner } from "@manara/testkit"
import { Cluster } from "ioredis"
import { createHash } from "node:crypto"
import { request } from "node:http"
import { describe, expect, it } from "vitest"
import { openPage, services, signIn, useStack } from "./harness.js"

const { urls, pool } = services()
const { call, memberOf } = apiPeople(() => stack.api.url, urls, pool)
const prefix = testRedisKeyPrefix(urls)
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

// The API and the web server on a Redis Cluster of three loopback masters, seeded from the first, as production
// runs them on ElastiCache (REDIS_CLUSTER=true); the test reads the keys through a cluster client of its own.
let cluster: OwnCluster
let reader: Cluster
let tenant: TenantFixture
let owner: Person

const stack = useStack({
  s3: false,
  before: async () => {
    cluster = await OwnCluster.start()
    reader = new Cluster([{ host: "127.0.0.1", port: cluster.nodes[1]!.port }], { keyPrefix: prefix })
  },
  env: () => ({ REDIS_URL: cluster.url(0), REDIS_CLUSTER: "true" }),
  seed: async () => {
    tenant = await withOwner(urls, createTenant())
    owner = await memberOf(tenant, "owner")
  },
  closeLast: async () => {
    reader?.disconnect()
    await cluster?.dispose()
  }
})

const at = (path: string) => `http://localhost:${stack.web.port}${path}`

/** A storefront page as a returning browser at `{slug}.localhost` asks for it: whether the page cache served it. */
const storefront = (path: string) =>
  new Promise<{ status: number; cache: string | undefined }>((resolve, reject) => {
    const sent = request(
      {
        host: "127.0.0.1",
        port: stack.web.port,
        path,
        headers: {
          host: `${tenant.slug}.localhost:${stack.web.port}`,
          "user-agent": BROWSER,
          cookie: "manara_visit=00000000-0000-4000-8000-000000000001"
        }
      },
      (response) => {
        response.resume()
        response.on("end", () => resolve({ status: response.statusCode!, cache: response.headers["x-page-cache"] as string | undefined }))
      }
    )
    sent.on("error", reject)
    sent.end()
  })

describe("the web server on a Redis Cluster", { timeout: 90_000 }, () => {
  it("keeps the dashboard's session in the cluster: signed in, read on every page, gone at sign-out", async () => {
    const member = await memberOf(tenant, "member")
    const { context, page } = await openPage(stack.browser)
    await page.goto(at(`/dashboard/${tenant.slug}/inbox`))
    await page.waitForURL((url) => url.pathname === "/signin")
    await signIn(page, member.email)
    await page.waitForURL(at(`/dashboard/${tenant.slug}/inbox`))
    const [cookie] = await context.cookies()
    const key = `web-session:${createHash("sha256").update(cookie!.value).digest("base64url")}`
    expect(JSON.parse((await reader.get(key))!)).toMatchObject({ email: member.email })
    await page.goto(at(`/dashboard/${tenant.slug}`))
    await page.getByTestId("account-menu").locator("summary").click()
    await page.getByTestId("sign-out").click()
    await page.waitForURL(at("/signin"))
    expect(await reader.exists(key)).toBe(0)
    await context.close()
  })

  it("keys the page cache on the public version in the cluster: a catalog write is seen on the next request", async () => {
    expect((await storefront("/catalog")).status).toBe(200)
    await expect.poll(async () => (await storefront("/catalog")).cache).toBe("hit")
    const created = await call("POST", "/tenant/catalog", owner, tenant.slug, {
      kind: "project",
      slug: "cluster-well",
      title: { ar: "بئر", en: "A well" },
      goal: "100.000",
      category: "general"
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    expect((await call("POST", `/tenant/catalog/${id}/status`, owner, tenant.slug, { to: "active" })).status).toBe(200)
    expect(Number(await reader.get(`public-version:${tenant.slug}`))).toBeGreaterThan(0)
    expect((await storefront("/catalog")).cache).toBe("miss")
  })
})
