import { AdminDeleteUserCommand, AdminUpdateUserAttributesCommand } from "@aws-sdk/client-cognito-identity-provider"
import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, cognitoClient, TEST_PASSWORD, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const people = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
})
afterAll(() => api?.close())

const emailOfRow = async (userId: string) =>
  (
    await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ email: string }>`select email from users where id = ${userId}`)
    )
  )[0]!.email

describe("a Cognito email change onto an address a stale users row still holds", () => {
  it("signs in (no 500): same account, the address we had kept, the stale row untouched", async () => {
    const mover = await people.person("mover")
    const left = await people.person("left")
    const cognito = cognitoClient(pool.endpoint)
    // The person who had `left.email` is gone from Cognito; our row of them stays (audit history).
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool.userPoolId, Username: left.email }))
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: pool.userPoolId,
        Username: mover.email,
        UserAttributes: [
          { Name: "email", Value: left.email },
          { Name: "email_verified", Value: "true" }
        ]
      })
    )
    const login = await people.post("/auth/login", { email: left.email, password: TEST_PASSWORD })
    expect(login.status).toBe(200)
    const { accessToken } = (await login.json()) as { accessToken: string }
    const me = await fetch(`${api.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe(mover.userId)
    expect(await emailOfRow(mover.userId)).toBe(mover.email.toLowerCase())
    expect(await emailOfRow(left.userId)).toBe(left.email.toLowerCase())
  })
})
