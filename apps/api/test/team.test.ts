import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import type { TenantId } from "@manara/domain"
import {
  addMember,
  apiEnv,
  apiPeople,
  asOwnerInTenant,
  createCognitoUser,
  createTenant,
  type Person,
  TEST_PASSWORD,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import * as OTPAuth from "otpauth"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const PASSWORD = TEST_PASSWORD

let api: StartedApi
const { call, memberOf, person, post } = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
})
afterAll(async () => {
  await api?.close()
})

describe("role matrix for the team endpoints", () => {
  let tenant: TenantFixture
  let people: Record<"owner" | "admin" | "member" | "stranger" | "otherAdmin", Person>
  let victimId: string

  beforeAll(async () => {
    const [home, other] = await withOwner(urls, Effect.all([createTenant(), createTenant()]))
    tenant = home!
    people = {
      owner: await memberOf(tenant, "owner"),
      admin: await memberOf(tenant, "admin"),
      member: await memberOf(tenant, "member"),
      stranger: await person("stranger"),
      otherAdmin: await memberOf(other!, "admin", "other")
    }
  })

  const expectations: Array<[string, string, string, () => unknown, Record<keyof typeof people, number>]> = [
    ["list members", "GET", "/tenant/members", () => undefined, { owner: 200, admin: 200, member: 200, stranger: 404, otherAdmin: 404 }],
    [
      "list invitations",
      "GET",
      "/tenant/invitations",
      () => undefined,
      { owner: 200, admin: 200, member: 403, stranger: 404, otherAdmin: 404 }
    ],
    [
      "invite",
      "POST",
      "/tenant/invitations",
      () => ({ email: `new-${randomUUID().slice(0, 6)}@example.com`, role: "member" }),
      { owner: 201, admin: 201, member: 403, stranger: 404, otherAdmin: 404 }
    ]
  ]

  for (const [name, method, path, body, statuses] of expectations) {
    it(`${name}: owner/admin/member/non-member/other tenant's admin`, async () => {
      for (const [who, status] of Object.entries(statuses)) {
        const response = await call(method, path, people[who as keyof typeof people], tenant.slug, body())
        expect(response.status, `${who} ${method} ${path}`).toBe(status)
        if (status >= 400) expect(response.headers.get("content-type")).toBe("application/problem+json")
      }
    })
  }

  it("change a role and remove a member: owners only", async () => {
    const victim = await memberOf(tenant, "member", "victim")
    const members = await (await call("GET", "/tenant/members", people.owner, tenant.slug)).json()
    victimId = members.find((m: { userId: string }) => m.userId === victim.userId).id
    for (const who of ["admin", "member"] as const) {
      expect((await call("PATCH", `/tenant/members/${victimId}`, people[who], tenant.slug, { role: "admin" })).status).toBe(403)
      expect((await call("DELETE", `/tenant/members/${victimId}`, people[who], tenant.slug)).status).toBe(403)
    }
    for (const who of ["stranger", "otherAdmin"] as const) {
      expect((await call("PATCH", `/tenant/members/${victimId}`, people[who], tenant.slug, { role: "admin" })).status).toBe(404)
      expect((await call("DELETE", `/tenant/members/${victimId}`, people[who], tenant.slug)).status).toBe(404)
    }
    const changed = await call("PATCH", `/tenant/members/${victimId}`, people.owner, tenant.slug, { role: "admin" })
    expect(changed.status).toBe(200)
    expect((await changed.json()).role).toBe("admin")
    expect((await call("DELETE", `/tenant/members/${victimId}`, people.owner, tenant.slug)).status).toBe(204)
    // Removed means removed: the victim's own requests now see no tenant.
    expect((await call("GET", "/tenant/members", victim, tenant.slug)).status).toBe(404)
  })

  it("a member id of another tenant is a 404 even for an owner", async () => {
    const foreign = await (await call("GET", "/tenant/members", people.otherAdmin, await otherSlugOf(people.otherAdmin))).json()
    const response = await call("DELETE", `/tenant/members/${foreign[0].id}`, people.owner, tenant.slug)
    expect(response.status).toBe(404)
  })

  it("bad input: unknown tenant slug, malformed slug, bad role, bad email, bad member id", async () => {
    expect((await call("GET", "/tenant/members", people.owner, "no-such-tenant")).status).toBe(404)
    expect((await call("GET", "/tenant/members", people.owner, "Not A Slug")).status).toBe(400)
    expect((await call("POST", "/tenant/invitations", people.owner, tenant.slug, { email: "x@example.com", role: "king" })).status).toBe(
      400
    )
    expect((await call("POST", "/tenant/invitations", people.owner, tenant.slug, { email: "not-an-email", role: "member" })).status).toBe(
      400
    )
    expect((await call("PATCH", "/tenant/members/not-a-uuid", people.owner, tenant.slug, { role: "admin" })).status).toBe(400)
    expect((await call("GET", "/tenant/members", undefined, tenant.slug)).status).toBe(401)
  })

  it("an admin cannot invite an owner", async () => {
    expect(
      (await call("POST", "/tenant/invitations", people.admin, tenant.slug, { email: "boss@example.com", role: "owner" })).status
    ).toBe(403)
  })

  it("the last owner can be neither demoted nor removed", async () => {
    const members = await (await call("GET", "/tenant/members", people.owner, tenant.slug)).json()
    const ownerId = members.find((m: { role: string }) => m.role === "owner").id
    const demote = await call("PATCH", `/tenant/members/${ownerId}`, people.owner, tenant.slug, { role: "admin" })
    expect(demote.status).toBe(409)
    expect(await demote.json()).toMatchObject({ type: "https://manara.app/problems/last-owner" })
    expect((await call("DELETE", `/tenant/members/${ownerId}`, people.owner, tenant.slug)).status).toBe(409)
  })

  it("every admin write leaves one audit row with actor, action, request id and IP; the runtime role cannot rewrite it", async () => {
    const requestId = `audit-${randomUUID()}`
    const response = await fetch(`${api.url}/api/v1/tenant/invitations`, {
      method: "POST",
      headers: {
        "x-tenant": tenant.slug,
        authorization: `Bearer ${people.owner.token}`,
        "content-type": "application/json",
        "x-request-id": requestId
      },
      body: JSON.stringify({ email: "audited@example.com", role: "member" })
    })
    expect(response.status).toBe(201)
    const rows = await withOwner(
      urls,
      asOwnerInTenant(
        tenant.id as TenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{
              action: string
              actor_user_id: string
              ip: string
            }>`select action, actor_user_id, host(ip) as ip from audit_log where request_id = ${requestId}`
        )
      )
    )
    expect(rows).toEqual([{ action: "member.invited", actor_user_id: people.owner.userId, ip: "127.0.0.1" }])
  })

  async function otherSlugOf(someone: Person) {
    const me = await (await fetch(`${api.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${someone.token}` } })).json()
    return me.memberships[0].tenantSlug as string
  }
})

describe("invitations", () => {
  it("an invitee joins once; reused, expired, foreign-tenant and someone else's tokens are refused", async () => {
    const [home, other] = await withOwner(urls, Effect.all([createTenant(), createTenant()]))
    const owner = await memberOf(home!, "owner")
    const invitee = await person("invitee")
    const created = await call("POST", "/tenant/invitations", owner, home!.slug, { email: invitee.email.toUpperCase(), role: "admin" })
    expect(created.status).toBe(201)
    const { token, invitation } = await created.json()
    expect(invitation).toMatchObject({ email: invitee.email, role: "admin" })

    expect((await call("POST", "/tenant/invitations/accept", invitee, other!.slug, { token })).status).toBe(404)
    const intruder = await person("intruder")
    expect((await call("POST", "/tenant/invitations/accept", intruder, home!.slug, { token })).status).toBe(404)
    expect((await call("POST", "/tenant/invitations/accept", invitee, home!.slug, { token: "x".repeat(43) })).status).toBe(404)
    expect((await call("POST", "/tenant/invitations/accept", invitee, home!.slug, { token: "short" })).status).toBe(400)

    const accepted = await call("POST", "/tenant/invitations/accept", invitee, home!.slug, { token })
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toMatchObject({ userId: invitee.userId, role: "admin" })
    const reused = await call("POST", "/tenant/invitations/accept", invitee, home!.slug, { token })
    expect(reused.status).toBe(409)
    expect(await reused.json()).toMatchObject({ type: "https://manara.app/problems/invitation-used" })

    const late = await person("late")
    const second = await (await call("POST", "/tenant/invitations", owner, home!.slug, { email: late.email, role: "member" })).json()
    await withOwner(
      urls,
      asOwnerInTenant(
        home!.id as TenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`update tenant_invitations set expires_at = now() - interval '1 minute' where id = ${second.invitation.id}`
        )
      )
    )
    const expired = await call("POST", "/tenant/invitations/accept", late, home!.slug, { token: second.token })
    expect(expired.status).toBe(409)
    expect(await expired.json()).toMatchObject({ type: "https://manara.app/problems/invitation-expired" })
  })
})

describe("withdrawing an invitation", () => {
  it("owners and admins withdraw; its link then fails with invitation-revoked; members, strangers and other tenants cannot", async () => {
    const [home, other] = await withOwner(urls, Effect.all([createTenant(), createTenant()]))
    const owner = await memberOf(home!, "owner")
    const admin = await memberOf(home!, "admin")
    const member = await memberOf(home!, "member")
    const otherOwner = await memberOf(other!, "owner", "other")
    const invitee = await person("withdrawn")
    const { invitation, token } = await (
      await call("POST", "/tenant/invitations", owner, home!.slug, { email: invitee.email, role: "member" })
    ).json()
    const path = `/tenant/invitations/${invitation.id}`

    // Another tenant's owner sees no such invitation, through their own tenant or ours.
    expect((await call("DELETE", path, otherOwner, other!.slug)).status).toBe(404)
    expect((await call("DELETE", path, otherOwner, home!.slug)).status).toBe(404)
    expect((await call("DELETE", path, member, home!.slug)).status).toBe(403)
    expect((await call("DELETE", path, undefined, home!.slug)).status).toBe(401)
    const badId = await call("DELETE", "/tenant/invitations/not-a-uuid", owner, home!.slug)
    expect(badId.status).toBe(400)
    expect(badId.headers.get("content-type")).toContain("application/problem+json")
    expect((await call("DELETE", `/tenant/invitations/${randomUUID()}`, owner, home!.slug)).status).toBe(404)

    const requestId = `revoke-${randomUUID()}`
    const revoked = await fetch(`${api.url}/api/v1${path}`, {
      method: "DELETE",
      headers: { "x-tenant": home!.slug, authorization: `Bearer ${admin.token}`, "x-request-id": requestId }
    })
    expect(revoked.status).toBe(204)
    // Again: nothing more happens, and no second audit row.
    expect((await call("DELETE", path, owner, home!.slug)).status).toBe(204)
    const open = await (await call("GET", "/tenant/invitations", owner, home!.slug)).json()
    expect(open.map((row: { id: string }) => row.id)).not.toContain(invitation.id)
    const audit = await withOwner(
      urls,
      asOwnerInTenant(
        home!.id as TenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{ action: string; actor_user_id: string; request_id: string | null }>`
        select action, actor_user_id, request_id from audit_log where entity_id = ${invitation.id} and action = 'member.invitation_revoked'`
        )
      )
    )
    expect(audit).toEqual([{ action: "member.invitation_revoked", actor_user_id: admin.userId, request_id: requestId }])

    const refused = await call("POST", "/tenant/invitations/accept", invitee, home!.slug, { token })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ type: "https://manara.app/problems/invitation-revoked" })
    const members = await (await call("GET", "/tenant/members", owner, home!.slug)).json()
    expect(members.map((row: { userId: string }) => row.userId)).not.toContain(invitee.userId)

    // An accepted invitation is no longer open: withdrawing it is a 409.
    const joiner = await person("joiner")
    const second = await (await call("POST", "/tenant/invitations", owner, home!.slug, { email: joiner.email, role: "member" })).json()
    expect((await call("POST", "/tenant/invitations/accept", joiner, home!.slug, { token: second.token })).status).toBe(200)
    const late = await call("DELETE", `/tenant/invitations/${second.invitation.id}`, owner, home!.slug)
    expect(late.status).toBe(409)
    expect(await late.json()).toMatchObject({ type: "https://manara.app/problems/invitation-used" })
  })
})

describe("MFA", () => {
  it("an admin without TOTP is sent to set it up; a wrong code fails, a right one passes, a reused one fails", async () => {
    const [tenant] = await withOwner(urls, Effect.all([createTenant()]))
    const admin = await person("mfa")
    await withOwner(urls, addMember(tenant!.id, admin.userId, "admin"))
    const auth = { authorization: `Bearer ${admin.token}` }

    const blocked = await call("GET", "/tenant/members", admin, tenant!.slug)
    expect(blocked.status).toBe(403)
    expect(await blocked.json()).toMatchObject({ type: "https://manara.app/problems/mfa-setup-required" })
    expect((await (await fetch(`${api.url}/api/v1/auth/me`, { headers: auth })).json()).mfaSetupRequired).toBe(true)

    const setup = await (await post("/auth/mfa/setup", {}, auth)).json()
    expect(setup.otpauthUri).toMatch(/^otpauth:\/\/totp\/Manara%3A.+\?secret=[A-Z2-7]+&issuer=Manara/)
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.secret), digits: 6, period: 30 })
    // Read early in its period: the steps below can use it for 50 s at least (the emulator takes codes ±30 s), on a loaded machine too.
    const left = 30_000 - (Date.now() % 30_000)
    if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50))
    const code = totp.generate()
    const wrong = code === "000000" ? "111111" : "000000"
    expect((await post("/auth/mfa/verify", { code: wrong }, auth)).status).toBe(401)
    const verified = await post("/auth/mfa/verify", { code }, auth)
    expect(verified.status).toBe(200)
    expect((await verified.json()).mfaSetupRequired).toBe(false)
    expect((await call("GET", "/tenant/members", admin, tenant!.slug)).status).toBe(200)

    // Signing in now asks for the code; the same code cannot be used twice.
    const challenge = await (await post("/auth/login", { email: admin.email, password: PASSWORD })).json()
    expect(challenge._tag).toBe("MfaChallenge")
    expect((await post("/auth/mfa", { email: admin.email, session: challenge.session, code: wrong })).status).toBe(401)
    const next = await (await post("/auth/login", { email: admin.email, password: PASSWORD })).json()
    const answered = await post("/auth/mfa", { email: admin.email, session: next.session, code })
    expect(answered.status).toBe(200)
    expect((await answered.json()).accessToken).toEqual(expect.any(String))
    const again = await (await post("/auth/login", { email: admin.email, password: PASSWORD })).json()
    const replay = await post("/auth/mfa", { email: admin.email, session: again.session, code })
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ type: "https://manara.app/problems/code-reused" })
  }, 60_000)
})

describe("refresh cookie and sign-out", () => {
  const cookieOf = (response: Response) => response.headers.getSetCookie().find((c) => c.startsWith("manara_refresh="))!

  it("is httpOnly, SameSite=Strict, scoped to the refresh path, Secure off localhost only", async () => {
    const someone = await person("cookie")
    const local = await post("/auth/login", { email: someone.email, password: PASSWORD }, { "x-forwarded-host": "demo.localhost:3000" })
    const cookie = cookieOf(local)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\/api\/v1\/auth\/refresh(;|$)/)
    expect(cookie).not.toMatch(/Secure/)
    const remote = await post("/auth/login", { email: someone.email, password: PASSWORD }, { "x-forwarded-host": "demo.manara.app" })
    expect(cookieOf(remote)).toMatch(/Secure/)
  })

  it("refreshes with the cookie, not without it, and not after sign-out", async () => {
    const someone = await person("refresh")
    const login = await post("/auth/login", { email: someone.email, password: PASSWORD })
    const cookie = cookieOf(login).split(";")[0]!
    const { accessToken } = await login.json()

    const refreshed = await post("/auth/refresh", {}, { cookie })
    expect(refreshed.status).toBe(200)
    expect((await refreshed.json()).accessToken).toEqual(expect.any(String))
    expect((await post("/auth/refresh", {})).status).toBe(401)
    expect((await post("/auth/refresh", {}, { cookie: "manara_refresh=forged" })).status).toBe(401)

    const logout = await post("/auth/logout", {}, { authorization: `Bearer ${accessToken}` })
    expect(logout.status).toBe(204)
    expect(cookieOf(logout)).toMatch(/Max-Age=0/)
    expect((await post("/auth/refresh", {}, { cookie })).status).toBe(401)
    expect((await post("/auth/logout", {})).status).toBe(401)
  })

  it("wrong passwords and unknown accounts get the same 401", async () => {
    const someone = await person("wrong")
    const wrong = await post("/auth/login", { email: someone.email, password: "nope-nope" })
    const unknown = await post("/auth/login", { email: `ghost-${randomUUID()}@example.com`, password: "nope-nope" })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect((await wrong.json()).detail).toBe((await unknown.json()).detail)
    expect((await post("/auth/login", { email: "bad", password: "" })).status).toBe(400)
  })
})

describe("login rate limits", () => {
  it("trip after the configured failures per account, with Retry-After and RateLimit headers, and recover after the window", async () => {
    const limited = await startApi(
      // 10 s: the three failures and the refusal fall in one window on a loaded machine too.
      apiEnv(urls, pool, { LOGIN_LIMIT_PER_ACCOUNT: "3", LOGIN_LIMIT_PER_IP: "100", LOGIN_LIMIT_WINDOW_SECONDS: "10" })
    )
    try {
      const email = `limited-${randomUUID()}@example.com`
      await createCognitoUser(pool, email, PASSWORD)
      const attempt = (password: string) =>
        fetch(`${limited.url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.7" },
          body: JSON.stringify({ email, password })
        })
      for (let i = 0; i < 3; i++) expect((await attempt("wrong-password")).status).toBe(401)
      const blocked = await attempt(PASSWORD)
      expect(blocked.status).toBe(429)
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0)
      expect(blocked.headers.get("ratelimit")).toMatch(/limit=3, remaining=0, reset=\d+/)
      expect(blocked.headers.get("content-type")).toBe("application/problem+json")
      // The window's end awaited, not guessed: refused attempts do not count, so asking again extends nothing.
      const until = Date.now() + 30_000
      let after = await attempt(PASSWORD)
      while (after.status === 429 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 500))
        after = await attempt(PASSWORD)
      }
      expect(after.status).toBe(200)
    } finally {
      await limited.close()
    }
  }, 60_000)

  it("trip per IP across accounts", async () => {
    const limited = await startApi(
      apiEnv(urls, pool, { LOGIN_LIMIT_PER_ACCOUNT: "100", LOGIN_LIMIT_PER_IP: "3", LOGIN_LIMIT_WINDOW_SECONDS: "60" })
    )
    try {
      const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`
      const attempt = () =>
        fetch(`${limited.url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": ip },
          body: JSON.stringify({ email: `spray-${randomUUID()}@example.com`, password: "guess" })
        })
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401)
      expect((await attempt()).status).toBe(429)
    } finally {
      await limited.close()
    }
  })
})
