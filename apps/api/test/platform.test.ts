import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, createTenant, type Person, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let api: StartedApi
const { person } = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  api = await startApi(apiEnv(urls, pool))
})
afterAll(async () => {
  await api?.close()
})

const tenantsAs = (who: Person) => fetch(`${api.url}/api/v1/admin/tenants`, { headers: { authorization: `Bearer ${who.token}` } })

describe("the platform's tenant list (PlatformTenants)", () => {
  let admin: Person
  let stranger: Person
  let slug: string

  beforeAll(async () => {
    slug = (await withOwner(urls, createTenant())).slug
    stranger = await person("stranger")
    admin = await person("platform-admin")
    await withOwner(
      urls,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`update users set is_platform_admin = true, mfa_enabled = true where id = ${admin.userId}`
      )
    )
    // Users are cached for a minute after sign-in: a fresh process reads the flag.
    await api.close()
    api = await startApi(apiEnv(urls, pool))
  })

  it("is a 404 not-found for anyone but a platform admin, as if it did not exist", async () => {
    const response = await tenantsAs(stranger)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ type: "https://manara.app/problems/not-found" })
  })

  it("lists every tenant, with its members counted, for a platform admin", async () => {
    const response = await tenantsAs(admin)
    expect(response.status).toBe(200)
    const tenants = (await response.json()) as Array<{ slug: string; members: number }>
    expect(tenants.find((tenant) => tenant.slug === slug)).toMatchObject({ slug, members: expect.any(Number) })
  })
})
