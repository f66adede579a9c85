import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, holdReferenceCounters } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { type DonatingTenant, donate, donatingTenants, eventually, waitingOnLocks } from "./waits-fixtures.js"

const urls = inject("manaraDatabase")
const cognito = inject("manaraCognito")

/**
 * Functional, not timing: with a pool of 5 (4 for tenant work, one kept for host lookups) and a share
 * of 0.5, one tenant holds at most 2 connections.
 * Its captures are held on a lock (their reference counters) so that they keep their connections for
 * as long as the test needs; lock timeout and deadline are long enough never to end them first.
 */
const env = (overrides: Record<string, string>) =>
  apiEnv(urls, cognito, {
    CAPTURE_LIMIT_PER_IP: "100000",
    CAPTURE_LIMIT_PER_TENANT: "100000",
    DATABASE_POOL_SIZE: "5",
    DATABASE_TENANT_SHARE: "0.5",
    DATABASE_LOCK_TIMEOUT: "25 seconds",
    DATABASE_STATEMENT_TIMEOUT: "25 seconds",
    DATABASE_ACQUIRE_TIMEOUT: "20 seconds",
    REQUEST_DEADLINE: "25 seconds",
    ...overrides
  })

let tenants: Array<DonatingTenant>
beforeAll(async () => {
  tenants = await donatingTenants(urls, 4)
})

describe("one noisy tenant cannot starve the rest", () => {
  let api: StartedApi
  beforeAll(async () => {
    api = await startApi(env({ DATABASE_TENANT_QUEUE_LIMIT: "0" }))
  })
  afterAll(async () => {
    await api?.close()
  })

  it(
    "refuses the third concurrent request of a tenant holding its share, while another tenant gets through",
    { timeout: 60_000 },
    async () => {
      const [noisy, quiet] = tenants as [DonatingTenant, DonatingTenant]
      const lock = await holdReferenceCounters(urls, [noisy.id])
      let held: Array<Promise<Response>> = []
      try {
        const before = await waitingOnLocks(urls)
        held = [donate(api.url, noisy), donate(api.url, noisy)]
        // Both hold a connection of the noisy tenant's share, waiting for their reference number.
        await eventually(async () => (await waitingOnLocks(urls)) >= before + 2)
        const refused = await donate(api.url, noisy)
        expect(refused.status).toBe(503)
        expect(refused.headers.get("content-type")).toBe("application/problem+json")
        expect(refused.headers.get("retry-after")).toMatch(/^\d+$/)
        expect((await refused.json()).type).toBe("https://manara.app/problems/tenant-busy")
        // The gate has two more connections, and they are not the noisy tenant's.
        const other = await donate(api.url, quiet)
        expect(other.status).toBe(201)
      } finally {
        await lock.release()
      }
      const answers = await Promise.all(held)
      expect(answers.map((answer) => answer.status)).toEqual([201, 201])
    }
  )
})

describe("a bounded queue in front of the pool", () => {
  let api: StartedApi
  beforeAll(async () => {
    api = await startApi(env({ DATABASE_QUEUE_LIMIT: "1" }))
  })
  afterAll(async () => {
    await api?.close()
  })

  it(
    "sheds with 503 + Retry-After once the pool is held and its queue is full, and serves the waiter after",
    { timeout: 60_000 },
    async () => {
      const [first, second, third] = tenants.slice(1) as [DonatingTenant, DonatingTenant, DonatingTenant]
      const lock = await holdReferenceCounters(urls, [first.id, second.id])
      let held: Array<Promise<Response>> = []
      let waiter: Promise<Response> | undefined
      try {
        const before = await waitingOnLocks(urls)
        held = [donate(api.url, first), donate(api.url, first), donate(api.url, second), donate(api.url, second)]
        await eventually(async () => (await waitingOnLocks(urls)) >= before + 4)
        const health = await (await fetch(`${api.url}/api/v1/health`)).json()
        expect(health.checks).toMatchObject({ postgres: "up", pool: "ok" })
        waiter = donate(api.url, third)
        await eventually(async () => (await (await fetch(`${api.url}/api/v1/health`)).json()).checks.pool === "saturated")
        const shed = await donate(api.url, third)
        expect(shed.status).toBe(503)
        expect(shed.headers.get("retry-after")).toMatch(/^\d+$/)
        expect((await shed.json()).type).toBe("https://manara.app/problems/database-busy")
        const health2 = await fetch(`${api.url}/api/v1/health`)
        expect(health2.status).toBe(200)
        expect(await health2.json()).toEqual({ status: "busy", checks: { postgres: "up", redis: "up", pool: "saturated" } })
      } finally {
        await lock.release()
      }
      expect((await Promise.all([...held, waiter!])).map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201])
    }
  )
})

describe("a busy tenant's captures wait in its reference lane, not on connections", () => {
  let api: StartedApi
  let pair: Array<DonatingTenant>
  beforeAll(async () => {
    pair = await donatingTenants(urls, 2)
    // 4 connections for tenant work, all of them one tenant's share, none to wait for: only the lane keeps one free.
    api = await startApi(env({ DATABASE_TENANT_SHARE: "1", DATABASE_TENANT_REFERENCE_LANES: "2", DATABASE_QUEUE_LIMIT: "0" }))
  })
  afterAll(async () => {
    await api?.close()
  })

  it(
    "holds 2 of a tenant's captures on connections while its counter is locked, serves another tenant, then numbers all without a gap",
    { timeout: 60_000 },
    async () => {
      const [noisy, quiet] = pair as [DonatingTenant, DonatingTenant]
      const lock = await holdReferenceCounters(urls, [noisy.id])
      let held: Array<Promise<Response>> = []
      try {
        held = [donate(api.url, noisy), donate(api.url, noisy), donate(api.url, noisy), donate(api.url, noisy)]
        // Counted by the noisy tenant's id in the waiting statements: other test files' waiters do not count.
        await eventually(async () => (await waitingOnLocks(urls, noisy.id)) >= 2)
        // Room for the other two to reach Postgres if nothing held them back (without the lane they would, taking the pool).
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        expect(await waitingOnLocks(urls, noisy.id)).toBe(2)
        const other = await donate(api.url, quiet)
        expect(other.status).toBe(201)
      } finally {
        await lock.release()
      }
      const answers = await Promise.all(held)
      expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201])
      const references = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { reference: string }).reference))
      const year = references[0]!.split("-")[1]
      expect(references.sort()).toEqual([1, 2, 3, 4].map((n) => `DON-${year}-${String(n).padStart(6, "0")}`))
    }
  )
})
