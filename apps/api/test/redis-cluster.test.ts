import { SqlClient } from "@effect/sql"
import { startApi, type StartedApi } from "@manara/api/server"
import { RedisClient, redisChannel } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { TenantChanges } from "@manara/tenancy"
import {
  apiEnv,
  apiPeople,
  asOwnerInTenant,
  createCognitoUser,
  createTenant,
  OwnCluster,
  type Person,
  TEST_PASSWORD,
  type TenantFixture,
  testRedisKeyPrefix,
  withOwner
} from "@manara/testkit"
import { ConfigProvider, Effect, Fiber, Layer, ManagedRuntime, Stream } from "effect"
import { Cluster } from "ioredis"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"

const urls = inject("manaraDatabase")
const pool = inject("manaraCognito")
const s3 = inject("manaraS3")
const prefix = testRedisKeyPrefix(urls)

// Three masters on loopback; each API process is seeded from a different one, as ElastiCache's configuration
// endpoint hands out different nodes. Every key below lives on whichever master its slot names.
let cluster: OwnCluster
let reader: Cluster
let first: StartedApi
let second: StartedApi
let tenant: TenantFixture
let owner: Person
const people = apiPeople(() => first.url, urls, pool)

const clusterEnv = (seed: number, overrides: Record<string, string> = {}) =>
  apiEnv(
    urls,
    pool,
    {
      REDIS_URL: cluster.url(seed),
      REDIS_CLUSTER: "true",
      LOGIN_LIMIT_PER_ACCOUNT: "3",
      LOGIN_LIMIT_PER_IP: "1000",
      CAPTURE_LIMIT_PER_IP: "3",
      CAPTURE_LIMIT_PER_TENANT: "1000",
      ...overrides
    },
    s3
  )

const subOf = (person: Person) => JSON.parse(Buffer.from(person.token.split(".")[1]!, "base64url").toString("utf8")).sub as string

const poll = async (what: string, check: () => Promise<boolean>, withinMs = 10_000) => {
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what}: not within ${withinMs} ms`)
}

/** Donations by bank transfer to one project. */
const prepare = (tenantId: TenantId, project: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`update tenants set settings = ${JSON.stringify({
      bankTransfer: { bank: "بيت التمويل الكويتي", iban: "KW81CBKU0000000000001234560101" },
      donations: { minimum: "1.000", maximum: "5000.000" },
      contact: { email: "office@example.com" }
    })}::jsonb where id = ${tenantId}`
    yield* asOwnerInTenant(
      tenantId,
      sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, status)
        values (${tenantId}, 'project', ${project}, 'بئر ماء', 1000, 'zakat', 'active')`
    )
  })

beforeAll(async () => {
  cluster = await OwnCluster.start()
  reader = new Cluster([{ host: "127.0.0.1", port: cluster.nodes[2]!.port }], { keyPrefix: prefix })
  ;[first, second] = await Promise.all([startApi(clusterEnv(0)), startApi(clusterEnv(1))])
  tenant = await withOwner(urls, createTenant())
  owner = await people.memberOf(tenant, "owner")
}, 90_000)
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()])
  reader?.disconnect()
  await cluster?.dispose()
})

describe("the API on a Redis Cluster (REDIS_CLUSTER=true, seeded from one master)", () => {
  it("health: Redis is up", async () => {
    for (const api of [first, second]) {
      const health = await fetch(`${api.url}/api/v1/health`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ checks: { redis: "up" } })
    }
  })

  it("sessions: sign-in remembers the refresh token, sign-out takes them all and revokes in both processes", async () => {
    const member = await people.memberOf(tenant, "member")
    const sub = subOf(member)
    expect(Object.keys(await reader.hgetall(`{user:${member.userId}}:refresh`))).toHaveLength(1)
    const get = (api: StartedApi) =>
      fetch(`${api.url}/api/v1/tenant/inbox`, { headers: { authorization: `Bearer ${member.token}`, "x-tenant": tenant.slug } })
    expect((await get(first)).status).toBe(200)
    expect((await get(second)).status).toBe(200)
    const out = await fetch(`${second.url}/api/v1/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${member.token}` } })
    expect(out.status).toBe(204)
    // MULTI of HVALS and DEL on one key: the registry is gone, the revocation epoch is set.
    expect(await reader.exists(`{user:${member.userId}}:refresh`)).toBe(0)
    expect(Number(await reader.get(`{user:${sub}}:revoked`))).toBeGreaterThan(0)
    expect((await get(second)).status).toBe(401)
    await poll("revoked in the other process", async () => (await get(first)).status === 401)
  })

  it("login limits: failed sign-ins count on the cluster, across both processes, then 429", async () => {
    const email = `limited-${randomUUID().slice(0, 8)}@example.com`
    await createCognitoUser(pool, email, TEST_PASSWORD)
    const login = (api: StartedApi, password: string) =>
      fetch(`${api.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password })
      })
    expect((await login(first, "Wr0ng-Passw0rd!")).status).toBe(401)
    expect((await login(second, "Wr0ng-Passw0rd!")).status).toBe(401)
    expect((await login(first, "Wr0ng-Passw0rd!")).status).toBe(401)
    expect(await reader.get(`rl:login:account:${email}`)).toBe("3")
    const blocked = await login(second, TEST_PASSWORD)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0)
  })

  it("captures: an Idempotency-Key replays its answer; the per-IP limit counts on the cluster (429 after 3)", async () => {
    const fresh = await withOwner(urls, createTenant())
    const project = `well-${randomUUID().slice(0, 6)}`
    await withOwner(urls, prepare(fresh.id, project))
    const capture = (api: StartedApi, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/api/v1/public/donations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-host": `${fresh.slug}.manara.test`, ...headers },
        body: JSON.stringify({
          amount: "25.000",
          project,
          donor: { name: "أم محمد", phone: "+965 5000 1234" },
          paymentMethod: "bank_transfer"
        })
      })
    const key = randomUUID()
    const made = await capture(first, { "idempotency-key": key })
    expect(made.status).toBe(201)
    const replay = await capture(second, { "idempotency-key": key })
    expect(replay.status).toBe(201)
    expect(replay.headers.get("idempotency-replayed")).toBe("true")
    expect(((await replay.json()) as { reference: string }).reference).toBe(((await made.json()) as { reference: string }).reference)
    expect((await capture(first)).status).toBe(201)
    expect(await reader.get(`rl:capture:ip:${fresh.id}:127.0.0.1`)).toBe("3")
    expect(await reader.get(`rl:capture:tenant:${fresh.id}`)).toBe("3")
    const refused = await capture(second)
    expect(refused.status).toBe(429)
    expect(refused.headers.get("content-type")).toBe("application/problem+json")
  })

  it("public cache: a catalog write bumps the tenant's version on the cluster, and the other process serves the new item at once", async () => {
    const list = async (api: StartedApi) =>
      (
        (await (
          await fetch(`${api.url}/api/v1/public/catalog`, { headers: { "x-forwarded-host": `${tenant.slug}.manara.test` } })
        ).json()) as {
          items: Array<{ slug: string }>
        }
      ).items.map((item) => item.slug)
    const before = Number((await reader.get(`public-version:${tenant.slug}`)) ?? 0)
    expect(await list(second)).not.toContain("cluster-item")
    const slug = `c-${randomUUID().slice(0, 8)}`
    const created = await people.call("POST", "/tenant/catalog", owner, tenant.slug, {
      kind: "project",
      slug,
      title: { ar: "مشروع", en: "A project" },
      goal: "100.000",
      category: "general"
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    expect((await people.call("POST", `/tenant/catalog/${id}/status`, owner, tenant.slug, { to: "active" })).status).toBe(200)
    expect(Number(await reader.get(`public-version:${tenant.slug}`))).toBeGreaterThan(before)
    expect(await list(second)).toContain(slug)
  })
})

describe("pub/sub on a Redis Cluster: a subscriber on one master hears what is published through another", () => {
  /** A "process": its own RedisClient on the cluster, seeded from master `seed`, and its TenantChanges. */
  const processOn = (seed: number) =>
    ManagedRuntime.make(
      TenantChanges.Default.pipe(
        Layer.provideMerge(RedisClient.Default),
        Layer.provide(
          Layer.setConfigProvider(
            ConfigProvider.fromMap(
              new Map([
                ["REDIS_URL", cluster.url(seed)],
                ["REDIS_CLUSTER", "true"],
                ["REDIS_KEY_PREFIX", prefix]
              ])
            )
          )
        )
      )
    )

  it("TenantChanges: an announcement in one process makes the other forget its tenants", async () => {
    const [one, two] = [processOn(0), processOn(2)]
    try {
      let forgotten = 0
      // Listening for the rest of the test: a scope that stays open in a fiber of its own.
      await two.runPromise(
        Effect.flatMap(TenantChanges, (changes) =>
          Effect.forkDaemon(Effect.scoped(Effect.zipRight(changes.listen(Effect.sync(() => forgotten++)), Effect.never)))
        )
      )
      // Announced again until heard: the other's subscription may still be on its way.
      await poll("the change heard by the other process", async () => {
        await one.runPromise(Effect.flatMap(TenantChanges, (changes) => changes.announce({ tenantId: tenant.id, what: "settings" })))
        await new Promise((resolve) => setTimeout(resolve, 100))
        return forgotten > 0
      })
    } finally {
      await Promise.all([one.dispose(), two.dispose()])
    }
  })

  it("redisChannel: an event published in one process reaches the other's stream", async () => {
    const [one, two] = [processOn(1), processOn(2)]
    try {
      const channel = `${prefix}cluster-test`
      const listening = await two.runPromise(
        Effect.forkDaemon(Effect.scoped(Effect.flatMap(redisChannel<{ n: number }>(channel), ({ events }) => Stream.runHead(events))))
      )
      const publishing = await one.runPromise(
        Effect.forkDaemon(
          Effect.scoped(
            Effect.flatMap(redisChannel<{ n: number }>(channel), ({ publish }) =>
              Effect.forever(Effect.zipRight(publish({ n: 7 }), Effect.sleep("100 millis")))
            )
          )
        )
      )
      const received = await two.runPromise(Fiber.join(listening).pipe(Effect.timeout("10 seconds")))
      await one.runPromise(Fiber.interrupt(publishing))
      expect(received).toMatchObject({ _tag: "Some", value: { n: 7 } })
    } finally {
      await Promise.all([one.dispose(), two.dispose()])
    }
  })
})
