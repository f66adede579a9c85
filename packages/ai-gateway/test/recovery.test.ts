import { RedisClient } from "@manara/db"
import { OwnCluster, OwnRedis } from "@manara/testkit"
import { Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AiQuota, AiRedis, budgetMonth, Gateway, quotaKeys } from "../src/index.js"
import {
  budgetedTenant,
  concurrently,
  config,
  exactFake,
  expectNoDrift,
  gatewayRuntime,
  gatewaySuite,
  question,
  sharedRedis
} from "./harness.js"

const { urls, costPerCall, tokensPerCall, track } = gatewaySuite()
const fifty = { tokens: tokensPerCall * 50n, cost: costPerCall * 50n }

/** A gateway on a Redis the test owns (never the machine's). */
const ownRedisLayer = (redis: OwnRedis) =>
  AiRedis.fromRedisClient.pipe(Layer.provide(RedisClient.Default), Layer.provide(config({ ...urls, redisUrl: redis.url })))

describe("Redis unreachable: fail closed, fast; on its return the counters come back from Postgres", () => {
  let redis: OwnRedis
  beforeAll(async () => {
    redis = await OwnRedis.start()
  })
  afterAll(() => redis.dispose())

  it("503-worthy AiUnavailable at once (no wait on the Redis timeout) with the provider never called, then rebuilt and matching", async () => {
    const fake = exactFake()
    const runtime = track(gatewayRuntime(urls, { model: fake.layer, redis: ownRedisLayer(redis), env: { AI_REDIS_TIMEOUT: "10 seconds" } }))
    const tenant = await budgetedTenant(urls, fifty)
    expect((await concurrently(runtime, [question(tenant), question(tenant)])).every(Either.isRight)).toBe(true)
    expect(fake.calls()).toBe(2)

    await redis.stop()
    const started = performance.now()
    const [refused] = await concurrently(runtime, [question(tenant)])
    const elapsed = performance.now() - started
    expect(Either.isLeft(refused!) && refused.left).toMatchObject({ _tag: "AiUnavailable" })
    expect(Either.isLeft(refused!) && refused.left._tag === "AiUnavailable" && refused.left.retryAfterSeconds).toBeGreaterThan(0)
    // Far under AI_REDIS_TIMEOUT (10 s): refused because Redis is down, not after waiting on it (a bound a loaded machine keeps).
    expect(elapsed).toBeLessThan(3_000)
    expect(fake.calls()).toBe(2)

    // Back, empty (no persistence): the first call finds the month missing and rebuilds it from ai_usage_log.
    await redis.resume()
    let answered = false
    for (let attempt = 0; attempt < 100 && !answered; attempt++) {
      const [result] = await concurrently(runtime, [question(tenant)])
      answered = Either.isRight(result!)
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(answered).toBe(true)
    const { drift, logged, redis: counters } = await expectNoDrift(runtime, urls, tenant.id)
    expect(logged.rows).toBe(3)
    expect(counters.usedTokens).toBe(tokensPerCall * 3n)
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    expect(counters.calls.ok).toBe(3)
  }, 60_000)
})

describe("a holder that died", () => {
  it("its reservation blocks the budget until its TTL passes; then the sweeper releases it and the budget is whole again", async () => {
    const runtime = track(gatewayRuntime(urls, { model: exactFake().layer, env: { AI_RESERVATION_TTL: "1 second" } }))
    // Room for one call only.
    const tenant = await budgetedTenant(urls, { tokens: tokensPerCall, cost: costPerCall })
    // A process reserved and was killed before it could settle: the reservation, and nothing after it.
    await runtime.runPromise(
      Effect.gen(function* () {
        const gateway = yield* Gateway
        const quota = yield* AiQuota
        yield* gateway.rebuild(tenant.id, budgetMonth(), false)
        yield* quota.reserve({
          tenantId: tenant.id,
          conversationId: "killed",
          ip: "x",
          month: budgetMonth(),
          id: crypto.randomUUID(),
          tokens: Number(tokensPerCall),
          cost: costPerCall,
          tokenBudget: tokensPerCall,
          costBudget: costPerCall
        })
      })
    )
    const [blocked] = await concurrently(runtime, [question(tenant)])
    expect(Either.isLeft(blocked!) && blocked.left).toMatchObject({ _tag: "AiBudgetExhausted" })

    await new Promise((resolve) => setTimeout(resolve, 1200))
    const released = await runtime.runPromise(Effect.flatMap(AiQuota, (quota) => quota.sweep))
    expect(released).toBeGreaterThanOrEqual(1)
    const { drift, redis } = await expectNoDrift(runtime, urls, tenant.id)
    expect(redis).toMatchObject({ reservedTokens: 0n, reservedCost: 0n, reservations: 0, usedTokens: 0n })
    expect(drift).toEqual({ tokens: 0n, cost: 0n })
    const [fits] = await concurrently(runtime, [question(tenant)])
    expect(Either.isRight(fits!)).toBe(true)
  })
})

describe("on a real Redis Cluster (three masters on loopback)", () => {
  let cluster: OwnCluster
  beforeAll(async () => {
    cluster = await OwnCluster.start()
  }, 60_000)
  afterAll(() => cluster.dispose())

  it("the same scripts, unchanged: 200 concurrent calls for a budget of 50, tenants on different masters, no overspend, no drift", async () => {
    const fake = exactFake()
    // The process's own connection (RedisClient), told the URL is a cluster's seed: what production runs.
    const runtime = track(
      gatewayRuntime(urls, { model: fake.layer, redis: sharedRedis, env: { REDIS_URL: cluster.url(), REDIS_CLUSTER: "true" } })
    )
    const prefix = `${urls.database}:gw:`
    // Tenants until two live on different masters.
    const tenants = [await budgetedTenant(urls, fifty)]
    const ownerOf = (tenantId: string) => cluster.ownerOf(`${prefix}${quotaKeys(tenantId).reserved}`)
    const firstOwner = await ownerOf(tenants[0]!.id)
    for (let i = 0; i < 20; i++) {
      const next = await budgetedTenant(urls, fifty)
      if ((await ownerOf(next.id)) !== firstOwner) {
        tenants.push(next)
        break
      }
    }
    expect(tenants).toHaveLength(2)
    const [a, b] = await Promise.all(
      tenants.map((tenant) =>
        concurrently(
          runtime,
          Array.from({ length: 200 }, () => question(tenant))
        )
      )
    )
    for (const [results, tenant] of [
      [a!, tenants[0]!],
      [b!, tenants[1]!]
    ] as const) {
      expect(results.filter(Either.isRight)).toHaveLength(50)
      for (const result of results.filter(Either.isLeft)) expect(result.left).toMatchObject({ _tag: "AiBudgetExhausted", reason: "tokens" })
      const { drift, redis: counters } = await expectNoDrift(runtime, urls, tenant.id)
      expect(counters).toMatchObject({ usedTokens: fifty.tokens, reservedTokens: 0n, reservations: 0 })
      expect(drift).toEqual({ tokens: 0n, cost: 0n })
    }
    expect(fake.calls()).toBe(100)
  }, 120_000)
})
