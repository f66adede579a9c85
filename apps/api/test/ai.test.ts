import { HttpApp, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { AiBudgetExhausted, AiRateLimited, AiUnavailable, budgetMonth } from "@manara/ai-gateway"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { asProblem } from "../src/ProblemMapping.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const people = apiPeople(() => api.url, urls, pool)
let home: TenantFixture
let other: TenantFixture
let owner: Person
let member: Person
let foreignOwner: Person
let admin: Person
const month = budgetMonth()

const json = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a problem or answer body, read field by field in assertions
  body: (await response.json()) as any
})

/** Three calls already metered this month (written as the owner: the gateway's own path has its tests). */
const meter = (tenant: TenantFixture) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`
    insert into ai_usage_log (tenant_id, reservation_id, conversation_id, model, billed_month, input_tokens, output_tokens, cost_microfils, latency_ms, outcome, created_at)
    values
      (${tenant.id}, ${randomUUID()}, 'c1', 'manara-deterministic', ${`${month}-01`}, 100, 50, 1500, 12, 'ok', ${`${month}-01T10:00:00+03:00`}),
      (${tenant.id}, ${randomUUID()}, 'c1', 'manara-deterministic', ${`${month}-01`}, 10, 5, 150, 9, 'disconnected', ${`${month}-01T11:00:00+03:00`}),
      (${tenant.id}, ${randomUUID()}, 'c2', 'manara-deterministic', ${`${month}-01`}, 20, 0, 200, 30, 'error', ${`${month}-02T09:00:00+03:00`})`
      )
    )
  )

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  ;[home, other] = await Promise.all([withOwner(urls, createTenant()), withOwner(urls, createTenant())])
  await meter(home)
  ;[owner, member, foreignOwner, admin] = await Promise.all([
    people.memberOf(home, "owner"),
    people.memberOf(home, "member"),
    people.memberOf(other, "owner"),
    people.person("platform-admin")
  ])
  await withOwner(
    urls,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`update users set is_platform_admin = true, mfa_enabled = true where id = ${admin.userId}`
    )
  )
  // Users are cached after sign-in: a fresh process reads the flag.
  await api.close()
  api = await startApi(apiEnv(urls, pool))
}, 60_000)
afterAll(() => api?.close())

describe("GET /tenant/ai/usage", () => {
  it("this month against the plan's budget, per Kuwait day, by outcome, with the caps and what is in flight", async () => {
    const { body, status } = await json(await people.call("GET", "/tenant/ai/usage", owner, home.slug))
    expect(status).toBe(200)
    expect(body).toMatchObject({
      month,
      planCode: "free",
      budget: { tokens: "50000", costMicrofils: "500000000" },
      used: { tokens: "185", costMicrofils: "1850" },
      caps: { maxInputChars: 4000, maxOutputTokens: 400, maxTurns: 20 },
      calls: { ok: 1, error: 1, timeout: 0, disconnected: 1 },
      days: [
        { day: `${month}-01`, tokens: "165", costMicrofils: "1650", calls: 2 },
        { day: `${month}-02`, tokens: "20", costMicrofils: "200", calls: 1 }
      ],
      live: { reserved: { tokens: "0", costMicrofils: "0" } }
    })
  })

  it("another month is empty; a malformed month or tenant header is a 400 problem", async () => {
    const empty = await json(await people.call("GET", "/tenant/ai/usage?month=2026-01", owner, home.slug))
    expect(empty.body).toMatchObject({ month: "2026-01", used: { tokens: "0" }, days: [] })
    for (const query of ["month=2026-13", "month=26-01", "month=2026-1", `month=${"9".repeat(40)}`]) {
      const bad = await json(await people.call("GET", `/tenant/ai/usage?${query}`, owner, home.slug))
      expect(bad.status, query).toBe(400)
      expect(bad.type).toContain("application/problem+json")
    }
    expect((await people.call("GET", "/tenant/ai/usage", owner, "Not A Slug")).status).toBe(400)
  })

  it("a member is refused (403); another tenant's owner and nobody get 404 and 401", async () => {
    expect((await json(await people.call("GET", "/tenant/ai/usage", member, home.slug))).body).toMatchObject({
      status: 403,
      type: "https://manara.app/problems/role-not-allowed"
    })
    const foreign = await json(await people.call("GET", "/tenant/ai/usage", foreignOwner, home.slug))
    expect(foreign).toMatchObject({ status: 404, body: { type: "https://manara.app/problems/tenant-not-found" } })
    expect((await people.call("GET", "/tenant/ai/usage", undefined, home.slug)).status).toBe(401)
    // Their own tenant shows none of home's usage.
    expect((await json(await people.call("GET", "/tenant/ai/usage", foreignOwner, other.slug))).body).toMatchObject({
      used: { tokens: "0" },
      days: []
    })
  })
})

describe("the platform admin's AI usage and budgets", () => {
  const asAdmin = (who: Person, method: string, path: string, body?: unknown) =>
    fetch(`${api.url}/api/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })

  it("every tenant's month for an admin; 404 for anyone else", async () => {
    expect((await asAdmin(owner, "GET", "/ai/usage")).status).toBe(404)
    const { body, status } = await json(await asAdmin(admin, "GET", "/ai/usage"))
    expect(status).toBe(200)
    expect(body.find((row: { slug: string }) => row.slug === home.slug)).toMatchObject({
      used: { tokens: "185", costMicrofils: "1850" },
      calls: 3
    })
    expect(body.find((row: { slug: string }) => row.slug === other.slug)).toMatchObject({ used: { tokens: "0" }, calls: 0 })
  })

  it("an override takes effect for the tenant at once; null puts the plan's back; strangers and unknown tenants get 404", async () => {
    expect((await asAdmin(owner, "PUT", `/tenants/${home.id}/ai-budget`, { tokens: "1", costMicrofils: "1" })).status).toBe(404)
    expect((await asAdmin(admin, "PUT", `/tenants/${randomUUID()}/ai-budget`, { tokens: "1", costMicrofils: "1" })).status).toBe(404)
    for (const bad of [
      { tokens: "-1", costMicrofils: null },
      { tokens: 12, costMicrofils: null },
      { tokens: "1e3", costMicrofils: null },
      {}
    ]) {
      const refused = await json(await asAdmin(admin, "PUT", `/tenants/${home.id}/ai-budget`, bad))
      expect(refused.status, JSON.stringify(bad)).toBe(400)
    }
    expect((await asAdmin(admin, "PUT", `/tenants/${home.id}/ai-budget`, { tokens: "120000", costMicrofils: "2000000000" })).status).toBe(
      204
    )
    expect((await json(await people.call("GET", "/tenant/ai/usage", owner, home.slug))).body.budget).toEqual({
      tokens: "120000",
      costMicrofils: "2000000000"
    })
    expect((await asAdmin(admin, "PUT", `/tenants/${home.id}/ai-budget`, { tokens: null, costMicrofils: null })).status).toBe(204)
    expect((await json(await people.call("GET", "/tenant/ai/usage", owner, home.slug))).body.budget).toEqual({
      tokens: "50000",
      costMicrofils: "500000000"
    })
    // The other tenant's budget never moved.
    const rows = (await json(await asAdmin(admin, "GET", "/ai/usage"))).body
    expect(rows.find((row: { slug: string }) => row.slug === other.slug).budget).toEqual({ tokens: "50000", costMicrofils: "500000000" })
  })
})

describe("the gateway's refusals on the wire", () => {
  /** What a handler answers when the gateway refuses: `asProblem`, then the problem as the API encodes it. */
  const answer = (error: unknown) =>
    HttpApp.toWebHandler(
      asProblem(Effect.fail(error)).pipe(
        Effect.catchAll((problem) => HttpServerResponse.json(problem, { status: problem.status, contentType: "application/problem+json" })),
        Effect.orDie
      )
    )(new Request("http://x/"))

  it("budget spent and rate limited: 429 problem+json with the reason and Retry-After; Redis down: 503 with Retry-After", async () => {
    const budget = await answer(new AiBudgetExhausted({ reason: "tokens", retryAfterSeconds: 3600 }))
    expect(budget.status).toBe(429)
    expect(budget.headers.get("content-type")).toContain("application/problem+json")
    expect(budget.headers.get("retry-after")).toBe("3600")
    expect(await budget.json()).toMatchObject({
      type: "https://manara.app/problems/ai-budget-exhausted",
      detail: expect.stringContaining("tokens")
    })

    const rate = await answer(new AiRateLimited({ scope: "conversation", retryAfterSeconds: 42 }))
    expect([rate.status, rate.headers.get("retry-after")]).toEqual([429, "42"])
    expect(await rate.json()).toMatchObject({
      type: "https://manara.app/problems/ai-rate-limited",
      detail: expect.stringContaining("conversation")
    })

    const down = await answer(new AiUnavailable({ retryAfterSeconds: 5 }))
    expect([down.status, down.headers.get("retry-after")]).toEqual([503, "5"])
    expect(await down.json()).toMatchObject({ type: "https://manara.app/problems/ai-unavailable" })
  })
})
