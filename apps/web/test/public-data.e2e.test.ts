import { SqlClient } from "@effect/sql"
import { apiPeople, asOwnerInTenant, createTenant, type Person, type TenantFixture, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { request } from "node:http"
import { describe, expect, it } from "vitest"
import { callExpecting, services, useStack } from "./harness.js"

const { urls, pool } = services()
const { call, memberOf } = apiPeople(() => stack.api.url, urls, pool)

let tenant: TenantFixture
let owner: Person
let wellId: string

const expectCall = callExpecting(call, () => ({ person: owner, tenant }))

/**
 * Uncached pages (PAGE_CACHE=off) over an API that keeps nothing (PUBLIC_CACHE_TTL 0): whatever a page
 * shows that the database no longer says came from the web server's memory of its public reads.
 */
const stack = useStack({
  s3: false,
  env: { PUBLIC_CACHE_TTL: "0 seconds" },
  webEnv: { PAGE_CACHE: "off" },
  seed: async () => {
    tenant = await withOwner(urls, createTenant())
    owner = await memberOf(tenant, "owner")
    const well = await expectCall(201, "POST", "/tenant/catalog", {
      kind: "project",
      slug: "remembered-well",
      title: { ar: "بئر القرية", en: "The village well" },
      goal: "1500.000",
      category: "general"
    })
    wellId = well.id
    await expectCall(200, "POST", `/tenant/catalog/${wellId}/status`, { to: "active" })
  }
})

const page = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const sent = request(
      {
        host: "127.0.0.1",
        port: stack.web.port,
        path,
        headers: { host: `${tenant.slug}.localhost:${stack.web.port}`, cookie: "manara_visit=00000000-0000-4000-8000-000000000001" }
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => {
          expect(response.statusCode).toBe(200)
          // Rendered every time: the page cache is off.
          expect(response.headers["x-page-cache"]).toBeUndefined()
          resolve(Buffer.concat(chunks).toString())
        })
      }
    )
    sent.on("error", reject)
    sent.end()
  })

/** A title changed in the database behind the API's back: no write path, so no public version bump. */
const retitleQuietly = (ar: string) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update catalog_items set title_ar = ${ar} where id = ${wellId}`)
    )
  )

describe("public reads remembered at the public version (PAGE_CACHE=off)", () => {
  it("renders an unchanged version from memory, and a write is seen on the very next request", async () => {
    for (const path of ["/", "/catalog", "/catalog/remembered-well"]) {
      // The first view learns the host's storefront and version; the second reads and remembers the page's data.
      await page(path)
      expect(await page(path)).toContain("بئر القرية")
    }
    await retitleQuietly("بئر مخفية")
    // The API already answers with the new title: the pages below that still show the old one did not ask it.
    const fromApi = await fetch(`${stack.api.url}/api/v1/public/catalog/remembered-well`, {
      headers: { "x-forwarded-host": `${tenant.slug}.localhost` }
    })
    expect(await fromApi.text()).toContain("بئر مخفية")
    for (const path of ["/", "/catalog", "/catalog/remembered-well"]) {
      const same = await page(path)
      expect(same).toContain("بئر القرية")
      expect(same).not.toContain("بئر مخفية")
    }
    await expectCall(200, "PATCH", `/tenant/catalog/${wellId}`, { title: { ar: "بئر الحي", en: "The neighbourhood well" } })
    for (const path of ["/", "/catalog", "/catalog/remembered-well"]) {
      const after = await page(path)
      expect(after).toContain("بئر الحي")
      expect(after).not.toContain("بئر القرية")
    }
  }, 60_000)
})
