import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, createTestDatabase, type TestDatabaseUrls } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { donate, donationTenant } from "./harness.js"
import { OwnPostgres } from "./services.js"

const shared = inject("manaraDatabase")
const pool = inject("manaraCognito")

let cluster: OwnPostgres
let urls: TestDatabaseUrls
let api: StartedApi

beforeAll(async () => {
  cluster = await OwnPostgres.start()
  const port = String(cluster.port)
  const at = (url: string) => {
    const parsed = new URL(url)
    parsed.port = port
    return parsed.toString()
  }
  // The test database, its roles and migrations, made as usual but on this cluster.
  const saved = { ...process.env }
  process.env.DATABASE_ADMIN_URL = cluster.adminUrl
  process.env.DATABASE_OWNER_URL = at("postgres://manara_owner:manara_owner@127.0.0.1:5432/manara")
  process.env.DATABASE_URL = at("postgres://manara_app:manara_app@127.0.0.1:5432/manara")
  try {
    urls = { ...(await createTestDatabase("manara_fault")), redisUrl: shared.redisUrl }
  } finally {
    for (const name of ["DATABASE_ADMIN_URL", "DATABASE_OWNER_URL", "DATABASE_URL"]) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
  }
  api = await startApi(apiEnv(urls, pool))
}, 120_000)
afterAll(async () => {
  await api?.close()
  await cluster?.destroy()
}, 60_000)

describe("Postgres stopped and started again", () => {
  it("answers 503 with Retry-After during the outage (never 500) and recovers without a restart", async () => {
    const tenant = await donationTenant(urls)
    expect((await donate(api.url, tenant)).status).toBe(201)

    await cluster.stop()
    for (const answer of await Promise.all([
      donate(api.url, tenant, "outage-1"),
      donate(api.url, tenant),
      fetch(`${api.url}/api/v1/health`)
    ])) {
      expect(answer.status).toBe(503)
      expect(answer.headers.get("retry-after")).toMatch(/^\d+$/)
    }

    await cluster.resume()
    const deadline = Date.now() + 20_000
    let status = 0
    while (Date.now() < deadline) {
      const response = await donate(api.url, tenant, "outage-1")
      status = response.status
      if (status === 201) break
      expect(status).toBe(503)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(status).toBe(201)
    expect((await fetch(`${api.url}/api/v1/health`)).status).toBe(200)
  }, 90_000)
})
