import { startApi, type StartedApi } from "@manara/api/server"
import { apiEnv, apiPeople, type Person, TEST_PASSWORD } from "@manara/testkit"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { donate, donationTenant } from "./harness.js"
import { OwnRedis } from "./services.js"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")

let redis: OwnRedis
let api: StartedApi
let owner: Person
let tenant: Awaited<ReturnType<typeof donationTenant>>
const people = apiPeople(() => api.url, urls, pool)

beforeAll(async () => {
  redis = await OwnRedis.start()
  api = await startApi(apiEnv(urls, pool, { REDIS_URL: redis.url, LOGIN_LIMIT_PER_ACCOUNT: "3" }))
  tenant = await donationTenant(urls)
  owner = await people.memberOf(tenant, "owner")
}, 60_000)
afterAll(async () => {
  await api?.close()
  await redis?.dispose()
}, 60_000)

/** Reads an event stream as it arrives. */
const listen = (response: Response) => {
  let text = ""
  const reader = response.body!.getReader()
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }))
      if (done) return
      text += new TextDecoder().decode(value)
    }
  })()
  return { text: () => text, stop: () => reader.cancel().catch(() => undefined) }
}

const within = async (ms: number, check: () => Promise<boolean>) => {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe("Redis stopped and started again", () => {
  it("captures continue, sign-in is 200 or 503 (never 500) under in-process limits, and the live stream and limits recover without a restart", async () => {
    const stream = listen(
      await fetch(`${api.url}/api/v1/tenant/inbox/events`, {
        headers: { authorization: `Bearer ${owner.token}`, "x-tenant": tenant.slug }
      })
    )
    await within(10_000, () => Promise.resolve(stream.text().includes("retry:")))

    await redis.stop()
    const during = await donate(api.url, tenant)
    expect(during.status).toBe(201)
    const signIn = await people.post("/auth/login", { email: owner.email, password: TEST_PASSWORD })
    expect([200, 503]).toContain(signIn.status)
    // The limits still hold, counted in this process: the 4th wrong password of the account is refused before Cognito.
    const wrong = []
    for (let attempt = 0; attempt < 4; attempt++)
      wrong.push((await people.post("/auth/login", { email: owner.email, password: "Wrong-Passw0rd!" })).status)
    expect(wrong).toEqual([401, 401, 401, 429])
    const health = await fetch(`${api.url}/api/v1/health`)
    expect(health.status).toBe(503)
    expect(health.headers.get("retry-after")).not.toBeNull()

    await redis.resume()
    // The live stream hears captures again (its subscriber reconnects and subscribes by itself).
    let reference = ""
    await within(20_000, async () => {
      if (reference === "" || !stream.text().includes(reference)) {
        const response = await donate(api.url, tenant)
        expect(response.status).toBe(201)
        reference = ((await response.json()) as { reference: string }).reference
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      return stream.text().includes(reference)
    })
    await stream.stop()
    // The limits count in Redis again: a wrong password of a new account leaves its counter there.
    const someone = await people.person("after")
    expect((await people.post("/auth/login", { email: someone.email, password: "Wrong-Passw0rd!" })).status).toBe(401)
    const client = new Redis(redis.url)
    try {
      const keys = await client.keys(`*rl:login:account*${someone.email.toLowerCase()}*`)
      expect(keys.length).toBe(1)
    } finally {
      client.disconnect()
    }
    expect((await fetch(`${api.url}/api/v1/health`)).status).toBe(200)
  }, 90_000)
})
