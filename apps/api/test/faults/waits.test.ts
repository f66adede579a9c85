import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, holdReferenceCounters, PgProxy } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type DonatingTenant, donate, donatingTenants, eventually, publicCatalog } from "./waits-fixtures.js"

const urls = inject("manaraDatabase")
const cognito = inject("manaraCognito")
const env = (overrides: Record<string, string>) =>
  apiEnv(urls, cognito, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000", ...overrides })

const health = async (base: string) => {
  const response = await fetch(`${base}/api/v1/health`)
  return { status: response.status, body: await response.json() }
}

let tenants: Array<DonatingTenant>
beforeAll(async () => {
  tenants = await donatingTenants(urls, 5)
})

describe("stale on error: Postgres cut away", () => {
  let proxy: PgProxy
  let api: StartedApi
  beforeAll(async () => {
    proxy = await PgProxy.start()
    api = await startApi(
      env({
        DATABASE_URL: proxy.url(urls.runtimeUrl),
        PUBLIC_CACHE_TTL: "1 second",
        TENANT_CACHE_TTL: "1 second",
        STALE_IF_ERROR: "4 seconds",
        DATABASE_ACQUIRE_TIMEOUT: "1 second"
      })
    )
  })
  afterAll(async () => {
    await api?.close()
    await proxy?.close()
  })

  it("serves the last good public copy, says it is stale, for a bounded time, and recovers", { timeout: 60_000 }, async () => {
    const [seen, unseen] = tenants as [DonatingTenant, DonatingTenant]
    const fresh = await publicCatalog(api.url, seen)
    expect(fresh.status).toBe(200)
    expect(fresh.headers.get("warning")).toBeNull()
    const freshBody = await fresh.text()
    proxy.cut()

    // Once the TTL has passed, the database is asked, fails, and the last good copy answers.
    let stale: Response | undefined
    await eventually(async () => {
      stale = await publicCatalog(api.url, seen)
      expect(stale.status).toBe(200)
      return stale.headers.get("warning") !== null
    })
    expect(stale!.headers.get("warning")).toBe('110 - "Response is Stale"')
    expect(Number(stale!.headers.get("age"))).toBeGreaterThanOrEqual(1)
    expect(await stale!.text()).toBe(freshBody)

    // Nothing good was ever read for this host: an honest 503 with Retry-After.
    const never = await publicCatalog(api.url, unseen)
    expect(never.status).toBe(503)
    expect(never.headers.get("retry-after")).toMatch(/^\d+$/)
    expect(never.headers.get("content-type")).toBe("application/problem+json")

    // Postgres is down, not merely busy.
    expect(await health(api.url)).toMatchObject({ status: 503, body: { detail: "postgres down, redis up" } })

    // STALE_IF_ERROR bounds it: past that, 503 too.
    await eventually(async () => (await publicCatalog(api.url, seen)).status === 503)

    proxy.restore()
    await eventually(async () => {
      const back = await publicCatalog(api.url, seen)
      return back.status === 200 && back.headers.get("warning") === null
    })
    expect(await health(api.url)).toEqual({ status: 200, body: { status: "ok", checks: { postgres: "up", redis: "up", pool: "ok" } } })
  })
})

describe("a lock held on the reference counters under load", () => {
  const DEADLINE_MS = 2_000
  // What the client adds around the server's own deadline on a busy machine: loopback, JSON, the event loop.
  const SLACK_MS = 1_500
  const HOLD_MS = 30_000
  let api: StartedApi
  beforeAll(async () => {
    api = await startApi(
      env({
        DATABASE_POOL_SIZE: "5",
        DATABASE_TENANT_SHARE: "0.5",
        // Longer than the deadline: the deadline answers, the transaction gives its connection back later.
        DATABASE_LOCK_TIMEOUT: "4 seconds",
        DATABASE_ACQUIRE_TIMEOUT: "1 second",
        REQUEST_DEADLINE: `${DEADLINE_MS} millis`,
        PUBLIC_CACHE_TTL: "1 second",
        PUBLIC_CACHE_STALE_WAIT: "300 millis",
        TENANT_CACHE_TTL: "1 second"
      })
    )
  })
  afterAll(async () => {
    await api?.close()
  })

  it(
    "answers every request within its deadline, public reads from the last good cache, and recovers by itself",
    { timeout: 120_000 },
    async () => {
      const [locked1, locked2, reader] = tenants.slice(2) as [DonatingTenant, DonatingTenant, DonatingTenant]
      for (const tenant of [locked1, locked2, reader]) expect((await publicCatalog(api.url, tenant)).status).toBe(200)

      interface Answer {
        readonly kind: "capture" | "read"
        readonly status: number
        readonly ms: number
        readonly retryAfter: string | null
        readonly stale: boolean
        readonly type?: string
      }
      const answers: Array<Answer> = []
      const healths: Array<{ status: number; body: { checks?: { postgres?: string; pool?: string } } }> = []
      const lock = await holdReferenceCounters(urls, [locked1.id, locked2.id])
      const until = Date.now() + HOLD_MS
      try {
        const worker = async (index: number) => {
          for (let round = 0; Date.now() < until; round++) {
            const started = performance.now()
            const pick = (index + round) % 4
            const response =
              pick === 0
                ? await donate(api.url, locked1)
                : pick === 1
                  ? await donate(api.url, locked2)
                  : await publicCatalog(api.url, pick === 2 ? reader : locked1)
            const body = await response.text()
            answers.push({
              kind: pick < 2 ? "capture" : "read",
              status: response.status,
              ms: performance.now() - started,
              retryAfter: response.headers.get("retry-after"),
              stale: response.headers.get("warning") !== null,
              ...(response.status >= 400 ? { type: JSON.parse(body).type } : {})
            })
          }
        }
        const prober = async () => {
          while (Date.now() < until) {
            healths.push(await health(api.url))
            await new Promise((resolve) => setTimeout(resolve, 1_000))
          }
        }
        await Promise.all([...Array.from({ length: 12 }, (_, index) => worker(index)), prober()])
      } finally {
        await lock.release()
      }

      expect(answers.length).toBeGreaterThan(50)
      for (const answer of answers) {
        expect(answer.ms, JSON.stringify(answer)).toBeLessThan(DEADLINE_MS + SLACK_MS)
        if (answer.kind === "capture") {
          // Their reference number is locked: refused honestly, never a 500.
          expect(answer.status, JSON.stringify(answer)).toBe(503)
          expect(answer.retryAfter).toMatch(/^\d+$/)
        } else {
          expect(answer.status, JSON.stringify(answer)).toBe(200)
        }
      }
      const types = new Set(answers.filter((answer) => answer.status === 503).map((answer) => answer.type))
      expect(types).toContain("https://manara.app/problems/deadline-exceeded")
      expect(answers.some((answer) => answer.kind === "read" && answer.stale)).toBe(true)
      // Postgres was up all along; the pool was what was full.
      expect(healths.every((check) => check.status === 200 && check.body.checks?.postgres === "up")).toBe(true)
      expect(healths.some((check) => check.body.checks?.pool === "saturated")).toBe(true)

      // Recovers by itself, without a restart.
      await eventually(async () => (await donate(api.url, locked1)).status === 201)
      await eventually(async () => {
        const read = await publicCatalog(api.url, reader)
        return read.status === 200 && read.headers.get("warning") === null
      })
      await eventually(async () => (await health(api.url)).body.status === "ok")
    }
  )
})
