import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { donate, donationTenant, holdCounter, ownerRows } from "./harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

/** The runtime role's URL with session settings (what the deployment's role settings would give). */
const withOptions = (options: string) => {
  const url = new URL(urls.runtimeUrl)
  url.searchParams.set("options", options)
  return url.toString()
}

describe.each([
  ["lock_timeout (55P03)", "-c lock_timeout=300"],
  ["statement_timeout (57014)", "-c statement_timeout=300"]
])("a database too busy to answer: %s", (_, options) => {
  let api: StartedApi
  beforeAll(async () => {
    api = await startApi(apiEnv(urls, pool, { DATABASE_URL: withOptions(options) }))
  })
  afterAll(async () => {
    await api?.close()
  })

  it("answers 503 with Retry-After, not 500, frees the key, and serves again once the lock is gone", async () => {
    const tenant = await donationTenant(urls)
    const release = await holdCounter(urls, tenant.id)
    try {
      const response = await donate(api.url, tenant, "busy-1")
      expect(response.status).toBe(503)
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/)
      expect(((await response.json()) as { type: string }).type).toBe("https://manara.app/problems/database-busy")
      expect(await ownerRows(urls, tenant.id, (sql) => sql`select key from idempotency_keys`)).toEqual([])
    } finally {
      await release()
    }
    expect((await donate(api.url, tenant, "busy-1")).status).toBe(201)
  }, 60_000)
})
