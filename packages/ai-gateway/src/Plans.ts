import { SqlClient } from "@effect/sql"
import { TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { Cache, Config, Duration, Effect, Exit, Option } from "effect"
import type { ModelPrice } from "./Cost.js"
import { AiTenantInactive, AiUnavailable } from "./Errors.js"

/** A tenant's monthly budgets and per-call caps: its plan's, with its own override of the budgets. */
export interface AiPlan {
  readonly planCode: string
  readonly tokenBudget: bigint
  readonly costBudget: bigint
  readonly maxInputChars: number
  readonly maxOutputTokens: number
  readonly maxTurns: number
}

/**
 * Plans and prices, cached in the process for `AI_PLAN_CACHE_TTL` (a change reaches every process
 * within it; the budget itself is enforced by Redis on every call). Failures are not cached. An
 * entry past half its TTL is read again in the background while calls keep using it, so a steadily
 * used tenant never waits for Postgres on its call path (docs/performance.md, the gateway line).
 */
export class AiPlans extends Effect.Service<AiPlans>()("AiGateway/AiPlans", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const scope = yield* Effect.scope
    const ttl = yield* Config.duration("AI_PLAN_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(30)))
    const timeToLive = (exit: Exit.Exit<unknown, unknown>) => (Exit.isSuccess(exit) ? ttl : Duration.zero)
    const refreshAfter = Duration.toMillis(ttl) / 2

    const plans = yield* Cache.makeWith({
      capacity: 10_000,
      timeToLive,
      lookup: (tenantId: TenantId) =>
        tenantSql
          .withTenant(
            tenantId,
            sql<{
              planCode: string
              tokenBudget: string
              costBudget: string
              maxInputChars: number
              maxOutputTokens: number
              maxTurns: number
            }>`
            select plan_code as "planCode", token_budget::text as "tokenBudget", cost_budget::text as "costBudget",
              max_input_chars as "maxInputChars", max_output_tokens as "maxOutputTokens", max_turns as "maxTurns"
            from app.current_tenant_ai_plan()`
          )
          .pipe(
            Effect.flatMap((rows) => {
              const row = rows[0]
              if (row === undefined) return Effect.fail(new AiTenantInactive())
              return Effect.succeed<AiPlan>({ ...row, tokenBudget: BigInt(row.tokenBudget), costBudget: BigInt(row.costBudget) })
            })
          )
    })

    const prices = yield* Cache.makeWith({
      capacity: 100,
      timeToLive,
      lookup: (model: string) =>
        sql<{ input: string; output: string }>`
          select input_microfils_per_mtok::text as input, output_microfils_per_mtok::text as output
          from ai_model_prices where model = ${model}`.pipe(
          Effect.flatMap((rows) =>
            rows[0] === undefined
              ? Effect.fail(new AiUnavailable({ retryAfterSeconds: 60 }))
              : Effect.succeed<ModelPrice>({ model, inputPerMillion: BigInt(rows[0].input), outputPerMillion: BigInt(rows[0].output) })
          )
        )
    })

    /** Keys being read again in the background: one refresh each at a time. */
    const refreshing = new Set<string>()
    const getFresh = <K extends string, A, E>(cache: Cache.Cache<K, A, E>, key: K) =>
      Effect.tap(cache.get(key), () =>
        refreshing.has(key)
          ? Effect.void
          : Effect.flatMap(cache.entryStats(key), (stats) =>
              Option.isNone(stats) || Date.now() - stats.value.loadedMillis < refreshAfter
                ? Effect.void
                : Effect.sync(() => refreshing.add(key)).pipe(
                    Effect.zipRight(
                      cache
                        .refresh(key)
                        .pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => refreshing.delete(key))), Effect.forkIn(scope))
                    )
                  )
            )
      )

    return {
      planOf: (tenantId: TenantId) => getFresh(plans, tenantId),
      /** A model without a price is never called: the call is refused as unavailable (and logged). */
      priceOf: (model: string) =>
        getFresh(prices, model).pipe(
          Effect.tapErrorTag("AiUnavailable", () => Effect.logError(`AI model ${model} has no row in ai_model_prices`))
        ),
      forget: (tenantId: TenantId) => plans.invalidate(tenantId)
    } as const
  })
}) {}
