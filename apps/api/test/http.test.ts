import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { createHeldServer } from "@manara/api"
import { startApi, type StartedApi } from "@manara/api/server"
import { ManaraApi, Problem } from "@manara/domain"
import { createTenant, PgProxy, type TenantFixture, testRedisKeyPrefix, uniqueSlug, withOwner } from "@manara/testkit"
import { SqlClient } from "@effect/sql"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest"

const urls = inject("manaraDatabase")
const PLATFORM = "manara.test"

const env = (overrides: Record<string, string> = {}) => ({
  DATABASE_URL: urls.runtimeUrl,
  REDIS_URL: urls.redisUrl,
  REDIS_KEY_PREFIX: testRedisKeyPrefix(urls),
  PLATFORM_DOMAIN: PLATFORM,
  // The run's outbox is drained by the notification tests only.
  NOTIFY_DELIVERY: "false",
  ...overrides
})

let api: StartedApi
let charity: TenantFixture
let shop: TenantFixture

type Client = Effect.Effect.Success<ReturnType<typeof makeClient>>
const makeClient = (baseUrl: string) => HttpApiClient.make(ManaraApi, { baseUrl })
const withClient = <A, E>(baseUrl: string, use: (client: Client) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.either(Effect.flatMap(makeClient(baseUrl), use)).pipe(Effect.provide(FetchHttpClient.layer)))

const failureOf = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`)
  return result.left
}

beforeAll(async () => {
  const domain = `${uniqueSlug("shop")}.example.com`
  ;[charity, shop] = await withOwner(
    urls,
    Effect.all([
      createTenant({ nameAr: "جمعية النور الخيرية", nameEn: "Al Noor Charity" }),
      createTenant({ nameAr: "متجر الواحة", nameEn: "Oasis Shop", customDomain: domain })
    ])
  )
  ;(shop as { domain?: string }).domain = domain
  api = await startApi(env())
})

afterAll(async () => {
  await api?.close()
})

describe("GET /api/v1/health", () => {
  it("keeps idle connections longer than a load balancer's 60 s, so none is closed while reused", async () => {
    const response = await fetch(`${api.url}/api/v1/health/live`)
    expect(response.headers.get("keep-alive")).toBe("timeout=65")
  })

  it("is 200 with both dependencies up", async () => {
    const result = await withClient(api.url, (client) => client.health.check())
    expect(result).toEqual(Either.right(expect.objectContaining({ status: "ok", checks: { postgres: "up", redis: "up", pool: "ok" } })))
  })

  it("is 503 problem+json while Postgres is unreachable, and recovers", async () => {
    const proxy = await PgProxy.start()
    const proxied = await startApi(env({ DATABASE_URL: proxy.url(urls.runtimeUrl) }))
    try {
      proxy.cut()
      const down = await fetch(`${proxied.url}/api/v1/health`)
      expect(down.status).toBe(503)
      expect(down.headers.get("content-type")).toBe("application/problem+json")
      const body = await down.json()
      expect(body).toMatchObject({ status: 503, title: "Service Unavailable", detail: "postgres down, redis up" })
      const typed = failureOf(await withClient(proxied.url, (client) => client.health.check()))
      expect(typed).toBeInstanceOf(Problem)
      expect((typed as Problem).status).toBe(503)
      proxy.restore()
      expect((await fetch(`${proxied.url}/api/v1/health`)).status).toBe(200)
    } finally {
      await proxied.close()
      await proxy.close()
    }
  })

  it("is 503 while Redis is unreachable", async () => {
    const noRedis = await startApi(env({ REDIS_URL: "redis://127.0.0.1:1" }))
    try {
      const response = await fetch(`${noRedis.url}/api/v1/health`)
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ detail: "postgres up, redis down" })
      expect((await fetch(`${noRedis.url}/api/v1/health/live`)).status).toBe(200)
    } finally {
      await noRedis.close()
    }
  })
})

describe("GET /api/v1/public/storefront", () => {
  it("answers the tenant of a platform subdomain, in both languages", async () => {
    const result = await withClient(api.url, (client) =>
      client.storefront.storefront({ headers: { "x-forwarded-host": `${charity.slug}.${PLATFORM}:3000` } })
    )
    expect(Either.getOrThrow(result)).toMatchObject({
      slug: charity.slug,
      kind: "charity",
      name: { ar: "جمعية النور الخيرية", en: "Al Noor Charity" },
      defaultLocale: "ar"
    })
  })

  it("answers the tenant of a custom domain, whatever its case", async () => {
    const domain = (shop as { domain?: string }).domain!
    const result = await withClient(api.url, (client) =>
      client.storefront.storefront({ headers: { "x-forwarded-host": domain.toUpperCase() } })
    )
    expect(Either.getOrThrow(result).name.en).toBe("Oasis Shop")
  })

  it("is 404 problem+json for an unknown host, a bare platform host and a nested subdomain", async () => {
    for (const host of [`nobody-here.${PLATFORM}`, PLATFORM, `x.${charity.slug}.${PLATFORM}`, `${charity.slug}.elsewhere.test`]) {
      const response = await fetch(`${api.url}/api/v1/public/storefront`, { headers: { "x-forwarded-host": host } })
      expect(response.status, host).toBe(404)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      const body = await response.json()
      expect(body).toEqual({
        type: "https://manara.app/problems/tenant-not-found",
        title: "Not Found",
        status: 404,
        detail: "No storefront at this address",
        instance: "/api/v1/public/storefront",
        requestId: response.headers.get("x-request-id")
      })
    }
    const typed = failureOf(
      await withClient(api.url, (client) => client.storefront.storefront({ headers: { "x-forwarded-host": `nobody-here.${PLATFORM}` } }))
    )
    expect(typed).toMatchObject({ _tag: "Problem", status: 404 })
  })

  it("is 403 tenant-suspended for a suspended tenant (its notice page), never its data", async () => {
    const suspended = await withOwner(
      urls,
      Effect.gen(function* () {
        const tenant = yield* createTenant()
        const sql = yield* SqlClient.SqlClient
        yield* sql`update tenants set status = 'suspended' where id = ${tenant.id}`
        return tenant
      })
    )
    const response = await fetch(`${api.url}/api/v1/public/storefront`, {
      headers: { "x-forwarded-host": `${suspended.slug}.${PLATFORM}` }
    })
    // The storefront shows a bilingual notice (docs/platform-admin.md); its data is never served.
    expect(response.status).toBe(403)
    expect(((await response.json()) as { type: string }).type).toContain("tenant-suspended")
  })

  it("is 400 problem+json with the field path for a malformed host", async () => {
    const response = await fetch(`${api.url}/api/v1/public/storefront`, {
      headers: { "x-forwarded-host": "bad host!<script>" }
    })
    expect(response.status).toBe(400)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    const body = await response.json()
    expect(body).toMatchObject({ status: 400, title: "Bad Request", type: "https://manara.app/problems/invalid-request" })
    expect(body.errors[0].path).toEqual(["x-forwarded-host"])
    expect(JSON.stringify(body)).not.toContain("<script>")
  })
})

describe("every response", () => {
  it("echoes a well-formed X-Request-Id and makes one otherwise", async () => {
    const echoed = await fetch(`${api.url}/api/v1/health/live`, { headers: { "x-request-id": "req-42.abc" } })
    expect(echoed.headers.get("x-request-id")).toBe("req-42.abc")
    const made = await fetch(`${api.url}/api/v1/health/live`, { headers: { "x-request-id": "no spaces allowed" } })
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("is a 404 problem for an unknown route", async () => {
    const response = await fetch(`${api.url}/api/v1/nothing-here`)
    expect(response.status).toBe(404)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(await response.json()).toMatchObject({ status: 404, type: "https://manara.app/problems/not-found" })
  })

  it("documents itself: OpenAPI at /api/openapi.json and a docs page at /api/docs", async () => {
    const spec = await (await fetch(`${api.url}/api/openapi.json`)).json()
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/api/v1/health", "/api/v1/health/live", "/api/v1/public/storefront"]))
    const docs = await fetch(`${api.url}/api/docs`)
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toContain("text/html")
    expect(await docs.text()).toContain("Manara API")
  })
})

describe("the listening socket", () => {
  it("holds a request that arrives before the app is attached, and hands it over", async () => {
    const server = createHeldServer()
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as { port: number }
    try {
      const early = fetch(`http://127.0.0.1:${port}/early`)
      // The request is in before anyone answers it.
      await new Promise((resolve) => setTimeout(resolve, 100))
      server.on("request", (request, response) => response.end(`answered ${request.url}`))
      const response = await early
      expect(await response.text()).toBe("answered /early")
      expect(await (await fetch(`http://127.0.0.1:${port}/late`)).text()).toBe("answered /late")
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
