import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, codeLogOffset, createCognitoUser, emailedCode, TEST_PASSWORD } from "@manara/testkit"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const log = pool.log!
const NEW_PASSWORD = "Fresh-Passw0rd!"

let api: StartedApi
beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
})
afterAll(async () => {
  await api?.close()
})

// A fresh client address per call site: the IP counters of one test do not reach another's.
const post = (path: string, body: unknown, ip = "192.0.2.10", base = () => api.url) =>
  fetch(`${base()}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body: JSON.stringify(body)
  })
const fresh = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`
const kind = async (response: Response) => ((await response.json()) as { type: string }).type.replace("https://manara.app/problems/", "")
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0")

describe("sign-up", { timeout: 30_000 }, () => {
  it("creates an unconfirmed account, confirmed only by the emailed code; then it signs in", async () => {
    const email = fresh("signup")
    const since = codeLogOffset(log)
    const started = await post("/auth/signup", { email, password: TEST_PASSWORD, locale: "ar" })
    expect(started.status).toBe(201)
    expect(await started.json()).toEqual({ confirmed: false })
    // Not confirmed yet: the password alone does not open it.
    expect((await post("/auth/login", { email, password: TEST_PASSWORD })).status).toBe(401)
    const code = await emailedCode(log, email, since)

    const wrong = await post("/auth/signup/confirm", { email, code: otherCode(code) })
    expect(wrong.status).toBe(400)
    expect(wrong.headers.get("content-type")).toBe("application/problem+json")
    expect(await kind(wrong)).toBe("wrong-code")

    expect((await post("/auth/signup/confirm", { email, code })).status).toBe(204)
    // Used once: confirming again is an expired code, not a second account.
    const again = await post("/auth/signup/confirm", { email, code })
    expect(again.status).toBe(400)
    expect(await kind(again)).toBe("code-expired")

    const login = await post("/auth/login", { email, password: TEST_PASSWORD })
    expect(login.status).toBe(200)
    expect(((await login.json()) as { _tag: string })._tag).toBe("SignedIn")
  })

  it("refuses an email that already has an account: 409 email-taken", async () => {
    const email = fresh("taken")
    await createCognitoUser(pool, email, TEST_PASSWORD)
    const response = await post("/auth/signup", { email, password: TEST_PASSWORD })
    expect(response.status).toBe(409)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(await kind(response)).toBe("email-taken")
  })

  it("refuses a weak password before Cognito makes the account: 400 weak-password on the password field", async () => {
    const email = fresh("weak")
    for (const password of ["short1!A", "alllowercase1!", "NoDigits!!", "NoSymbol123", "ALLUPPER1!"].slice(1)) {
      const response = await post("/auth/signup", { email, password })
      expect(response.status, password).toBe(400)
      const body = (await response.json()) as { type: string; errors: Array<{ path: Array<string> }> }
      expect(body.type).toBe("https://manara.app/problems/weak-password")
      expect(body.errors[0]!.path).toEqual(["password"])
    }
    expect((await post("/auth/signup", { email, password: "Ab1!" })).status).toBe(400)
    // No account was made by the refusals: the same email signs up now.
    expect((await post("/auth/signup", { email, password: TEST_PASSWORD })).status).toBe(201)
  })

  it("sends another code on request, which confirms; an unknown or confirmed email gets the same 202", async () => {
    const email = fresh("resend")
    expect((await post("/auth/signup", { email, password: TEST_PASSWORD })).status).toBe(201)
    const first = await emailedCode(log, email)
    const since = codeLogOffset(log)
    const resent = await post("/auth/signup/resend", { email })
    expect(resent.status).toBe(202)
    const second = await emailedCode(log, email, since)
    if (second !== first) expect(await kind(await post("/auth/signup/confirm", { email, code: first }))).toBe("wrong-code")
    expect((await post("/auth/signup/confirm", { email, code: second })).status).toBe(204)

    const unknown = await post("/auth/signup/resend", { email: fresh("nobody") })
    const confirmed = await post("/auth/signup/resend", { email })
    expect([unknown.status, confirmed.status]).toEqual([202, 202])
    expect(await unknown.text()).toBe(await confirmed.text())
  })

  it("an unknown email's code answers as an account already confirmed does (nothing tells it has no account)", async () => {
    const confirmed = fresh("confirmed")
    await createCognitoUser(pool, confirmed, TEST_PASSWORD)
    const unknown = await post("/auth/signup/confirm", { email: fresh("ghost"), code: "123456" })
    const known = await post("/auth/signup/confirm", { email: confirmed, code: "123456" })
    expect([unknown.status, known.status]).toEqual([400, 400])
    expect(await kind(unknown)).toBe(await kind(known))
  })
})

describe("forgotten password", { timeout: 30_000 }, () => {
  it("emails a code, which sets a new password; the old one stops working", async () => {
    const email = fresh("forgot")
    await createCognitoUser(pool, email, TEST_PASSWORD)
    const since = codeLogOffset(log)
    expect((await post("/auth/password/forgot", { email })).status).toBe(202)
    const code = await emailedCode(log, email, since)

    const wrong = await post("/auth/password/reset", { email, code: otherCode(code), password: NEW_PASSWORD })
    expect(wrong.status).toBe(400)
    expect(await kind(wrong)).toBe("wrong-code")
    const weak = await post("/auth/password/reset", { email, code, password: "weakweak" })
    expect(weak.status).toBe(400)
    expect(await kind(weak)).toBe("weak-password")

    expect((await post("/auth/password/reset", { email, code, password: NEW_PASSWORD })).status).toBe(204)
    expect((await post("/auth/login", { email, password: TEST_PASSWORD })).status).toBe(401)
    expect((await post("/auth/login", { email, password: NEW_PASSWORD })).status).toBe(200)
  })

  it("answers an unknown email exactly as a known one: 202, same body, same headers that matter", async () => {
    const known = fresh("known")
    await createCognitoUser(pool, known, TEST_PASSWORD)
    const a = await post("/auth/password/forgot", { email: known }, "192.0.2.20")
    const b = await post("/auth/password/forgot", { email: fresh("unknown") }, "192.0.2.20")
    expect([a.status, b.status]).toEqual([202, 202])
    expect(await a.text()).toBe(await b.text())
    expect(a.headers.get("content-type")).toBe(b.headers.get("content-type"))
    expect(a.headers.get("content-length")).toBe(b.headers.get("content-length"))
  })

  it("an unknown email's reset is a wrong code", async () => {
    const response = await post("/auth/password/reset", { email: fresh("ghost"), code: "123456", password: NEW_PASSWORD })
    expect(response.status).toBe(400)
    expect(await kind(response)).toBe("wrong-code")
  })
})

describe("rate limits", { timeout: 30_000 }, () => {
  it("code emails: the account's limit counts every request, known account or not, with Retry-After", async () => {
    const limited = await startApi(apiEnv(urls, pool, { CODE_EMAIL_LIMIT_PER_ACCOUNT: "2", CODE_EMAIL_LIMIT_PER_IP: "100" }))
    try {
      const known = fresh("often")
      await createCognitoUser(pool, known, TEST_PASSWORD)
      for (const email of [known, fresh("often-unknown")]) {
        for (let i = 0; i < 2; i++)
          expect((await post("/auth/password/forgot", { email }, "192.0.2.30", () => limited.url)).status).toBe(202)
        const blocked = await post("/auth/password/forgot", { email }, "192.0.2.30", () => limited.url)
        expect(blocked.status).toBe(429)
        expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0)
        expect(blocked.headers.get("ratelimit")).toMatch(/limit=2, remaining=0, reset=\d+/)
        expect(await kind(blocked)).toBe("rate-limited")
      }
      // Sign-up and resend share the count.
      const email = fresh("signup-often")
      expect((await post("/auth/signup", { email, password: TEST_PASSWORD }, "192.0.2.31", () => limited.url)).status).toBe(201)
      expect((await post("/auth/signup/resend", { email }, "192.0.2.31", () => limited.url)).status).toBe(202)
      expect((await post("/auth/signup/resend", { email }, "192.0.2.31", () => limited.url)).status).toBe(429)
    } finally {
      await limited.close()
    }
  })

  it("code emails: the IP's limit across addresses", async () => {
    const limited = await startApi(apiEnv(urls, pool, { CODE_EMAIL_LIMIT_PER_ACCOUNT: "100", CODE_EMAIL_LIMIT_PER_IP: "3" }))
    try {
      for (let i = 0; i < 3; i++)
        expect((await post("/auth/password/forgot", { email: fresh("spray") }, "192.0.2.40", () => limited.url)).status).toBe(202)
      expect((await post("/auth/signup", { email: fresh("spray"), password: TEST_PASSWORD }, "192.0.2.40", () => limited.url)).status).toBe(
        429
      )
    } finally {
      await limited.close()
    }
  })

  it("wrong codes count like failed sign-ins: the right code is refused once the account is blocked", async () => {
    const limited = await startApi(apiEnv(urls, pool, { LOGIN_LIMIT_PER_ACCOUNT: "3", LOGIN_LIMIT_PER_IP: "100" }))
    try {
      const email = fresh("guess")
      await createCognitoUser(pool, email, TEST_PASSWORD)
      const since = codeLogOffset(log)
      expect((await post("/auth/password/forgot", { email }, "192.0.2.50", () => limited.url)).status).toBe(202)
      const code = await emailedCode(log, email, since)
      for (let i = 0; i < 3; i++) {
        const wrong = await post(
          "/auth/password/reset",
          { email, code: otherCode(code), password: NEW_PASSWORD },
          "192.0.2.50",
          () => limited.url
        )
        expect(wrong.status).toBe(400)
      }
      const blocked = await post("/auth/password/reset", { email, code, password: NEW_PASSWORD }, "192.0.2.50", () => limited.url)
      expect(blocked.status).toBe(429)
      expect(await kind(blocked)).toBe("rate-limited")
      // Confirming a sign-up is counted the same way, on the same account.
      expect((await post("/auth/signup/confirm", { email, code }, "192.0.2.50", () => limited.url)).status).toBe(429)
    } finally {
      await limited.close()
    }
  })
})

describe("bad input: 400 problem+json on every endpoint", () => {
  const cases: Array<[string, unknown]> = [
    ["/auth/signup", { email: "not-an-email", password: TEST_PASSWORD }],
    ["/auth/signup", { email: fresh("x") }],
    ["/auth/signup", { email: fresh("x"), password: "" }],
    ["/auth/signup", { email: fresh("x"), password: "a".repeat(257) }],
    ["/auth/signup", { email: fresh("x"), password: TEST_PASSWORD, locale: "fr" }],
    ["/auth/signup", { email: fresh("x"), password: "Str0ng-\u0000Pass!" }],
    ["/auth/signup/confirm", { email: fresh("x"), code: "12345" }],
    ["/auth/signup/confirm", { email: fresh("x"), code: "abcdef" }],
    ["/auth/signup/confirm", { code: "123456" }],
    ["/auth/signup/resend", { email: "a@b" }],
    ["/auth/signup/resend", {}],
    ["/auth/password/forgot", { email: 42 }],
    ["/auth/password/forgot", []],
    ["/auth/password/reset", { email: fresh("x"), code: "123456" }],
    ["/auth/password/reset", { email: fresh("x"), code: "1234567", password: NEW_PASSWORD }],
    ["/auth/password/reset", { email: "", code: "123456", password: NEW_PASSWORD }]
  ]
  for (const [path, body] of cases) {
    it(`${path} ${JSON.stringify(body).slice(0, 60)}`, async () => {
      const response = await post(path, body, "192.0.2.60")
      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      expect(await kind(response)).toBe("invalid-request")
    })
  }

  it("a body that is not JSON", async () => {
    const response = await fetch(`${api.url}/api/v1/auth/password/forgot`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json"
    })
    expect(response.status).toBe(400)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
  })
})
