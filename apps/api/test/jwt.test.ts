import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, createCognitoUser, PgProxy } from "@manara/testkit"
import * as Jose from "jose"
import { createRequire } from "node:module"
import { randomUUID } from "node:crypto"
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const issuer = `${pool.endpoint}/${pool.userPoolId}`

// cognito-local signs every pool's tokens with one key whose private half ships in the package:
// with it, the tests forge tokens whose signature is valid, so only our claim checks can stop them.
const emulatorKey = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("cognito-local/lib/keys/cognitoLocal.private.json"), "utf8")
).jwk as Jose.JWK

let api: StartedApi
let proxy: PgProxy
let realToken: string
let signingKey: CryptoKey | Uint8Array
let sub: string

const now = () => Math.floor(Date.now() / 1000)

const forge = (claims: Record<string, unknown>, header: Partial<Jose.JWTHeaderParameters> = {}, key = signingKey) =>
  new Jose.SignJWT({ sub, token_use: "access", client_id: pool.clientId, username: sub, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "CognitoLocal", ...header })
    .setIssuer(typeof claims.iss === "string" ? claims.iss : issuer)
    .setIssuedAt()
    .setExpirationTime(typeof claims.exp === "number" ? claims.exp : now() + 600)
    .sign(key)

const unsigned = (claims: Record<string, unknown>) => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub, token_use: "access", client_id: pool.clientId, iss: issuer, exp: now() + 600, ...claims })}.`
}

const me = (token: string | undefined) =>
  fetch(`${api.url}/api/v1/auth/me`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  proxy = await PgProxy.start()
  api = await startApi(apiEnv(urls, pool, { DATABASE_URL: proxy.url(urls.runtimeUrl) }))
  signingKey = (await Jose.importJWK(emulatorKey, "RS256")) as CryptoKey
  const email = `jwt-${randomUUID()}@example.com`
  sub = await createCognitoUser(pool, email, "Str0ng-Passw0rd!")
  const login = await fetch(`${api.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "Str0ng-Passw0rd!" })
  })
  realToken = (await login.json()).accessToken
})

afterAll(async () => {
  await api?.close()
  await proxy?.close()
})

describe("Bearer access tokens", () => {
  it("a real access token from the pool is accepted", async () => {
    const response = await me(realToken)
    expect(response.status).toBe(200)
    expect((await response.json()).user.email).toMatch(/^jwt-/)
  })

  it("a well-formed token with a valid emulator signature and our claims is accepted (the baseline the attacks vary)", async () => {
    expect((await me(await forge({}))).status).toBe(200)
  })

  const attacks: Array<[string, () => string | undefined | Promise<string | undefined>]> = [
    ["no token at all", () => undefined],
    ["garbage", () => "not.a.jwt"],
    ["an id token", () => forge({ token_use: "id", aud: pool.clientId })],
    ["a token from another pool (issuer)", () => forge({ iss: `${pool.endpoint}/local_other` })],
    ["a token for another client", () => forge({ client_id: "another-client" })],
    ["alg none", () => unsigned({})],
    [
      "HS256 signed with the public key as the secret",
      async () => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = emulatorKey
        const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
        return new Jose.SignJWT({ sub, token_use: "access", client_id: pool.clientId })
          .setProtectedHeader({ alg: "HS256", kid: "CognitoLocal" })
          .setIssuer(issuer)
          .setExpirationTime("10m")
          .sign(secret)
      }
    ],
    ["a jku header", () => forge({}, { jku: "http://127.0.0.1:1/jwks.json" })],
    ["an x5u header", () => forge({}, { x5u: "http://127.0.0.1:1/cert.pem" } as Partial<Jose.JWTHeaderParameters>)],
    [
      "an embedded jwk header with the attacker's own key",
      async () => {
        const attacker = await Jose.generateKeyPair("RS256", { extractable: true })
        const jwk = await Jose.exportJWK(attacker.publicKey)
        return forge({}, { jwk }, attacker.privateKey)
      }
    ],
    [
      "the attacker's key under the pool's kid",
      async () => {
        const attacker = await Jose.generateKeyPair("RS256")
        return forge({}, {}, attacker.privateKey)
      }
    ],
    ["an expired token", () => forge({ exp: now() - 120 })],
    [
      "a token not valid yet",
      async () =>
        new Jose.SignJWT({ sub, token_use: "access", client_id: pool.clientId })
          .setProtectedHeader({ alg: "RS256", kid: "CognitoLocal" })
          .setIssuer(issuer)
          .setNotBefore(now() + 600)
          .setExpirationTime(now() + 1200)
          .sign(signingKey)
    ],
    [
      "a tampered payload",
      () => {
        const [header, , signature] = realToken.split(".")
        const payload = Buffer.from(
          JSON.stringify({ sub: randomUUID(), token_use: "access", client_id: pool.clientId, iss: issuer, exp: now() + 600 })
        ).toString("base64url")
        return `${header}.${payload}.${signature}`
      }
    ]
  ]

  it("the statement counter sees SQL when there is some (so the zeros below mean something)", async () => {
    expect(await proxy.statementsDuring(() => fetch(`${api.url}/api/v1/health`))).toBeGreaterThan(0)
  })

  for (const [name, make] of attacks) {
    it(`refuses ${name}: 401 problem+json, before any SQL`, async () => {
      const token = await make()
      let response: Response | undefined
      const statements = await proxy.statementsDuring(async () => {
        response = await me(token)
      })
      expect(response!.status).toBe(401)
      expect(response!.headers.get("content-type")).toBe("application/problem+json")
      expect(await response!.json()).toMatchObject({ status: 401, title: "Unauthorized" })
      expect(statements).toBe(0)
    })
  }
})
