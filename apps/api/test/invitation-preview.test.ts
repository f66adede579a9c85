import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const { call, memberOf } = apiPeople(() => api.url, urls, pool)
let home: TenantFixture
let other: TenantFixture
let owner: Person

// Each test its own documentation-range IP: the per-IP counter of wrong tokens is not shared with another test.
const freshIp = () => `192.0.2.${Math.floor(Math.random() * 250) + 1}`

/** The preview as the invitation page asks for it: no sign-in, the slug in `X-Tenant`, the token in the body. */
const preview = (slug: string, body: unknown, ip = freshIp(), target = api) =>
  fetch(`${target.url}/api/v1/tenant/invitations/preview`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-tenant": slug, "x-forwarded-for": ip },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

const expectProblem = async (response: Response, status: number, type?: string) => {
  expect(response.status).toBe(status)
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  if (type !== undefined) expect(await response.json()).toMatchObject({ type: `https://manara.app/problems/${type}` })
}

const invite = async (email: string, role = "owner") => {
  const created = await call("POST", "/tenant/invitations", owner, home.slug, { email, role })
  expect(created.status).toBe(201)
  return (await created.json()) as { token: string; invitation: { id: string } }
}

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
  ;[home, other] = (await withOwner(
    urls,
    Effect.all([createTenant({ nameAr: "جمعية الهدى", nameEn: "Al Huda Society" }), createTenant()])
  )) as [TenantFixture, TenantFixture]
  owner = await memberOf(home, "owner")
}, 120_000)
afterAll(async () => {
  await api?.close()
})

describe("an invitation seen before signing in", { timeout: 60_000 }, () => {
  it("answers the tenant's names, the role and the invited email, without a sign-in; still open afterwards", async () => {
    const email = `newcomer-${randomUUID().slice(0, 8)}@example.com`
    const { token } = await invite(email.toUpperCase(), "admin")
    const seen = await preview(home.slug, { token })
    expect(seen.status).toBe(200)
    expect(await seen.json()).toMatchObject({
      tenant: { slug: home.slug, name: { ar: "جمعية الهدى", en: "Al Huda Society" } },
      email,
      role: "admin"
    })
    // Looking does not use it up: the same link still previews.
    expect((await preview(home.slug, { token })).status).toBe(200)
  })

  it("another tenant's slug with this token, an unknown token, an unknown tenant: 404, as a token that never was", async () => {
    const { token } = await invite(`foreign-${randomUUID().slice(0, 8)}@example.com`)
    await expectProblem(await preview(other.slug, { token }), 404, "invitation-not-found")
    await expectProblem(await preview(home.slug, { token: "x".repeat(43) }), 404, "invitation-not-found")
    await expectProblem(await preview(`no-such-${randomUUID().slice(0, 8)}`, { token }), 404)
  })

  it("bad input is a 400 problem: a short token, no token, a malformed slug, not JSON", async () => {
    await expectProblem(await preview(home.slug, { token: "short" }), 400)
    await expectProblem(await preview(home.slug, {}), 400)
    await expectProblem(await preview(home.slug, { token: 42 }), 400)
    await expectProblem(await preview("Not A Slug", { token: "x".repeat(43) }), 400)
    await expectProblem(await preview(home.slug, "{not json"), 400)
  })

  it("used, expired and withdrawn invitations are the 409s accepting gives", async () => {
    const joiner = await memberOf(other, "member", "joiner")
    const used = await invite(joiner.email, "member")
    expect((await call("POST", "/tenant/invitations/accept", joiner, home.slug, { token: used.token })).status).toBe(200)
    await expectProblem(await preview(home.slug, { token: used.token }), 409, "invitation-used")

    const late = await invite(`late-${randomUUID().slice(0, 8)}@example.com`, "member")
    await withOwner(
      urls,
      asOwnerInTenant(
        home.id as TenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`update tenant_invitations set expires_at = now() - interval '1 minute' where id = ${late.invitation.id}`
        )
      )
    )
    await expectProblem(await preview(home.slug, { token: late.token }), 409, "invitation-expired")

    const withdrawn = await invite(`withdrawn-${randomUUID().slice(0, 8)}@example.com`, "member")
    expect((await call("DELETE", `/tenant/invitations/${withdrawn.invitation.id}`, owner, home.slug)).status).toBe(204)
    await expectProblem(await preview(home.slug, { token: withdrawn.token }), 409, "invitation-revoked")
  })

  it("wrong tokens count per IP like failed sign-ins: refused with 429 past the limit, even for a right token; another IP still sees it", async () => {
    const limited = await startApi(apiEnv(urls, pool, { LOGIN_LIMIT_PER_IP: "3", LOGIN_LIMIT_WINDOW_SECONDS: "600" }))
    try {
      const { token } = await invite(`guessed-${randomUUID().slice(0, 8)}@example.com`, "member")
      const guesser = freshIp()
      for (let i = 0; i < 3; i++)
        expect((await preview(home.slug, { token: randomUUID() + randomUUID() }, guesser, limited)).status).toBe(404)
      const blocked = await preview(home.slug, { token }, guesser, limited)
      await expectProblem(blocked, 429)
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0)
      // Right answers do not count: the invitee's own IP previews as often as it likes.
      const invitee = `203.0.113.${Math.floor(Math.random() * 250) + 1}`
      for (let i = 0; i < 4; i++) expect((await preview(home.slug, { token }, invitee, limited)).status).toBe(200)
    } finally {
      await limited.close()
    }
  })
})
