import { apiEnv, apiPeople, type Person } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type ApiChild, donate, donationTenant, everyAnswerKept, holdCounter, lockWaiters, spawnApi } from "./harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

/** The drain's grace period, as the API is configured with it. */
const GRACE_MS = 8_000
/** Past the grace: the pools and Redis closing, the process ending, this loaded process hearing of it. Far under the 60 s the captures could wait. */
const EXIT_MARGIN_MS = 4_000

let api: ApiChild
let owner: Person
let tenant: Awaited<ReturnType<typeof donationTenant>>

beforeAll(async () => {
  // A pool for all 50: each is then seen waiting on the counter's lock, so surely in flight when SIGTERM comes.
  api = await spawnApi(
    apiEnv(urls, pool, {
      CAPTURE_LIMIT_PER_IP: "100000",
      CAPTURE_LIMIT_PER_TENANT: "100000",
      SHUTDOWN_GRACE: `${GRACE_MS} millis`,
      DATABASE_POOL_SIZE: "55",
      // All 50 wait on the lock for as long as the test holds it: no share, reference lane, lock timeout or deadline cuts them.
      DATABASE_TENANT_SHARE: "1",
      DATABASE_TENANT_REFERENCE_LANES: "100",
      DATABASE_LOCK_TIMEOUT: "60 seconds",
      DATABASE_STATEMENT_TIMEOUT: "60 seconds",
      REQUEST_DEADLINE: "60 seconds"
    })
  )
  tenant = await donationTenant(urls)
  owner = await apiPeople(() => api.url, urls, pool).memberOf(tenant, "owner")
}, 60_000)
afterAll(() => {
  api?.child.kill("SIGKILL")
})

describe("SIGTERM", () => {
  it("drains: 50 captures in flight are answered (201, or 503 with Retry-After), the event stream ends, exit 0 within the grace period", async () => {
    const stream = await fetch(`${api.url}/api/v1/tenant/inbox/events`, {
      headers: { authorization: `Bearer ${owner.token}`, "x-tenant": tenant.slug }
    })
    expect(stream.status).toBe(200)
    const streamText = new Response(stream.body).text()

    // Every capture waits on the reference counter: all 50 are surely in flight when SIGTERM comes.
    const release = await holdCounter(urls, tenant.id)
    const answers = Array.from({ length: 50 }, (_, index) =>
      donate(api.url, tenant, `drain-${index}`).then(
        async (response) => ({ status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.text() }),
        (error: unknown) => ({ status: 0, retryAfter: null, body: `${String(error)} ${String((error as { cause?: unknown }).cause)}` })
      )
    )
    await lockWaiters(urls, 50, 30_000)
    const signalled = Date.now()
    api.child.kill("SIGTERM")
    // The stream is told to reconnect soon and ends, without waiting for the captures.
    const text = await streamText
    expect(text).toContain("retry: 1000")
    await release()

    const results = await Promise.all(answers)
    const { code, at } = await api.exited
    expect(code, api.output()).toBe(0)
    expect(at - signalled).toBeLessThan(GRACE_MS + EXIT_MARGIN_MS)
    for (const result of results) {
      expect([201, 503], result.body).toContain(result.status)
      if (result.status === 503) expect(result.retryAfter).not.toBeNull()
    }
    const created = results.filter((result) => result.status === 201).map((result) => JSON.parse(result.body).reference as string)
    expect(created.length).toBeGreaterThan(0)
    const kept = await everyAnswerKept(urls, tenant.id, created)
    expect(kept).toEqual({ count: created.length, missing: [], incomplete: [], gaps: [] })
  }, 90_000)
})
