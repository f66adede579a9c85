import { startApi, type StartedApi } from "@manara/api/server"
import {
  addMember,
  apiEnv,
  apiPeople,
  type CognitoPool,
  createCognitoUser,
  createPool,
  createTenant,
  TEST_PASSWORD,
  type TenantFixture,
  withOwner
} from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import * as OTPAuth from "otpauth"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

// Production's pool requires MFA: a first sign-in sets up the authenticator through Cognito's MFA_SETUP challenge.
const urls = inject("manaraDatabase")
const shared = inject("manaraCognito")

let api: StartedApi
let pool: CognitoPool
let home: TenantFixture
let foreign: TenantFixture
const people = () => apiPeople(() => api.url, urls, pool)
const post = (path: string, body: unknown) => people().post(path, body)

beforeAll(async () => {
  pool = await createPool(shared.endpoint, `staff-${randomUUID().slice(0, 8)}`, "ON")
  api = await startApi(apiEnv(urls, pool))
  ;[home, foreign] = (await withOwner(urls, Effect.all([createTenant(), createTenant()]))) as [TenantFixture, TenantFixture]
})
afterAll(async () => {
  await api?.close()
})

/** Reads a code early in its period: the steps after it can use it for 50 s at least (the emulator takes codes ±30 s). */
const codeWithRoom = async (secret: string) => {
  const left = 30_000 - (Date.now() % 30_000)
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 50))
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate()
}
const otherThan = (code: string) => (code === "000000" ? "111111" : "000000")

const newStaff = async (label: string) => {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`
  const sub = await createCognitoUser(pool, email, TEST_PASSWORD)
  return { email, sub }
}

const loginAnswer = async (email: string) => {
  const response = await post("/auth/login", { email, password: TEST_PASSWORD })
  expect(response.status).toBe(200)
  return (await response.json()) as { _tag: string; session?: string; accessToken?: string }
}

const expectProblem = async (response: Response, status: number, kind: string) => {
  expect(response.status).toBe(status)
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  expect(await response.json()).toMatchObject({ type: `https://manara.app/problems/${kind}` })
}

describe("a first sign-in on a pool that requires MFA", () => {
  it("answers MfaSetupChallenge; the app set up in it signs the person in with MFA on, and the next sign-in asks for its code", async () => {
    const { email } = await newStaff("first")
    const challenge = await loginAnswer(email)
    expect(challenge).toEqual({ _tag: "MfaSetupChallenge", session: expect.any(String) })
    expect(challenge.accessToken).toBeUndefined()

    const begun = await post("/auth/mfa/first-setup", { email, session: challenge.session })
    expect(begun.status).toBe(200)
    const setup = (await begun.json()) as { secret: string; otpauthUri: string; session: string }
    expect(setup.secret).toMatch(/^[A-Z2-7]+=*$/)
    expect(setup.otpauthUri).toMatch(/^otpauth:\/\/totp\/Manara%3A.+\?secret=[A-Z2-7]+&issuer=Manara/)
    expect(setup.session).toEqual(expect.any(String))

    const code = await codeWithRoom(setup.secret)
    // A wrong code is the caller's mistake: 401 bad-code, and the same session may try again.
    await expectProblem(
      await post("/auth/mfa/first-setup/verify", { email, session: setup.session, code: otherThan(code) }),
      401,
      "bad-code"
    )
    const verified = await post("/auth/mfa/first-setup/verify", { email, session: setup.session, code })
    expect(verified.status).toBe(200)
    const signedIn = (await verified.json()) as { _tag: string; accessToken: string }
    expect(signedIn._tag).toBe("SignedIn")
    expect(verified.headers.getSetCookie().some((cookie) => cookie.startsWith("manara_refresh="))).toBe(true)

    const auth = { authorization: `Bearer ${signedIn.accessToken}` }
    const me = (await (await fetch(`${api.url}/api/v1/auth/me`, { headers: auth })).json()) as {
      user: { mfaEnabled: boolean }
      mfaSetupRequired: boolean
    }
    expect(me.user.mfaEnabled).toBe(true)
    expect(me.mfaSetupRequired).toBe(false)

    // The challenge's session is spent (tried with the previous period's code, which the emulator would still take).
    const previous = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.secret), digits: 6, period: 30 }).generate({
      timestamp: Date.now() - 30_000
    })
    await expectProblem(await post("/auth/mfa/first-setup/verify", { email, session: setup.session, code: previous }), 401, "bad-code")

    // From now on the password leads to the code, and the code used to set up cannot be replayed.
    const next = await loginAnswer(email)
    expect(next._tag).toBe("MfaChallenge")
    await expectProblem(await post("/auth/mfa", { email, session: next.session, code }), 401, "code-reused")
    const period = 30_000 - (Date.now() % 30_000)
    await new Promise((resolve) => setTimeout(resolve, period + 50))
    const again = await loginAnswer(email)
    const answered = await post("/auth/mfa", { email, session: again.session, code: await codeWithRoom(setup.secret) })
    expect(answered.status).toBe(200)
    expect(((await answered.json()) as { accessToken: string }).accessToken).toEqual(expect.any(String))
  }, 120_000)

  it("an owner set up through the challenge manages their tenant at once, and another tenant is still a 404", async () => {
    const { email } = await newStaff("owner")
    const challenge = await loginAnswer(email)
    const setup = (await (await post("/auth/mfa/first-setup", { email, session: challenge.session })).json()) as {
      secret: string
      session: string
    }
    const verified = await post("/auth/mfa/first-setup/verify", { email, session: setup.session, code: await codeWithRoom(setup.secret) })
    expect(verified.status).toBe(200)
    const token = ((await verified.json()) as { accessToken: string }).accessToken
    const me = (await (await fetch(`${api.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      user: { id: string }
    }
    await withOwner(urls, addMember(home.id, me.user.id as never, "owner"))

    const person = { email, token, userId: me.user.id }
    // No in-app detour to /dashboard/mfa: the flag followed Cognito.
    expect((await people().call("GET", "/tenant/members", person, home.slug)).status).toBe(200)
    await expectProblem(await people().call("GET", "/tenant/members", person, foreign.slug), 404, "tenant-not-found")
  }, 90_000)

  it("refuses a forged, foreign or malformed session and a malformed code with a problem, never a 5xx", async () => {
    const a = await newStaff("a")
    const b = await newStaff("b")
    const challengeA = await loginAnswer(a.email)
    const challengeB = await loginAnswer(b.email)
    expect(challengeB._tag).toBe("MfaSetupChallenge")

    const forged = Buffer.from(JSON.stringify({ c: pool.clientId, u: a.sub, n: "guess" })).toString("base64url")
    await expectProblem(await post("/auth/mfa/first-setup", { email: a.email, session: forged }), 401, "bad-code")
    await expectProblem(await post("/auth/mfa/first-setup", { email: a.email, session: "not-a-session" }), 401, "bad-code")
    expect((await post("/auth/mfa/first-setup", { email: a.email, session: "" })).status).toBe(400)
    expect((await post("/auth/mfa/first-setup", { email: a.email })).status).toBe(400)

    const setupA = (await (await post("/auth/mfa/first-setup", { email: a.email, session: challengeA.session })).json()) as {
      secret: string
      session: string
    }
    const code = await codeWithRoom(setupA.secret)
    await expectProblem(
      await post("/auth/mfa/first-setup/verify", { email: a.email, session: setupA.session, code: "12345" }),
      400,
      "invalid-request"
    )
    // A's session and code, answered in B's name: Cognito refuses it, and neither is signed in.
    await expectProblem(await post("/auth/mfa/first-setup/verify", { email: b.email, session: setupA.session, code }), 401, "bad-code")
    // B's challenge is untouched by A's setup.
    const setupB = await post("/auth/mfa/first-setup", { email: b.email, session: challengeB.session })
    expect(setupB.status).toBe(200)
  }, 90_000)
})
