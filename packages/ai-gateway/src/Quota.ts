import { RedisClient, type RedisConnection } from "@manara/db"
import { Config, Context, Duration, Effect, Layer } from "effect"
import { AiBudgetExhausted, AiRateLimited, AiUnavailable } from "./Errors.js"
import { secondsToNextMonth } from "./Month.js"

/** The Redis the quotas live in: the process's shared connection (`REDIS_URL`, `REDIS_CLUSTER`, `REDIS_KEY_PREFIX`). */
export class AiRedis extends Context.Tag("AiGateway/AiRedis")<AiRedis, RedisConnection>() {
  /** On a Redis Cluster too: keys carry the tenant as a hash tag, so every script runs on one node. */
  static readonly fromRedisClient = Layer.effect(
    AiRedis,
    Effect.map(RedisClient, ({ client }) => client)
  )
}

export const QuotaConfig = Config.all({
  /** How long a reservation lives when its holder dies without settling. */
  reservationTtl: Config.duration("AI_RESERVATION_TTL").pipe(Config.withDefault(Duration.minutes(5))),
  /** A Redis answer slower than this is an outage: the call is refused (503), never made unmetered. */
  redisTimeout: Config.duration("AI_REDIS_TIMEOUT").pipe(Config.withDefault(Duration.seconds(1))),
  perTenant: Config.integer("AI_LIMIT_PER_TENANT").pipe(Config.withDefault(120)),
  perConversation: Config.integer("AI_LIMIT_PER_CONVERSATION").pipe(Config.withDefault(20)),
  perIp: Config.integer("AI_LIMIT_PER_IP").pipe(Config.withDefault(30)),
  windowSeconds: Config.integer("AI_LIMIT_WINDOW_SECONDS").pipe(Config.withDefault(60)),
  retryAfterSeconds: Config.integer("AI_UNAVAILABLE_RETRY_AFTER").pipe(Config.withDefault(5))
})

// Shared by the scripts: release one reservation (its tokens and cost back), by id. Amounts stay
// strings end to end, so HINCRBY gets exact integers whatever their size ('-0' is not one: skipped).
const RELEASE = `
local function decrease(field, amount)
  if amount ~= '0' then redis.call('HINCRBY', KEYS[2], field, '-' .. amount) end
end
local function release(id)
  local v = redis.call('HGET', KEYS[3], id)
  if v then
    local sep = string.find(v, ':', 1, true)
    decrease('tokens', string.sub(v, 1, sep - 1))
    decrease('cost', string.sub(v, sep + 1))
    redis.call('HDEL', KEYS[3], id)
  end
  redis.call('ZREM', KEYS[4], id)
end
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local function sweep(limit)
  local ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', nowMs, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do release(id) end
  return #ids
end
`

/**
 * KEYS: month, reserved, reservations, expiries, rate:tenant, rate:conversation, rate:ip.
 * ARGV: id, tokens, cost, token budget, cost budget, ttl ms, tenant limit, conversation limit, ip limit, window s.
 * Releases the tenant's expired reservations, checks the three rate windows, then reserves only if
 * used + reserved + this estimate fit both budgets. One script: nothing runs between check and reserve.
 */
const RESERVE = `${RELEASE}
sweep(100)
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local scopes = {'tenant', 'conversation', 'ip'}
for i = 1, 3 do
  local n = tonumber(redis.call('GET', KEYS[4 + i]) or '0')
  if n >= tonumber(ARGV[6 + i]) then
    redis.call('HINCRBY', KEYS[1], 'refused_rate', 1)
    return {'rate', scopes[i], tostring(redis.call('TTL', KEYS[4 + i]))}
  end
end
for i = 1, 3 do
  if redis.call('INCR', KEYS[4 + i]) == 1 then redis.call('EXPIRE', KEYS[4 + i], ARGV[10]) end
end
local usedT = tonumber(redis.call('HGET', KEYS[1], 'used_tokens') or '0')
local usedC = tonumber(redis.call('HGET', KEYS[1], 'used_cost') or '0')
local resT = tonumber(redis.call('HGET', KEYS[2], 'tokens') or '0')
local resC = tonumber(redis.call('HGET', KEYS[2], 'cost') or '0')
if usedT + resT + tonumber(ARGV[2]) > tonumber(ARGV[4]) then
  redis.call('HINCRBY', KEYS[1], 'refused_budget', 1)
  return {'budget', 'tokens'}
end
if usedC + resC + tonumber(ARGV[3]) > tonumber(ARGV[5]) then
  redis.call('HINCRBY', KEYS[1], 'refused_budget', 1)
  return {'budget', 'cost'}
end
redis.call('HINCRBY', KEYS[2], 'tokens', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'cost', ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
redis.call('ZADD', KEYS[4], nowMs + tonumber(ARGV[6]), ARGV[1])
return {'ok'}
`

/**
 * KEYS: month, reserved, reservations, expiries. ARGV: id, tokens, cost, outcome.
 * The reservation goes (if the sweeper has not taken it already) and the actual usage is added, even
 * after a sweep: what was used is counted. A month whose counters are gone is left for the rebuild
 * from Postgres (a partial key would hide the need for one).
 */
const SETTLE = `${RELEASE}
release(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, '0', '0'} end
redis.call('HINCRBY', KEYS[1], 'used_tokens', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'used_cost', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'calls_' .. ARGV[4], 1)
return {1, redis.call('HGET', KEYS[1], 'used_tokens'), redis.call('HGET', KEYS[1], 'used_cost')}
`

/** KEYS: month. ARGV: force, used tokens, used cost, ttl s, then outcome/count pairs. */
const INIT = `
if ARGV[1] == '0' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'used_tokens', ARGV[2], 'used_cost', ARGV[3])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], 'calls_' .. ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`

/** KEYS: (unused), reserved, reservations, expiries: releases every expired reservation of one tenant. */
const SWEEP = `${RELEASE}
return sweep(1000)
`

export const OUTCOMES = ["ok", "error", "timeout", "disconnected"] as const
export type Outcome = (typeof OUTCOMES)[number]

/** A tenant's counters for one month, as Redis holds them. */
export interface QuotaTotals {
  readonly exists: boolean
  readonly usedTokens: bigint
  readonly usedCost: bigint
  readonly reservedTokens: bigint
  readonly reservedCost: bigint
  readonly reservations: number
  readonly refusedBudget: number
  readonly refusedRate: number
  readonly calls: Readonly<Record<Outcome, number>>
}

export interface Reservation {
  readonly tenantId: string
  readonly conversationId: string
  readonly ip: string
  readonly month: string
  readonly id: string
  readonly tokens: number
  readonly cost: bigint
  readonly tokenBudget: bigint
  readonly costBudget: bigint
}

interface Scripts {
  aiReserve(...args: Array<string | number>): Promise<Array<string>>
  aiSettle(...args: Array<string | number>): Promise<[number, string, string]>
  aiInit(...args: Array<string | number>): Promise<number>
  aiSweep(...args: Array<string | number>): Promise<number>
}

/** Keys of one tenant: the tenant in braces is the hash tag, so all of them live on one cluster slot. */
export const quotaKeys = (tenantId: string) => {
  const base = `ai:{${tenantId}}`
  return {
    month: (month: string) => `${base}:month:${month}`,
    reserved: `${base}:reserved`,
    reservations: `${base}:res`,
    expiries: `${base}:res-exp`,
    rateTenant: `${base}:rate:tenant`,
    rateConversation: (conversation: string) => `${base}:rate:conv:${conversation}`,
    rateIp: (ip: string) => `${base}:rate:ip:${ip}`
  }
}
/** Tenants that have had counters: what the sweeper walks (its own key, outside every tenant's slot). */
const TENANTS_KEY = "ai:tenants"
/** Month counters outlive their month by a few weeks: the dashboard reads last month too. */
const MONTH_TTL_SECONDS = 70 * 24 * 3600

export type ReserveOutcome = "reserved" | "missing"

/**
 * Quota counters in Redis: reserve before a call, settle (or release) after it, rebuild from Postgres.
 * Every command has a short deadline; an unreachable Redis is `AiUnavailable`, and the gateway refuses.
 */
export class AiQuota extends Effect.Service<AiQuota>()("AiGateway/AiQuota", {
  effect: Effect.gen(function* () {
    const redis = yield* AiRedis
    const config = yield* QuotaConfig
    const scripts = redis as unknown as Scripts & RedisConnection
    redis.defineCommand("aiReserve", { numberOfKeys: 7, lua: RESERVE })
    redis.defineCommand("aiSettle", { numberOfKeys: 4, lua: SETTLE })
    redis.defineCommand("aiInit", { numberOfKeys: 1, lua: INIT })
    redis.defineCommand("aiSweep", { numberOfKeys: 4, lua: SWEEP })

    const unavailable = new AiUnavailable({ retryAfterSeconds: config.retryAfterSeconds })
    const timeoutMillis = Duration.toMillis(config.redisTimeout)
    const failed = (cause: unknown) => Effect.zipRight(Effect.logDebug("AI quota: Redis command failed", cause), Effect.fail(unavailable))
    /** A Redis command with its deadline: one timer, no fibers (`Effect.timeoutFail` raced two per command, ~50 KB of garbage). */
    const call = <A>(run: () => Promise<A>): Effect.Effect<A, AiUnavailable> =>
      Effect.async<A, AiUnavailable>((resume) => {
        let settled = false
        const finish = (effect: Effect.Effect<A, AiUnavailable>) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(effect)
        }
        const timer = setTimeout(() => finish(Effect.fail(unavailable)), timeoutMillis)
        try {
          run().then(
            (value) => finish(Effect.succeed(value)),
            (cause: unknown) => finish(failed(cause))
          )
        } catch (cause) {
          finish(failed(cause))
        }
        return Effect.sync(() => {
          settled = true
          clearTimeout(timer)
        })
      })

    const reserve = (r: Reservation): Effect.Effect<ReserveOutcome, AiUnavailable | AiRateLimited | AiBudgetExhausted> =>
      Effect.flatMap(
        call(() => {
          const k = quotaKeys(r.tenantId)
          return scripts.aiReserve(
            k.month(r.month),
            k.reserved,
            k.reservations,
            k.expiries,
            k.rateTenant,
            k.rateConversation(r.conversationId),
            k.rateIp(r.ip),
            r.id,
            String(r.tokens),
            r.cost.toString(),
            r.tokenBudget.toString(),
            r.costBudget.toString(),
            String(Duration.toMillis(config.reservationTtl)),
            String(config.perTenant),
            String(config.perConversation),
            String(config.perIp),
            String(config.windowSeconds)
          )
        }),
        (reply): Effect.Effect<ReserveOutcome, AiRateLimited | AiBudgetExhausted> => {
          switch (reply[0]) {
            case "ok":
              return Effect.succeed("reserved")
            case "missing":
              return Effect.succeed("missing")
            case "rate":
              return Effect.fail(
                new AiRateLimited({ scope: reply[1] as AiRateLimited["scope"], retryAfterSeconds: Math.max(1, Number(reply[2])) })
              )
            default:
              return Effect.fail(
                new AiBudgetExhausted({ reason: reply[1] as AiBudgetExhausted["reason"], retryAfterSeconds: secondsToNextMonth() })
              )
          }
        }
      )

    /** Releases the reservation and adds what was used; `null` when the month's counters are gone. */
    const settle = (tenantId: string, month: string, id: string, tokens: number, cost: bigint, outcome: Outcome) =>
      Effect.map(
        call(() => {
          const k = quotaKeys(tenantId)
          return scripts.aiSettle(k.month(month), k.reserved, k.reservations, k.expiries, id, String(tokens), cost.toString(), outcome)
        }),
        ([counted, tokensUsed, costUsed]) => (counted === 1 ? { usedTokens: BigInt(tokensUsed), usedCost: BigInt(costUsed) } : null)
      )

    /** Writes a month's counters from Postgres' sums: only when missing, unless `force`. */
    const initMonth = (
      tenantId: string,
      month: string,
      totals: { readonly tokens: bigint; readonly cost: bigint; readonly calls: Readonly<Partial<Record<Outcome, number>>> },
      force: boolean
    ) =>
      Effect.zipLeft(
        call(() =>
          scripts.aiInit(
            quotaKeys(tenantId).month(month),
            force ? "1" : "0",
            totals.tokens.toString(),
            totals.cost.toString(),
            String(MONTH_TTL_SECONDS),
            ...OUTCOMES.flatMap((outcome) => [outcome, String(totals.calls[outcome] ?? 0)])
          )
        ).pipe(Effect.map((written) => written === 1)),
        call(() => redis.sadd(TENANTS_KEY, tenantId))
      )

    const sweepTenant = (tenantId: string) =>
      call(() => {
        const k = quotaKeys(tenantId)
        return scripts.aiSweep(k.reserved, k.reserved, k.reservations, k.expiries)
      })

    /** Releases every tenant's reservations whose holder died (their TTL passed): how many. */
    const sweep = Effect.gen(function* () {
      const tenants = yield* call(() => redis.smembers(TENANTS_KEY))
      let released = 0
      for (const tenantId of tenants) released += yield* sweepTenant(tenantId)
      return released
    })

    const totals = (tenantId: string, month: string): Effect.Effect<QuotaTotals, AiUnavailable> =>
      Effect.map(
        call(() => {
          const k = quotaKeys(tenantId)
          return Promise.all([redis.hgetall(k.month(month)), redis.hgetall(k.reserved), redis.hlen(k.reservations)])
        }),
        ([m, r, reservations]) => ({
          exists: Object.keys(m).length > 0,
          usedTokens: BigInt(m.used_tokens ?? "0"),
          usedCost: BigInt(m.used_cost ?? "0"),
          reservedTokens: BigInt(r.tokens ?? "0"),
          reservedCost: BigInt(r.cost ?? "0"),
          reservations,
          refusedBudget: Number(m.refused_budget ?? "0"),
          refusedRate: Number(m.refused_rate ?? "0"),
          calls: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, Number(m[`calls_${outcome}`] ?? "0")])) as Record<Outcome, number>
        })
      )

    return { reserve, settle, initMonth, sweep, sweepTenant, totals, config } as const
  })
}) {}
