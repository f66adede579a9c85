import { SqlClient } from "@effect/sql"
import type { TenantId } from "@manara/domain"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { type CognitoPool, createCognitoUser } from "./Cognito.js"
import { addMember, markMfaEnabled, withOwner } from "./fixtures.js"
import type { TestDatabaseUrls } from "./urls.js"

export const TEST_PASSWORD = "Str0ng-Passw0rd!"

/** Someone signed in to the API under test: their access token and our user id. */
export interface Person {
  readonly email: string
  readonly token: string
  readonly userId: string
}

/**
 * Calls to a running API as people of a test: `person()` signs a new Cognito user in once (so our
 * `users` row exists); `memberOf` also makes them a member (owners and admins with MFA on by flag).
 */
export const apiPeople = (apiUrl: () => string, urls: TestDatabaseUrls, pool: CognitoPool) => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${apiUrl()}/api/v1${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    })

  /** A call as `person` (or nobody) to tenant `tenant` (sent as `X-Tenant`). */
  const call = (method: string, path: string, person: Person | undefined, tenant: string, body?: unknown) =>
    fetch(`${apiUrl()}/api/v1${path}`, {
      method,
      headers: {
        "x-tenant": tenant,
        ...(person === undefined ? {} : { authorization: `Bearer ${person.token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })

  const person = async (label = "p"): Promise<Person> => {
    const email = `${label}-${randomUUID().slice(0, 8)}@example.com`
    await createCognitoUser(pool, email, TEST_PASSWORD)
    const response = await post("/auth/login", { email, password: TEST_PASSWORD })
    if (response.status !== 200) throw new Error(`login of ${email} answered ${response.status}: ${await response.text()}`)
    const { accessToken } = (await response.json()) as { accessToken: string }
    // Read the id straight from the database: asking the API would cache the user before a test changes it.
    const sub = JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString("utf8")).sub as string
    const [row] = await withOwner(
      urls,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`select id from users where cognito_sub = ${sub}`)
    )
    return { email, token: accessToken, userId: row!.id }
  }

  const memberOf = async (tenant: { readonly id: TenantId }, role: "owner" | "admin" | "member", label: string = role) => {
    const someone = await person(label)
    // MFA by flag, before any cached lookup: the real TOTP flow has tests of its own.
    await withOwner(
      urls,
      Effect.zipRight(addMember(tenant.id, someone.userId, role), role === "member" ? Effect.void : markMfaEnabled(someone.userId))
    )
    return someone
  }

  return { post, call, person, memberOf } as const
}
