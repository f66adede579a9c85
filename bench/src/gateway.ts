/**
 * The gateway line of `pnpm bench` (`BENCH_CASES=gateway`, or alone: `pnpm --filter @manara/bench gateway`):
 * calls at a fixed rate (BENCH_GATEWAY_RATE per second for BENCH_GATEWAY_SECONDS) to a zero-latency fake
 * model, first straight to the fake, then through the whole gateway (plan cache, caps, the Redis
 * rate-limit-and-reserve script, the stream, the settle script, the ai_usage_log row handed to the
 * log's writer). p50/p99 of each and of the difference: the gateway's overhead. Goal: p50 <= 2 ms,
 * p99 <= 10 ms. At the end, every call's row must be in Postgres (the writer works off the caller's path).
 */
import { SqlClient } from "@effect/sql"
import { AiGatewayLive, AiRedis, AiUsageLog, FakeModel, Gateway, GatewayModel } from "@manara/ai-gateway"
import { RedisClient, TenantSql } from "@manara/db"
import { asOwnerInTenant, createTenant, createTestDatabase, dropTestDatabase, runtimeSql, withOwner } from "@manara/testkit"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Stream } from "effect"

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const rate = number("BENCH_GATEWAY_RATE", 100)
const seconds = number("BENCH_GATEWAY_SECONDS", 10)
const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const urls = await createTestDatabase("manara_bench_gateway")
try {
  const tenant = await withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const created = yield* createTenant()
      yield* sql`insert into ai_model_prices (model, provider, input_microfils_per_mtok, output_microfils_per_mtok) values ('bench-fake', 'test', 1000000, 2000000)`
      yield* sql`update tenants set ai_monthly_token_budget = 1000000000000, ai_monthly_cost_budget = 1000000000000000 where id = ${created.id}`
      return created
    })
  )
  const fake = FakeModel("bench-fake", () => [{ text: "أهلاً" }, { text: " وسهلاً" }, { usage: { inputTokens: 20, outputTokens: 2 } }])
  const runtime = ManagedRuntime.make(
    AiGatewayLive.pipe(
      Layer.provideMerge(fake.layer),
      Layer.provide(AiRedis.fromRedisClient.pipe(Layer.provide(RedisClient.Default))),
      Layer.provide(TenantSql.Default.pipe(Layer.provideMerge(runtimeSql(urls, 10)))),
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["REDIS_URL", urls.redisUrl],
              ["REDIS_KEY_PREFIX", `${urls.database}:`],
              ["AI_LIMIT_PER_TENANT", "100000000"],
              ["AI_LIMIT_PER_CONVERSATION", "100000000"],
              ["AI_LIMIT_PER_IP", "100000000"],
              // Measure, do not refuse: a slow answer on a busy machine shows in p99 instead.
              ["AI_REDIS_TIMEOUT", "30 seconds"]
            ])
          )
        )
      )
    )
  )
  const direct = Effect.flatMap(GatewayModel, (model) =>
    Stream.runDrain(model.stream({ prompt: "ما هي مواعيد الصلاة؟", maxOutputTokens: 400 }))
  )
  const gateway = Effect.flatMap(Gateway, (g) =>
    g.complete({
      tenantId: tenant.id,
      conversationId: "bench",
      ip: "203.0.113.1",
      messages: [{ role: "user", text: "ما هي مواعيد الصلاة؟" }]
    })
  )

  let gatewayFailures = 0
  /** `total` calls, one every 1000/rate ms whatever the previous ones are doing; each call's own latency. */
  const atRate = async (call: Effect.Effect<unknown, unknown, Gateway | GatewayModel>) => {
    const total = Math.round(rate * seconds)
    const latencies: Array<number> = []
    let failures = 0
    const pending: Array<Promise<void>> = []
    const start = performance.now()
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const began = performance.now()
      pending.push(
        runtime.runPromise(call).then(
          () => void latencies.push(performance.now() - began),
          () => void failures++
        )
      )
    }
    await Promise.all(pending)
    if (failures > 0) process.stdout.write(`gateway: ${failures} of ${total} calls failed\n`)
    if (call === gateway) gatewayFailures += failures
    return latencies
  }
  // Warm up both paths (connections, script loading, caches).
  await atRate(direct)
  await atRate(gateway)
  const viaFake = await atRate(direct)
  const viaGateway = await atRate(gateway)
  const line = (name: string, values: ReadonlyArray<number>) =>
    `${name.padEnd(22)} p50 ${percentile(values, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(2).padStart(7)} ms`
  process.stdout.write(
    `gateway: ${Math.round(rate * seconds)} calls at ${rate}/s, zero-latency fake model, one tenant\n` +
      `${line("the fake alone", viaFake)}\n${line("through the gateway", viaGateway)}\n` +
      `overhead               p50 ${(percentile(viaGateway, 50) - percentile(viaFake, 50)).toFixed(2).padStart(7)} ms   ` +
      `p99 ${(percentile(viaGateway, 99) - percentile(viaFake, 99)).toFixed(2).padStart(7)} ms   (goal: p50 <= 2 ms, p99 <= 10 ms)\n`
  )
  await runtime.runPromise(Effect.flatMap(AiUsageLog, (log) => log.flush))
  const [logged] = await withOwner(
    urls,
    asOwnerInTenant(
      tenant.id,
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ rows: number }>`select count(*)::int as rows from ai_usage_log`)
    )
  )
  // Both gateway runs (warm-up and measured): a row each, none lost by the writer.
  if (logged?.rows !== 2 * Math.round(rate * seconds) - gatewayFailures)
    throw new Error(`gateway: ${logged?.rows} usage rows for ${2 * Math.round(rate * seconds) - gatewayFailures} calls`)
  await runtime.dispose()
} finally {
  await dropTestDatabase(urls)
}
