import { SqlClient } from "@effect/sql"
import { asOwnerInTenant, withOwner } from "@manara/testkit"
import { Deferred, Effect, Either, Fiber, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { AiQuota, budgetMonth, DeterministicModel, Gateway, type GatewayCall } from "../src/index.js"
import {
  budgetedTenant,
  commandedFake,
  concurrently,
  exactFake,
  expectNoDrift,
  gatewayRuntime,
  gatewaySuite,
  logRows,
  perCall,
  question
} from "./harness.js"

const { urls, costPerCall, tokensPerCall, track } = gatewaySuite()
/** A budget that fits exactly 50 calls, in tokens and in cost. */
const fifty = { tokens: tokensPerCall * 50n, cost: costPerCall * 50n }

const alertRows = (tenantId: Parameters<typeof logRows>[1]) =>
  withOwner(
    urls,
    asOwnerInTenant(
      tenantId,
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ dedupeKey: string; target: string }>`
    select dedupe_key as "dedupeKey", target from notification_outbox where event = 'ai.budget' order by dedupe_key`
      )
    )
  )

describe("a budget under concurrency", () => {
  it("200 concurrent calls for a budget that fits 50: 50 answered, 150 refused for tokens, nothing reserved after, no drift", async () => {
    const fake = exactFake()
    const runtime = track(gatewayRuntime(urls, { model: fake.layer }))
    const tenant = await budgetedTenant(urls, fifty)
    const results = await concurrently(
      runtime,
      Array.from({ length: 200 }, () => question(tenant))
    )

    const answered = results.filter(Either.isRight)
    const refused = results.filter(Either.isLeft).map((result) => result.left)
    expect(answered).toHaveLength(50)
    expect(refused).toHaveLength(150)
    for (const error of refused) expect(error).toMatchObject({ _tag: "AiBudgetExhausted", reason: "tokens" })
    // The provider was called only for what was reserved.
    expect(fake.calls()).toBe(50)

    const { drift, logged, redis } = await expectNoDrift(runtime, urls, tenant.id)
    expect(logged).toEqual({ tokens: fifty.tokens, cost: fifty.cost, rows: 50 })
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(redis).toMatchObject({ reservedTokens: 0n, reservedCost: 0n, reservations: 0, refusedBudget: 150 })
    expect(redis.calls.ok).toBe(50)
    // At most the budget: exactly it, here.
    expect(redis.usedTokens).toBeLessThanOrEqual(fifty.tokens)

    // 80 % and 100 % reached: one alert each, for this month, to the contact email.
    const month = budgetMonth()
    expect(await alertRows(tenant.id)).toEqual([
      { dedupeKey: `ai-budget:${month}:100:office`, target: "office@example.com" },
      { dedupeKey: `ai-budget:${month}:80:office`, target: "office@example.com" }
    ])
  }, 60_000)

  it("two gateway processes (own Redis connection, own pool) sharing Redis and Postgres never overspend together", async () => {
    const first = track(gatewayRuntime(urls, { model: exactFake().layer }))
    const second = track(gatewayRuntime(urls, { model: exactFake().layer }))
    const tenant = await budgetedTenant(urls, fifty)
    const [a, b] = await Promise.all([
      concurrently(
        first,
        Array.from({ length: 100 }, () => question(tenant))
      ),
      concurrently(
        second,
        Array.from({ length: 100 }, () => question(tenant))
      )
    ])
    expect([...a, ...b].filter(Either.isRight)).toHaveLength(50)
    const { drift, logged, redis } = await expectNoDrift(first, urls, tenant.id)
    expect(logged.tokens).toBe(fifty.tokens)
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(redis.reservedTokens).toBe(0n)
  }, 60_000)

  it("two tenants: one exhausting its budget leaves the other whole, and no key of one holds the other's numbers", async () => {
    const runtime = track(gatewayRuntime(urls, { model: exactFake().layer }))
    // The second is bound by cost, not tokens.
    const [spent, other] = await Promise.all([
      budgetedTenant(urls, fifty),
      budgetedTenant(urls, { tokens: tokensPerCall * 1000n, cost: costPerCall * 3n })
    ])
    const [a, b] = await Promise.all([
      concurrently(
        runtime,
        Array.from({ length: 80 }, () => question(spent))
      ),
      concurrently(
        runtime,
        Array.from({ length: 10 }, () => question(other))
      )
    ])
    expect(a.filter(Either.isRight)).toHaveLength(50)
    expect(b.filter(Either.isRight)).toHaveLength(3)
    for (const result of b.filter(Either.isLeft)) expect(result.left).toMatchObject({ _tag: "AiBudgetExhausted", reason: "cost" })

    const [x, y] = await Promise.all([expectNoDrift(runtime, urls, spent.id), expectNoDrift(runtime, urls, other.id)])
    expect(x.redis.usedTokens).toBe(fifty.tokens)
    expect(y.redis.usedTokens).toBe(tokensPerCall * 3n)
    expect([x.drift, y.drift]).toEqual([
      { tokens: 0n, cost: 0n },
      { tokens: 0n, cost: 0n }
    ])

    const keys = await runtime.runPromise(
      Effect.flatMap(AiQuota, () =>
        Effect.promise(async () => {
          const { Redis } = await import("ioredis")
          const client = new Redis(urls.redisUrl)
          const found = await client.keys(`${urls.database}:gw:ai:{${spent.id}}*`)
          const fields = await Promise.all(found.filter((key) => key.endsWith(":res")).map((key) => client.hkeys(key)))
          await client.quit()
          return { found, fields: fields.flat() }
        })
      )
    )
    expect(keys.found.length).toBeGreaterThan(0)
    for (const key of keys.found) expect(key).not.toContain(other.id)
    expect(keys.fields).toEqual([])
  }, 60_000)
})

describe("a call that ends badly releases its reservation and counts what was used", () => {
  const setup = async (env: Record<string, string> = {}) => {
    const fake = commandedFake()
    const runtime = track(gatewayRuntime(urls, { model: fake.layer, env }))
    const tenant = await budgetedTenant(urls, fifty)
    return { fake, runtime, tenant }
  }

  it("a provider error mid-stream: released, the two parts streamed logged as an error, no drift", async () => {
    const { fake, runtime, tenant } = await setup()
    fake.state.steps = [{ text: "واحد" }, { text: " اثنان" }, { fail: "upstream 500" }]
    const [result] = await concurrently(runtime, [question(tenant)])
    expect(Either.isLeft(result!) && result.left._tag).toBe("AiProviderFailed")
    const { drift, redis } = await expectNoDrift(runtime, urls, tenant.id)
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(redis).toMatchObject({ reservedTokens: 0n, reservations: 0 })
    expect(await logRows(urls, tenant.id)).toMatchObject([{ outcome: "error", inputTokens: perCall().input, outputTokens: 2 }])
  })

  it("a provider that stalls: a timeout after AI_IDLE_TIMEOUT, released, the part streamed logged, no drift", async () => {
    const { fake, runtime, tenant } = await setup({ AI_IDLE_TIMEOUT: "300 millis" })
    fake.state.steps = [{ text: "واحد" }, { stall: true }]
    const [result] = await concurrently(runtime, [question(tenant)])
    expect(Either.isLeft(result!) && result.left._tag).toBe("AiTimeout")
    const { drift, redis } = await expectNoDrift(runtime, urls, tenant.id)
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(redis.reservedTokens).toBe(0n)
    expect(await logRows(urls, tenant.id)).toMatchObject([{ outcome: "timeout", outputTokens: 1 }])
  })

  it("a client that disconnects mid-stream (its fiber interrupted): released in the finalizer, the three parts it got are counted", async () => {
    const { fake, runtime, tenant } = await setup()
    fake.state.steps = [{ text: "أ" }, { text: "ب" }, { text: "ج" }, { stall: true }]
    await runtime.runPromise(
      Effect.gen(function* () {
        const gateway = yield* Gateway
        const third = yield* Deferred.make<void>()
        let seen = 0
        const fiber = yield* gateway.stream(question(tenant)).pipe(
          Stream.tap(() => (++seen === 3 ? Deferred.succeed(third, undefined) : Effect.void)),
          Stream.runDrain,
          Effect.fork
        )
        yield* Deferred.await(third)
        const quota = yield* AiQuota
        expect((yield* quota.totals(tenant.id, budgetMonth())).reservations).toBe(1)
        yield* Fiber.interrupt(fiber)
      })
    )
    const { drift, redis } = await expectNoDrift(runtime, urls, tenant.id)
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(redis).toMatchObject({ reservedTokens: 0n, reservations: 0 })
    const [row] = await logRows(urls, tenant.id)
    expect(row).toMatchObject({ outcome: "disconnected", inputTokens: perCall().input, outputTokens: 3 })
    expect(redis.usedTokens).toBe(BigInt(perCall().input + 3))
  })
})

describe("caps and rate limits come before the reservation", () => {
  it("input over the plan's characters, too many turns: refused, nothing reserved, the provider never called; max tokens always set", async () => {
    const fake = commandedFake()
    const runtime = track(gatewayRuntime(urls, { model: fake.layer }))
    const tenant = await budgetedTenant(urls, fifty)
    const long = question(tenant, "c-long", "ك".repeat(4001)) // the free plan: 4,000 characters
    const chatty: GatewayCall = { ...question(tenant), messages: Array.from({ length: 21 }, () => ({ role: "user", text: "؟" })) }
    const [tooLong, tooMany] = await concurrently(runtime, [long, chatty])
    expect(Either.isLeft(tooLong!) && tooLong.left).toMatchObject({ _tag: "AiInputTooLong", limit: 4000 })
    expect(Either.isLeft(tooMany!) && tooMany.left).toMatchObject({ _tag: "AiTooManyTurns", limit: 20 })
    expect(fake.calls()).toBe(0)
    expect((await expectNoDrift(runtime, urls, tenant.id)).redis.reservedTokens).toBe(0n)
  })

  it("the provider is asked with the plan's output cap", async () => {
    const seen: Array<number> = []
    const { FakeModel } = await import("../src/index.js")
    const fake = FakeModel(
      "test-fake",
      ({ maxOutputTokens }) => (seen.push(maxOutputTokens), [{ text: "x" }, { usage: { inputTokens: 1, outputTokens: 1 } }])
    )
    const runtime = track(gatewayRuntime(urls, { model: fake.layer }))
    const tenant = await budgetedTenant(urls, fifty)
    await concurrently(runtime, [question(tenant)])
    expect(seen).toEqual([400])
  })

  it("per conversation, per IP and per tenant: the next call over a limit is refused with its scope and when to retry", async () => {
    const runtime = track(
      gatewayRuntime(urls, {
        model: exactFake().layer,
        env: { AI_LIMIT_PER_CONVERSATION: "2", AI_LIMIT_PER_IP: "3", AI_LIMIT_PER_TENANT: "4", AI_LIMIT_WINDOW_SECONDS: "60" }
      })
    )
    const tenant = await budgetedTenant(urls, fifty)
    const one = question(tenant, "c-one")
    const results = await runtime.runPromise(
      Effect.flatMap(Gateway, (gateway) =>
        Effect.forEach(
          [
            one,
            one,
            one,
            { ...question(tenant), ip: "203.0.113.7" },
            { ...question(tenant), ip: "198.51.100.1" },
            { ...question(tenant), ip: "198.51.100.2" }
          ],
          (call) => Effect.either(gateway.complete(call))
        )
      )
    )
    expect(
      results.map((result) => (Either.isRight(result) ? "ok" : result.left._tag === "AiRateLimited" ? result.left.scope : result.left._tag))
    ).toEqual(["ok", "ok", "conversation", "ok", "ok", "tenant"])
    const refused = results.find(Either.isLeft)!
    expect(Either.isLeft(refused) && refused.left._tag === "AiRateLimited" && refused.left.retryAfterSeconds).toBeGreaterThan(0)
    // IP: the third call from 203.0.113.7 (two in c-one, one more) already happened; a fourth is refused.
    const [ip] = await concurrently(runtime, [{ ...question(tenant), ip: "203.0.113.7" }])
    expect(Either.isLeft(ip!) && ip.left).toMatchObject({ _tag: "AiRateLimited" })
  })
})

describe("the built-in deterministic model (no provider configured)", () => {
  it("answers through the same path: reserved, settled, logged, usage counted from its output", async () => {
    const runtime = track(gatewayRuntime(urls, { model: DeterministicModel }))
    const tenant = await budgetedTenant(urls, fifty)
    const result = await runtime.runPromise(
      Effect.flatMap(Gateway, (gateway) => gateway.complete(question(tenant, "c-det", "متى يبدأ رمضان")))
    )
    expect(result.text).toBe("منارة (نموذج تجريبي): متى يبدأ رمضان")
    expect(result).toMatchObject({ inputTokens: 3, outputTokens: 6, costMicrofils: 0n })
    const { drift, redis } = await expectNoDrift(runtime, urls, tenant.id)
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(redis.usedTokens).toBe(9n)
    expect(await logRows(urls, tenant.id)).toMatchObject([{ outcome: "ok", inputTokens: 3, outputTokens: 6, cost: "0" }])
  })
})

describe("the plan cache", () => {
  it(
    "an entry past half its TTL is read again behind the calls: a changed budget arrives before the TTL ends",
    { timeout: 60_000 },
    async () => {
      const fake = exactFake()
      // 20 s: the steps below keep 9 s or more from each bound, whatever the machine's load.
      const runtime = track(gatewayRuntime(urls, { model: fake.layer, env: { AI_PLAN_CACHE_TTL: "20 seconds" } }))
      const tenant = await budgetedTenant(urls, fifty)
      const call = () => concurrently(runtime, [question(tenant)]).then(([result]) => result!)
      // The entry is loaded during the first call, between these two instants.
      const loadStarted = Date.now()
      expect(Either.isRight(await call())).toBe(true)
      const loadEnded = Date.now()
      // The platform admin leaves the tenant no budget; the cached plan does not know yet.
      await withOwner(
        urls,
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update tenants set ai_monthly_token_budget = 1 where id = ${tenant.id}`)
      )
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, loadEnded + 10_500 - Date.now())))
      // Surely past half the TTL: answered from the cache (the old budget), and the plan is read again behind it.
      expect(Either.isRight(await call())).toBe(true)
      let refusedAt: number | undefined
      let refused: Either.Either<unknown, unknown> | undefined
      // At most ~30 calls: the old budget (50) alone never refuses one.
      while (refused === undefined && Date.now() - loadStarted < 19_500) {
        const result = await call()
        if (Either.isLeft(result)) {
          refusedAt = Date.now()
          refused = result
        } else await new Promise((resolve) => setTimeout(resolve, 300))
      }
      // Before the entry could have expired (20 s after the load began, at the earliest), the new budget was in use.
      expect(refused !== undefined && Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "AiBudgetExhausted", reason: "tokens" })
      expect(refusedAt! - loadStarted).toBeLessThan(20_000)
    }
  )
})
