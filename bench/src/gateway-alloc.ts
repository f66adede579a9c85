/**
 * What one gateway call allocates (`pnpm --filter @manara/bench gateway:alloc`): N sequential calls
 * (BENCH_ALLOC_CALLS, default 2000) after a warm-up, to the fake model alone, then through the gateway,
 * with V8's heap measured around every collection (`v8.GCProfiler`): bytes allocated per call, and the
 * collections they caused. Allocation does not depend on the machine's load, unlike latency.
 */
import { SqlClient } from "@effect/sql"
import { AiGatewayLive, AiRedis, AiUsageLog, FakeModel, Gateway, GatewayModel } from "@manara/ai-gateway"
import { RedisClient, TenantSql } from "@manara/db"
import { createTenant, createTestDatabase, dropTestDatabase, runtimeSql, withOwner } from "@manara/testkit"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Stream } from "effect"
import v8 from "node:v8"

const calls = Number(process.env.BENCH_ALLOC_CALLS ?? 1000)

/** Bytes allocated while `run` goes: heap growth between collections, summed (what each collection found, minus what the last left). */
const allocated = async (run: () => Promise<void>) => {
  const profiler = new v8.GCProfiler()
  const startUsed = v8.getHeapStatistics().used_heap_size
  profiler.start()
  await run()
  const endUsed = v8.getHeapStatistics().used_heap_size
  const { statistics } = profiler.stop()
  const oldSpace = (spaces: ReadonlyArray<{ spaceName: string; spaceUsedSize: number }>) =>
    spaces.find((space) => space.spaceName === "old_space")?.spaceUsedSize ?? 0
  let total = 0
  let last = startUsed
  let scavenges = 0
  let markCompacts = 0
  // What reaches the old generation: promoted by a scavenge, or allocated there directly (pretenured).
  let old = 0
  let lastOld: number | undefined
  for (const gc of statistics) {
    total += gc.beforeGC.heapStatistics.usedHeapSize - last
    last = gc.afterGC.heapStatistics.usedHeapSize
    const before = oldSpace(gc.beforeGC.heapSpaceStatistics)
    const after = oldSpace(gc.afterGC.heapSpaceStatistics)
    if (lastOld !== undefined) old += Math.max(0, before - lastOld)
    if (gc.gcType === "Scavenge") {
      scavenges++
      old += Math.max(0, after - before)
    } else if (gc.gcType === "MarkSweepCompact") markCompacts++
    lastOld = after
  }
  total += endUsed - last
  return { total, old, scavenges, markCompacts }
}

const urls = await createTestDatabase("manara_bench_alloc")
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
  const sequential = (call: Effect.Effect<unknown, unknown, Gateway | GatewayModel>, n: number) => async () => {
    for (let i = 0; i < n; i++) await runtime.runPromise(call)
  }
  for (const [name, call] of [
    ["the fake alone", direct],
    ["through the gateway", gateway]
  ] as const) {
    await sequential(call, 300)()
    const { total, old, scavenges, markCompacts } = await allocated(sequential(call, calls))
    process.stdout.write(
      `${name.padEnd(22)} ${(total / calls / 1024).toFixed(1).padStart(8)} KB per call, ${(old / calls / 1024).toFixed(1).padStart(6)} KB of it to the old generation   ` +
        `(${calls} calls: ${scavenges} scavenges, ${markCompacts} mark-compacts)\n`
    )
  }
  await runtime.runPromise(Effect.flatMap(AiUsageLog, (log) => log.flush))
  await runtime.dispose()
} finally {
  await dropTestDatabase(urls)
}
