import { Command, Options } from "@effect/cli"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { AiGatewayLive, AiRedis, budgetMonth, ConfiguredModel, Gateway } from "@manara/ai-gateway"
import { DbConfig, RedisClient, TenantSqlLive } from "@manara/db"
import { Console, Effect, Layer, Option } from "effect"

const ownerSql = Layer.unwrapEffect(
  Effect.map(DbConfig.connection(DbConfig.ownerUrl), (pg) => PgClient.layer({ ...pg, maxConnections: 2 }))
)

const refuse = (message: string) =>
  Effect.zipRight(
    Console.error(message),
    Effect.sync(() => {
      process.exitCode = 1
    })
  )

/** A whole number, or `plan` (the override removed: the plan's applies again). */
const amount = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withDescription(description),
    Options.mapEffect((text) =>
      text === "plan" || /^\d{1,18}$/.test(text)
        ? Effect.succeed(text === "plan" ? null : text)
        : Effect.fail(`--${name}: a whole number or "plan"` as never)
    ),
    Options.optional
  )

const count = (name: string, description: string) => Options.integer(name).pipe(Options.withDescription(description), Options.optional)

const plan = Command.make(
  "plan",
  {
    code: Options.text("code"),
    tokens: count("tokens", "monthly token budget"),
    cost: count("cost-microfils", "monthly cost budget in micro-fils (10^9 per KWD)"),
    maxInputChars: count("max-input-chars", "longest input, in characters"),
    maxOutputTokens: count("max-output-tokens", "max_tokens sent with every call"),
    maxTurns: count("max-turns", "most questions in one conversation")
  },
  (o) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const value = <A>(option: Option.Option<A>) => Option.getOrNull(option)
      const rows = yield* sql<{ code: string }>`
      update plans set
        monthly_ai_token_budget = coalesce(${value(o.tokens)}, monthly_ai_token_budget),
        monthly_ai_cost_budget = coalesce(${value(o.cost)}, monthly_ai_cost_budget),
        ai_max_input_chars = coalesce(${value(o.maxInputChars)}, ai_max_input_chars),
        ai_max_output_tokens = coalesce(${value(o.maxOutputTokens)}, ai_max_output_tokens),
        ai_max_turns = coalesce(${value(o.maxTurns)}, ai_max_turns)
      where code = ${o.code} returning code`
      if (rows.length === 0) return yield* refuse(`no plan ${o.code}`)
      yield* Console.log(`plan ${o.code} updated (processes see it within AI_PLAN_CACHE_TTL)`)
    }).pipe(
      Effect.catchTag("SqlError", (error) => refuse(`refused: ${String((error.cause as { message?: string })?.message ?? error.message)}`)),
      Effect.provide(ownerSql)
    )
).pipe(Command.withDescription("Set a plan's monthly AI budgets and per-call caps"))

const budget = Command.make(
  "budget",
  {
    slug: Options.text("slug"),
    tokens: amount("tokens", "the tenant's monthly token budget, or plan"),
    cost: amount("cost-microfils", "the tenant's monthly cost budget in micro-fils, or plan")
  },
  ({ cost, slug, tokens }) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const keep = (option: Option.Option<string | null>) => Option.isNone(option)
      const rows = yield* sql<{ slug: string }>`
      update tenants set
        ai_monthly_token_budget = case when ${keep(tokens)} then ai_monthly_token_budget else ${Option.getOrNull(tokens) ?? null}::bigint end,
        ai_monthly_cost_budget = case when ${keep(cost)} then ai_monthly_cost_budget else ${Option.getOrNull(cost) ?? null}::bigint end
      where slug = ${slug} returning slug`
      if (rows.length === 0) return yield* refuse(`no tenant ${slug}`)
      yield* Console.log(`tenant ${slug}: AI budget override set`)
    }).pipe(Effect.provide(ownerSql))
).pipe(Command.withDescription("Override (or, with plan, remove the override of) a tenant's monthly AI budgets"))

const rebuild = Command.make(
  "rebuild",
  {
    month: Options.text("month").pipe(Options.withDescription("YYYY-MM, Kuwait's calendar (default: this month)"), Options.optional),
    force: Options.boolean("force").pipe(Options.withDescription("overwrite counters that exist (run while no call is settling)"))
  },
  ({ force, month }) =>
    Effect.gen(function* () {
      const gateway = yield* Gateway
      const done = yield* gateway.rebuildAll(Option.getOrElse(month, budgetMonth), force)
      yield* Console.log(`AI counters rebuilt from ai_usage_log for ${done.filter((t) => t.written).length} of ${done.length} tenants`)
    }).pipe(
      Effect.catchTag("AiUnavailable", () => refuse("Redis is unreachable: nothing rebuilt")),
      Effect.provide(
        AiGatewayLive.pipe(
          Layer.provide(ConfiguredModel),
          Layer.provide(AiRedis.fromRedisClient.pipe(Layer.provide(RedisClient.Default))),
          Layer.provide(TenantSqlLive)
        )
      )
    )
).pipe(Command.withDescription("Rebuild the Redis AI counters from ai_usage_log (Postgres is the truth)"))

export const ai = Command.make("ai").pipe(Command.withSubcommands([plan, budget, rebuild]))
