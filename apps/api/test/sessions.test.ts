import { AdminDeleteUserCommand } from "@aws-sdk/client-cognito-identity-provider"
import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import {
  apiEnv,
  apiPeople,
  cognitoClient,
  createCognitoUser,
  createTenant,
  markMfaEnabled,
  type Person,
  TEST_PASSWORD,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

// Two API processes on one Redis and one database: a revocation made through one must reach the other.
let first: StartedApi
let second: StartedApi
let tenant: TenantFixture
let owner: Person
const people = apiPeople(() => first.url, urls, pool)

beforeAll(async () => {
  ;[first, second] = await Promise.all([startApi(apiEnv(urls, pool, {}, s3)), startApi(apiEnv(urls, pool, {}, s3))])
  tenant = await withOwner(urls, createTenant())
  owner = await people.memberOf(tenant, "owner")
})
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()])
})

const get = (api: StartedApi, path: string, person: Person, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/api/v1${path}`, { headers: { authorization: `Bearer ${person.token}`, "x-tenant": tenant.slug, ...headers } })

/**
 * Polls `check` until it holds; returns when the request that held was sent (its answer may come later on a
 * loaded machine: it still tells the state at that moment), or fails when none sent within `withinMs` held.
 */
const within = async (withinMs: number, check: () => Promise<boolean>) => {
  const started = Date.now()
  for (let sent = started; sent - started < withinMs; sent = Date.now()) {
    if (await check()) return sent - started
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`still not refused after ${withinMs} ms`)
}

const deleteInCognito = (email: string) =>
  cognitoClient(pool.endpoint).send(new AdminDeleteUserCommand({ UserPoolId: pool.userPoolId, Username: email }))

describe("revocation", () => {
  it("after sign-out the same access token is refused by every API process within 5 s", async () => {
    const member = await people.memberOf(tenant, "member")
    // Both processes have verified and remembered the token.
    expect((await get(first, "/tenant/inbox", member)).status).toBe(200)
    expect((await get(second, "/tenant/inbox", member)).status).toBe(200)
    const out = await fetch(`${first.url}/api/v1/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${member.token}` } })
    expect(out.status).toBe(204)
    expect((await get(first, "/tenant/inbox", member)).status).toBe(401)
    await within(5_000, async () => (await get(second, "/tenant/inbox", member)).status === 401)
    expect((await get(second, "/auth/me", member)).status).toBe(401)
  })

  it("after removal from a tenant the same token no longer reads its inbox, in any process, within 5 s", async () => {
    const member = await people.memberOf(tenant, "member", "removed")
    expect((await get(first, "/tenant/inbox", member)).status).toBe(200)
    expect((await get(second, "/tenant/inbox", member)).status).toBe(200)
    const members = (await (await get(first, "/tenant/members", owner)).json()) as Array<{ id: string; userId: string }>
    const id = members.find((m) => m.userId === member.userId)!.id
    const removed = await fetch(`${first.url}/api/v1/tenant/members/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": tenant.slug }
    })
    expect(removed.status).toBe(204)
    expect((await get(first, "/tenant/inbox", member)).status).toBe(404)
    await within(5_000, async () => (await get(second, "/tenant/inbox", member)).status === 404)
  })

  it("after the person is deleted in Cognito the same token is refused within 5 s", async () => {
    const member = await people.memberOf(tenant, "member", "deleted")
    expect((await get(second, "/tenant/inbox", member)).status).toBe(200)
    await deleteInCognito(member.email)
    await within(5_000, async () => (await get(second, "/tenant/inbox", member)).status === 401)
    expect((await get(first, "/auth/me", member)).status).toBe(401)
  })

  it("the inbox stream closes within 5 s of its reader being removed from the tenant", async () => {
    const member = await people.memberOf(tenant, "member", "listener")
    const response = await get(second, "/tenant/inbox/events", member)
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    await reader.read() // retry: ...
    const members = (await (await get(first, "/tenant/members", owner)).json()) as Array<{ id: string; userId: string }>
    const id = members.find((m) => m.userId === member.userId)!.id
    const removed = await fetch(`${first.url}/api/v1/tenant/members/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": tenant.slug }
    })
    expect(removed.status).toBe(204)
    // From the removal's answer: how long the DELETE itself took on a loaded machine is not the stream's doing.
    const started = Date.now()
    const closed = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true
      })(),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 6_000))
    ])
    expect(closed).toBe(true)
    expect(Date.now() - started).toBeLessThan(5_500)
  })
})

describe("a Cognito user created again with the same email", () => {
  it("signs in again (new sub): same account and memberships, MFA to be set up again", async () => {
    const admin = await people.memberOf(tenant, "admin", "recreated")
    expect((await get(first, "/auth/me", admin)).status).toBe(200)
    await deleteInCognito(admin.email)
    const newSub = await createCognitoUser(pool, admin.email, TEST_PASSWORD)
    const login = await people.post("/auth/login", { email: admin.email, password: TEST_PASSWORD })
    expect(login.status).toBe(200)
    const { accessToken } = (await login.json()) as { accessToken: string }
    const again: Person = { ...admin, token: accessToken }
    const me = await get(second, "/auth/me", again)
    expect(me.status).toBe(200)
    const body = (await me.json()) as {
      user: { id: string; mfaEnabled: boolean }
      memberships: Array<{ tenantSlug: string }>
      mfaSetupRequired: boolean
    }
    expect(body.user.id).toBe(admin.userId)
    expect(body.memberships.map((m) => m.tenantSlug)).toContain(tenant.slug)
    // The authenticator belonged to the deleted Cognito user.
    expect(body.user.mfaEnabled).toBe(false)
    expect(body.mfaSetupRequired).toBe(true)
    const [row] = await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ cognito_sub: string }>`select cognito_sub from users where id = ${admin.userId}`)
    )
    expect(row!.cognito_sub).toBe(newSub)
    // The old token (old sub) is not a way back in.
    await within(5_000, async () => (await get(first, "/auth/me", admin)).status === 401)
    await withOwner(urls, markMfaEnabled(admin.userId))
  })

  it("a person who never signed in before, created with a fresh email, signs in as usual (/auth/me too)", async () => {
    const someone = await people.person("fresh")
    expect((await get(second, "/auth/me", someone)).status).toBe(200)
  })
})
