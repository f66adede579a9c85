import { SqlClient } from "@effect/sql"
import { AiGatewayLive, AiRedis, FakeModel, Gateway, GatewayModel } from "@manara/ai-gateway"
import { RedisClient, TenantSql } from "@manara/db"
import { createTenant, runtimeSql, type TestDatabaseUrls, withOwner } from "@manara/testkit"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Stream } from "effect"

/**
 * What the gateway lines share (`gateway.ts` for latency, `gateway-alloc.ts` for bytes): a tenant with a
 * budget that never runs out, the gateway over a zero-latency fake model, and one call of each kind.
 */
export const gatewayBench = async (urls: TestDatabaseUrls) => {
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
  return { tenant, runtime, direct, gateway } as const
}
