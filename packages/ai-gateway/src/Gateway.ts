import type { Prompt, Response } from "@effect/ai"
import type { SqlError } from "@effect/sql/SqlError"
import type { TenantId } from "@manara/domain"
import { Cache, Cause, Chunk, Config, Duration, Effect, Fiber, Layer, Option, Schedule, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { costOf, estimateInputTokens } from "./Cost.js"
import { AiInputTooLong, AiProviderFailed, AiTimeout, AiTooManyTurns, AiUnavailable, type GatewayError } from "./Errors.js"
import { GatewayModel } from "./Models.js"
import { budgetMonth } from "./Month.js"
import { type AiPlan, AiPlans } from "./Plans.js"
import { AiQuota, type Outcome, type Reservation } from "./Quota.js"
import { AiUsage, type BudgetAlert } from "./Usage.js"
import { AiUsageLog } from "./UsageLog.js"

export interface GatewayMessage {
  readonly role: "user" | "assistant"
  readonly text: string
}

/** One model call on behalf of a tenant's conversation. */
export interface GatewayCall {
  readonly tenantId: TenantId
  readonly conversationId: string
  /** The visitor's address, for the per-IP rate limit (`unknown` when there is none). */
  readonly ip: string | null
  readonly system?: string | undefined
  readonly messages: ReadonlyArray<GatewayMessage>
}

/** What a caller receives: the answer's text as it streams, then what the call used and cost. */
export type GatewayEvent =
  | { readonly type: "text"; readonly delta: string }
  | { readonly type: "usage"; readonly inputTokens: number; readonly outputTokens: number; readonly costMicrofils: bigint }

export const GatewayConfig = Config.all({
  /** The provider sending nothing for this long ends the call as a timeout. */
  idleTimeout: Config.duration("AI_IDLE_TIMEOUT").pipe(Config.withDefault(Duration.seconds(30)))
})

/** Thresholds reached by `used` against `budget`, in per cent. */
const reached = (used: bigint, budget: bigint): ReadonlyArray<80 | 100> =>
  budget <= 0n ? [] : used >= budget ? [80, 100] : used * 100n >= budget * 80n ? [80] : []

/**
 * Every model call goes through here, in order: the plan's caps, the rate limits and the quota
 * reservation (one Redis script), the provider's stream, then — in a finalizer that interruption
 * cannot skip — settlement: the reservation goes and actual usage is added (one Redis script), then
 * one `ai_usage_log` row and an alert at 80 % and 100 % of the budget are handed to `AiUsageLog`,
 * which writes them in the background.
 */
export class Gateway extends Effect.Service<Gateway>()("AiGateway/Gateway", {
  effect: Effect.gen(function* () {
    const model = yield* GatewayModel
    const plans = yield* AiPlans
    const quota = yield* AiQuota
    const usage = yield* AiUsage
    const log = yield* AiUsageLog
    const { idleTimeout } = yield* GatewayConfig
    // setTimeout takes at most 2^31-1 ms (about 24 days).
    const idleMillis = Math.min(Duration.toMillis(idleTimeout), 2_147_483_647)
    /** Alerts already written by this process (the outbox's dedupe key keeps it once across processes). */
    const alerted = new Set<string>()

    /** A month's Redis counters from `ai_usage_log` (this process's queued rows written first): only when missing, unless `force`. */
    const rebuild = (tenantId: TenantId, month: string, force: boolean) =>
      log.flush.pipe(
        Effect.zipRight(usage.monthSums(tenantId, month)),
        Effect.flatMap((sums) => quota.initMonth(tenantId, month, sums, force))
      )

    /** Calls that find the counters missing at once share one rebuild (a cold start is one query, not hundreds). */
    const rebuilds = yield* Cache.makeWith({
      capacity: 10_000,
      timeToLive: () => Duration.seconds(1),
      lookup: (key: `${string}|${string}`) => {
        const [tenantId, month] = key.split("|") as [TenantId, string]
        return rebuild(tenantId, month, false)
      }
    })

    const reserve = (reservation: Reservation) =>
      Effect.flatMap(quota.reserve(reservation), (outcome) =>
        outcome === "reserved"
          ? Effect.void
          : rebuilds.get(`${reservation.tenantId}|${reservation.month}`).pipe(
              Effect.zipRight(quota.reserve(reservation)),
              Effect.flatMap((again) =>
                again === "reserved" ? Effect.void : Effect.fail(new AiUnavailable({ retryAfterSeconds: quota.config.retryAfterSeconds }))
              )
            )
      )

    const checkCaps = (call: GatewayCall, plan: AiPlan) => {
      const chars = (call.system?.length ?? 0) + call.messages.reduce((sum, message) => sum + message.text.length, 0)
      if (chars > plan.maxInputChars) return Effect.fail(new AiInputTooLong({ limit: plan.maxInputChars }))
      const turns = call.messages.filter((message) => message.role === "user").length
      if (turns > plan.maxTurns) return Effect.fail(new AiTooManyTurns({ limit: plan.maxTurns }))
      return Effect.void
    }

    const stream = (call: GatewayCall): Stream.Stream<GatewayEvent, GatewayError | SqlError> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const startedAt = performance.now()
          const plan = yield* plans.planOf(call.tenantId)
          yield* checkCaps(call, plan)
          const price = yield* plans.priceOf(model.model)
          const texts = [...(call.system === undefined ? [] : [call.system]), ...call.messages.map((message) => message.text)]
          const estimatedInput = estimateInputTokens(texts)
          const reservation: Reservation = {
            tenantId: call.tenantId,
            conversationId: call.conversationId,
            ip: call.ip ?? "unknown",
            month: budgetMonth(),
            id: randomUUID(),
            tokens: estimatedInput + plan.maxOutputTokens,
            cost: costOf(price, estimatedInput, plan.maxOutputTokens),
            tokenBudget: plan.tokenBudget,
            costBudget: plan.costBudget
          }
          yield* reserve(reservation)

          const meter = {
            started: false,
            deltas: 0,
            reported: Option.none<{ input: number; output: number }>(),
            outcome: undefined as Outcome | undefined
          }

          /** Runs once, whatever ended the call: the stream done, failed, timed out, or its consumer gone. */
          const settle = Effect.gen(function* () {
            const outcome = meter.outcome ?? "disconnected"
            // Without the provider's report: the input estimate once it started answering, one token per part streamed.
            const inputTokens = Option.match(meter.reported, { onNone: () => (meter.started ? estimatedInput : 0), onSome: (r) => r.input })
            const outputTokens = Option.match(meter.reported, { onNone: () => meter.deltas, onSome: (r) => r.output })
            const cost = costOf(price, inputTokens, outputTokens)
            const used = yield* quota
              .settle(call.tenantId, reservation.month, reservation.id, inputTokens + outputTokens, cost, outcome)
              .pipe(
                Effect.catchAll(() =>
                  Effect.as(Effect.logWarning("AI settle: Redis unreachable; the reservation expires and the log stays the truth"), null)
                )
              )
            const alerts: Array<BudgetAlert> = []
            if (used !== null) {
              const thresholds = new Set([...reached(used.usedTokens, plan.tokenBudget), ...reached(used.usedCost, plan.costBudget)])
              for (const threshold of thresholds) {
                if (alerted.has(`${call.tenantId}:${reservation.month}:${threshold}`)) continue
                alerts.push({
                  threshold,
                  usedTokens: used.usedTokens,
                  tokenBudget: plan.tokenBudget,
                  usedCost: used.usedCost,
                  costBudget: plan.costBudget
                })
              }
            }
            // Handed to the log's writer: the caller's stream ends without waiting for Postgres.
            yield* log
              .record(
                {
                  tenantId: call.tenantId,
                  reservationId: reservation.id,
                  conversationId: call.conversationId,
                  model: model.model,
                  month: reservation.month,
                  inputTokens,
                  outputTokens,
                  costMicrofils: cost,
                  latencyMs: Math.round(performance.now() - startedAt),
                  outcome
                },
                alerts
              )
              .pipe(
                Effect.tap(() =>
                  Effect.sync(() => alerts.forEach((alert) => alerted.add(`${call.tenantId}:${reservation.month}:${alert.threshold}`)))
                ),
                Effect.catchAllCause((cause) => Effect.logError("AI usage log not written", cause))
              )
          })
          yield* Effect.addFinalizer(() => settle)

          const toEvent = (part: Response.StreamPart<{}>): Option.Option<GatewayEvent> => {
            meter.started = true
            if (part.type === "text-delta") {
              meter.deltas++
              return Option.some({ type: "text", delta: part.delta })
            }
            if (part.type === "finish") {
              const input = part.usage.inputTokens ?? estimatedInput
              const output = part.usage.outputTokens ?? meter.deltas
              meter.reported = Option.some({ input, output })
              meter.outcome = "ok"
              return Option.some({ type: "usage", inputTokens: input, outputTokens: output, costMicrofils: costOf(price, input, output) })
            }
            return Option.none()
          }

          const failed = (error: GatewayError) =>
            Effect.zipRight(
              Effect.sync(() => {
                meter.outcome = error._tag === "AiTimeout" ? "timeout" : "error"
              }),
              Effect.zipRight(Effect.logWarning(`AI call failed: ${error._tag}`), Effect.fail(Option.some(error)))
            )
          const pull = yield* Stream.toPull(model.stream({ prompt: toPrompt(call), maxOutputTokens: plan.maxOutputTokens }))
          // Each part pulled within the idle timeout, then as the caller's events; the end of the parts is the outcome `ok`.
          const next = Effect.matchCauseEffect(withinIdle(pull, idleMillis), {
            onSuccess: (parts) => Effect.succeed(Chunk.filterMap(parts, toEvent)),
            onFailure: (cause) => {
              const error = Cause.failureOption(cause)
              if (Option.isNone(error)) return Effect.failCause(cause as Cause.Cause<never>)
              if (error.value === idle) return failed(new AiTimeout({ idleSeconds: Duration.toSeconds(idleTimeout) }))
              if (Option.isSome(error.value)) return failed(new AiProviderFailed({ detail: error.value.value.message }))
              meter.outcome ??= "ok"
              return Effect.fail(Option.none())
            }
          })
          return Stream.repeatEffectChunkOption(next)
        })
      )

    /** The whole answer, for callers that do not stream. */
    const complete = (call: GatewayCall) =>
      Stream.runFold(stream(call), { text: "", inputTokens: 0, outputTokens: 0, costMicrofils: 0n }, (acc, event) =>
        event.type === "text" ? { ...acc, text: acc.text + event.delta } : { ...acc, ...event }
      )

    /** Every tenant's counters of `month` written again from Postgres (the CLI's `ai rebuild`). */
    const rebuildAll = (month: string, force: boolean) =>
      Effect.flatMap(usage.byTenant(month), (tenants) =>
        Effect.forEach(
          tenants,
          (tenant) => Effect.map(rebuild(tenant.tenantId, month, force), (written) => ({ slug: tenant.slug, written })),
          { concurrency: 4 }
        )
      )

    return { stream, complete, rebuild, rebuildAll, model: model.model } as const
  })
}) {}

const toPrompt = (call: GatewayCall): Prompt.RawInput => [
  ...(call.system === undefined ? [] : [{ role: "system" as const, content: call.system }]),
  ...call.messages.map((message) =>
    message.role === "user"
      ? { role: "user" as const, content: message.text }
      : { role: "assistant" as const, content: [{ type: "text" as const, text: message.text }] }
  )
]

/** What `withinIdle` fails with when nothing came in time. */
const idle = Symbol("idle")

/**
 * `pull` within `millis`, else it is interrupted and this fails with `idle`: one forked fiber and a
 * timer per pull (`Stream.timeoutFail` races two fibers and a sleep per part, ~110 KB of garbage each).
 */
const withinIdle = <A, E>(pull: Effect.Effect<A, E>, millis: number): Effect.Effect<A, E | typeof idle> =>
  Effect.flatMap(Effect.fork(pull), (fiber) =>
    Effect.async<A, E | typeof idle>((resume) => {
      let done = false
      const timer = setTimeout(() => {
        if (done) return
        done = true
        resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(idle)))
      }, millis)
      fiber.addObserver((exit) => {
        if (done) return
        done = true
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.suspend(() => {
        done = true
        clearTimeout(timer)
        return Fiber.interrupt(fiber)
      })
    })
  )

/** Releases reservations whose holder died, every `AI_SWEEP_EVERY`, in any number of processes. */
export const AiSweeperLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const quota = yield* AiQuota
    const every = yield* Config.duration("AI_SWEEP_EVERY").pipe(Config.withDefault(Duration.seconds(30)))
    yield* quota.sweep.pipe(
      Effect.tap((released) => (released > 0 ? Effect.logInfo(`AI sweeper released ${released} expired reservations`) : Effect.void)),
      Effect.catchAll(() => Effect.void),
      Effect.repeat(Schedule.spaced(every)),
      Effect.forkScoped
    )
  })
)
