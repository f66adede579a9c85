import { SqlClient } from "@effect/sql"
import { RedisClient, TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { asOwnerInTenant, createTenant, runtimeSql, type TenantFixture, withOwner } from "@manara/testkit"
import type { TestDatabaseUrls } from "@manara/testkit"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, inject } from "vitest"
import {
  AiGatewayLive,
  AiQuota,
  AiRedis,
  AiUsageLog,
  budgetMonth,
  estimateInputTokens,
  FakeModel,
  type FakeStep,
  Gateway,
  type GatewayCall,
  type GatewayModel
} from "../src/index.js"

/** The fake's price: 1 µfils per input token, 2 per output token (per million: 10^6 and 2·10^6). */
export const FAKE_MODEL = "test-fake"
export const MAX_OUTPUT = 400 // the free plan's cap

export const ensureFakePrice = (urls: TestDatabaseUrls) =>
  withOwner(
    urls,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`
    insert into ai_model_prices (model, provider, input_microfils_per_mtok, output_microfils_per_mtok)
    values (${FAKE_MODEL}, 'test', 1000000, 2000000) on conflict (model) do nothing`
    )
  )

/** A tenant on the free plan with its own budgets and a contact email (where budget alerts go). */
export const budgetedTenant = (urls: TestDatabaseUrls, budget: { tokens: bigint; cost: bigint }) =>
  withOwner(
    urls,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* createTenant()
      yield* sql`update tenants set ai_monthly_token_budget = ${budget.tokens.toString()}, ai_monthly_cost_budget = ${budget.cost.toString()},
      settings = ${JSON.stringify({ contact: { email: "office@example.com" } })}::jsonb where id = ${tenant.id}`
      return tenant
    })
  )

export const question = (
  tenant: TenantFixture,
  conversationId = `c-${randomBytes(4).toString("hex")}`,
  text = "ما هي مواعيد الصلاة؟"
): GatewayCall => ({
  tenantId: tenant.id,
  conversationId,
  ip: "203.0.113.7",
  messages: [{ role: "user", text }]
})

/** What a call of `question` reserves and, with `exactFake`, uses: the input estimate plus the output cap. */
export const perCall = (text = "ما هي مواعيد الصلاة؟") => {
  const input = estimateInputTokens([text])
  return { input, tokens: BigInt(input + MAX_OUTPUT), cost: BigInt(input) + 2n * BigInt(MAX_OUTPUT) }
}

/** A fake that streams three parts and reports exactly what was reserved. */
export const exactFake = () =>
  FakeModel(FAKE_MODEL, ({ maxOutputTokens }) => [
    { text: "أهلاً" },
    { text: " وسهلاً" },
    { text: "." },
    { usage: { inputTokens: perCall().input, outputTokens: maxOutputTokens } }
  ])

/** A fake whose next calls play whatever the test sets in `steps`. */
export const commandedFake = () => {
  const state: { steps: ReadonlyArray<FakeStep> } = { steps: [] }
  const fake = FakeModel(FAKE_MODEL, () => state.steps)
  return { ...fake, state }
}

export const config = (urls: TestDatabaseUrls, env: Record<string, string> = {}) =>
  Layer.setConfigProvider(
    ConfigProvider.fromMap(
      new Map(
        Object.entries({
          REDIS_URL: urls.redisUrl,
          REDIS_KEY_PREFIX: `${urls.database}:gw:`,
          // Concurrency tests send hundreds at once: the limits have a test of their own.
          AI_LIMIT_PER_TENANT: "100000",
          AI_LIMIT_PER_CONVERSATION: "100000",
          AI_LIMIT_PER_IP: "100000",
          AI_PLAN_CACHE_TTL: "1 minute",
          // A busy test machine is not an outage (a stopped Redis fails at once, whatever this is).
          AI_REDIS_TIMEOUT: "10 seconds",
          ...env
        })
      )
    )
  )

/** The machine's Redis under a prefix of this run. */
export const sharedRedis = AiRedis.fromRedisClient.pipe(Layer.provide(RedisClient.Default))

/** Every gateway "process" of the file: reads of the log wait for their queued rows first. */
const live = new Set<ManagedRuntime.ManagedRuntime<AiUsageLog, unknown>>()

/** The rows every live gateway has queued, written (the log is written off the caller's path). */
export const flushLogs = () =>
  Promise.all(
    [...live].map((runtime) => runtime.runPromise(Effect.flatMap(AiUsageLog, (log) => log.flush)).catch(() => live.delete(runtime)))
  )

/** A gateway "process": its own Redis connection and its own Postgres pool. */
export const gatewayRuntime = (
  urls: TestDatabaseUrls,
  options: { model: Layer.Layer<GatewayModel>; redis?: Layer.Layer<AiRedis, unknown>; env?: Record<string, string>; poolSize?: number }
) => {
  const runtime = ManagedRuntime.make(
    AiGatewayLive.pipe(
      Layer.provide(options.model),
      Layer.provideMerge(options.redis ?? sharedRedis),
      Layer.provideMerge(TenantSql.Default),
      Layer.provideMerge(runtimeSql(urls, options.poolSize ?? 8)),
      Layer.provide(config(urls, options.env))
    )
  )
  live.add(runtime)
  return runtime
}
export type GatewayRuntime = ReturnType<typeof gatewayRuntime>

/**
 * A test file's setup: the run's database, the fake model's price in place before its tests, what one
 * call costs, and `track`, whose runtimes are disposed after its tests.
 */
export const gatewaySuite = () => {
  const urls = inject("manaraDatabase")
  const runtimes: Array<GatewayRuntime> = []
  beforeAll(() => ensureFakePrice(urls))
  afterAll(() => Promise.all(runtimes.map((runtime) => runtime.dispose())))
  const { cost, tokens } = perCall()
  const track = (runtime: GatewayRuntime) => (runtimes.push(runtime), runtime)
  return { urls, costPerCall: cost, tokensPerCall: tokens, track } as const
}

/** What `ai_usage_log` holds for the tenant this month, as the owner sees it inside the tenant. */
export const loggedSums = (urls: TestDatabaseUrls, tenantId: TenantId) =>
  flushLogs().then(() =>
    withOwner(
      urls,
      asOwnerInTenant(
        tenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ tokens: string; cost: string; rows: string }>`
    select coalesce(sum(input_tokens + output_tokens), 0)::text as tokens, coalesce(sum(cost_microfils), 0)::text as cost, count(*)::text as rows
    from ai_usage_log where billed_month = ${`${budgetMonth()}-01`}`
        )
      )
    ).then(([row]) => ({
      tokens: BigInt(row!.tokens),
      cost: BigInt(row!.cost),
      rows: Number(row!.rows)
    }))
  )

export const logRows = (urls: TestDatabaseUrls, tenantId: TenantId) =>
  flushLogs().then(() =>
    withOwner(
      urls,
      asOwnerInTenant(
        tenantId,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{
            outcome: string
            inputTokens: number
            outputTokens: number
            cost: string
            conversationId: string
            latencyMs: number
          }>`
    select outcome, input_tokens as "inputTokens", output_tokens as "outputTokens", cost_microfils::text as cost,
      conversation_id as "conversationId", latency_ms as "latencyMs"
    from ai_usage_log order by created_at`
        )
      )
    )
  )

export const totals = (runtime: GatewayRuntime, tenantId: TenantId) =>
  runtime.runPromise(Effect.flatMap(AiQuota, (quota) => quota.totals(tenantId, budgetMonth())))

/** Runs `count` calls at once; each settles to its result or its error's tag. */
export const concurrently = (runtime: GatewayRuntime, calls: ReadonlyArray<GatewayCall>) =>
  runtime.runPromise(
    Effect.flatMap(Gateway, (gateway) =>
      Effect.forEach(calls, (call) => Effect.either(gateway.complete(call)), { concurrency: "unbounded" })
    )
  )

/** Drift between Redis and Postgres, which the tests hold at zero. */
export const expectNoDrift = async (runtime: GatewayRuntime, urls: TestDatabaseUrls, tenantId: TenantId) => {
  const [redis, logged] = await Promise.all([totals(runtime, tenantId), loggedSums(urls, tenantId)])
  return { redis, logged, drift: { tokens: redis.usedTokens - logged.tokens, cost: redis.usedCost - logged.cost } }
}
