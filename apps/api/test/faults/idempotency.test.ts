import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv } from "@manara/testkit"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { donate, donationTenant, everyAnswerKept, holdCounter, lockWaiters, ownerRows, spawnApi, terminateLockWaiters } from "./harness.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const env = apiEnv(urls, pool, { CAPTURE_LIMIT_PER_IP: "100000", CAPTURE_LIMIT_PER_TENANT: "100000" })

const keyRows = (tenantId: Parameters<typeof ownerRows>[1]) =>
  ownerRows(
    urls,
    tenantId,
    (sql) => sql<{ key: string; state: string; owner: string | null }>`select key, state, owner from idempotency_keys order by key`
  )

/** Polls until `check` holds or `ms` passed; returns how long it took. */
const within = async (ms: number, check: () => Promise<boolean>) => {
  const started = Date.now()
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return Date.now() - started
}

describe("a stranded Idempotency-Key", () => {
  let api: StartedApi
  beforeAll(async () => {
    api = await startApi(env)
  })
  afterAll(async () => {
    await api?.close()
  })

  it("a 409 while in flight carries Retry-After; a client that hung up leaves its key completed or free, never in flight", async () => {
    const tenant = await donationTenant(urls)
    const release = await holdCounter(urls, tenant.id)
    const controller = new AbortController()
    const first = donate(api.url, tenant, "hang-up", { signal: controller.signal }).catch(() => "aborted")
    try {
      await lockWaiters(urls, 1)
      expect(await keyRows(tenant.id)).toEqual([{ key: "hang-up", state: "in_flight", owner: expect.stringContaining(`/${process.pid}/`) }])

      const again = await donate(api.url, tenant, "hang-up")
      expect(again.status).toBe(409)
      const retryAfter = Number(again.headers.get("retry-after"))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(5)

      controller.abort()
      expect(await first).toBe("aborted")
    } finally {
      await release()
    }
    // The transaction in Postgres runs to its end (TenantSql): it committed, so the key is completed and the retry is a replay.
    await within(5_000, async () => (await keyRows(tenant.id)).every((row) => row.state !== "in_flight"))
    const retried = await donate(api.url, tenant, "hang-up")
    expect(retried.status).toBe(201)
    const { reference } = (await retried.json()) as { reference: string }
    expect(await everyAnswerKept(urls, tenant.id, [reference])).toEqual({ count: 1, missing: [], incomplete: [], gaps: [] })
  }, 60_000)
})

describe("kill -9 mid-load", () => {
  it("a retry with the same key succeeds within 5 s of the restart: a replay if it committed, a new record if not; one record per key", async () => {
    const tenant = await donationTenant(urls)
    const first = await spawnApi(env)
    try {
      // Committed before the kill: their retries are replays.
      const committed = await Promise.all(
        Array.from({ length: 5 }, async (_, index) => {
          const response = await donate(first.url, tenant, `done-${index}`)
          expect(response.status).toBe(201)
          return ((await response.json()) as { reference: string }).reference
        })
      )
      // Claimed, then stuck behind the counter when the process dies: never committed.
      const release = await holdCounter(urls, tenant.id)
      const stuck = Array.from({ length: 20 }, (_, index) => donate(first.url, tenant, `stuck-${index}`).catch(() => "killed"))
      await lockWaiters(urls, 1)
      await within(20_000, async () => (await keyRows(tenant.id)).filter((row) => row.state === "in_flight").length >= 5)
      first.child.kill("SIGKILL")
      await first.exited
      await Promise.all(stuck)
      // The dead process's transactions end with it (as a lost machine's would): nothing of theirs commits.
      await terminateLockWaiters(urls)
      await release()
      const strandedKeys = (await keyRows(tenant.id)).filter((row) => row.state === "in_flight").map((row) => row.key)
      expect(strandedKeys.length).toBeGreaterThanOrEqual(5)

      const second = await spawnApi(env)
      try {
        const keys = [...committed.map((_, index) => `done-${index}`), ...Array.from({ length: 20 }, (_, index) => `stuck-${index}`)]
        const answers = new Map<string, { status: number; replayed: boolean; reference: string }>()
        const took = await within(5_000, async () => {
          await Promise.all(
            keys
              .filter((key) => answers.get(key)?.status !== 201)
              .map(async (key) => {
                const response = await donate(second.url, tenant, key)
                const body = (await response.json()) as { reference?: string }
                if (response.status === 409) expect(response.headers.get("retry-after")).not.toBeNull()
                else expect(response.status).toBe(201)
                answers.set(key, {
                  status: response.status,
                  replayed: response.headers.get("idempotency-replayed") === "true",
                  reference: body.reference ?? ""
                })
              })
          )
          return keys.every((key) => answers.get(key)?.status === 201)
        })
        expect(took).toBeLessThan(5_000)
        committed.forEach((reference, index) => expect(answers.get(`done-${index}`)).toEqual({ status: 201, replayed: true, reference }))
        // Never committed: a new record once the dead claim's lease ended (seconds, not the old minute).
        for (const key of strandedKeys) expect(answers.get(key)).toEqual(expect.objectContaining({ status: 201, replayed: false }))
        const references = keys.map((key) => answers.get(key)!.reference)
        expect(new Set(references).size).toBe(keys.length)
        expect(await everyAnswerKept(urls, tenant.id, references)).toEqual({ count: keys.length, missing: [], incomplete: [], gaps: [] })
      } finally {
        second.child.kill("SIGKILL")
      }
    } finally {
      first.child.kill("SIGKILL")
    }
  }, 120_000)
})
