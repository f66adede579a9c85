import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, asOwnerInTenant, createTenant, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

// Each feature's Http.ts provides its own services. These show that a stateful one provided by
// several features is still one instance: a cache filled or dropped by one group is the one another reads.

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")

let api: StartedApi
let home: TenantFixture
let projectSlug: string
const { call, memberOf } = apiPeople(() => api.url, urls, pool)

const hostOf = (tenant: TenantFixture) => `${tenant.slug}.manara.test`
const publicItem = async () => {
  const response = await fetch(`${api.url}/api/v1/public/catalog/${projectSlug}`, { headers: { "x-forwarded-host": hostOf(home) } })
  expect(response.status).toBe(200)
  return (await response.json()).item as { pledged: string }
}

beforeAll(async () => {
  // A public read stays cached for the whole run: only an invalidation can show a change.
  api = await startApi(apiEnv(urls, pool, { PUBLIC_CACHE_TTL: "10 minutes" }, s3))
  home = (await withOwner(urls, createTenant())) as TenantFixture
  projectSlug = `well-${randomUUID().slice(0, 6)}`
  await withOwner(
    urls,
    asOwnerInTenant(
      home.id,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
          values (${home.id}, 'project', ${projectSlug}, 'بئر ماء', 1000, 'zakat', 'active')`
      )
    )
  )
})
afterAll(async () => {
  await api?.close()
})

describe("one instance of each stateful service across the features that provide it", () => {
  it("the public catalog cache the capture group drops is the one the public catalog group serves from", async () => {
    expect((await publicItem()).pledged).toBe("0.000")
    // Behind the cache's back: still the cached answer, so the cache is really in the way.
    await withOwner(
      urls,
      asOwnerInTenant(
        home.id,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update catalog_items set pledged_amount = 5 where slug = ${projectSlug}`)
      )
    )
    expect((await publicItem()).pledged).toBe("0.000")
    const pledge = await fetch(`${api.url}/api/v1/public/pledges`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-host": hostOf(home) },
      body: JSON.stringify({
        amount: "120.000",
        project: projectSlug,
        dueDate: "2099-01-01",
        donor: { name: "Fatima", phone: "+96550002222" }
      })
    })
    expect(pledge.status).toBe(201)
    expect((await publicItem()).pledged).toBe("125.000")
  })

  it("a member removed through the members group is refused at once by the membership check of every group", async () => {
    const owner = await memberOf(home, "owner")
    const victim = await memberOf(home, "member", "victim")
    // The victim's membership is now cached by the tenant middleware.
    expect((await call("GET", "/tenant/catalog", victim, home.slug)).status).toBe(200)
    const members = await (await call("GET", "/tenant/members", owner, home.slug)).json()
    const victimId = members.find((m: { userId: string }) => m.userId === victim.userId).id
    expect((await call("DELETE", `/tenant/members/${victimId}`, owner, home.slug)).status).toBe(204)
    // Within the cache's 3 s: only the members group's invalidation of the same cache makes this a 404.
    expect((await call("GET", "/tenant/catalog", victim, home.slug)).status).toBe(404)
  })
})
