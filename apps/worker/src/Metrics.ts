import { AiUsage, platformAiSpendPercent } from "@manara/ai-gateway"
import { CUSTOM_METRICS, type CustomMetricName, emfLine } from "@manara/db"
import { deadLetters, notifyTenants, Outbox } from "@manara/notifications"
import { Config, Console, Duration, Effect, Layer, Metric, Option, Schedule } from "effect"

export const MetricsConfig = Config.all({
  /** `staging` or `production`: the `Environment` dimension. Unset (development, tests): nothing is published. */
  environment: Config.option(Config.string("METRICS_ENVIRONMENT")),
  interval: Config.duration("METRICS_INTERVAL").pipe(Config.withDefault(Duration.minutes(1))),
  /** The same tenants the delivery fibers drain (NOTIFY_TENANTS), else every tenant. */
  tenants: Config.option(notifyTenants)
})

/** A figure that could not be read is left out of the line (and logged), never published as 0. */
const figure = <E, R>(name: CustomMetricName, effect: Effect.Effect<number, E, R>) =>
  effect.pipe(
    Effect.map((value) => [name, value] as const),
    Effect.catchAllCause((cause) => Effect.as(Effect.logWarning(`metric ${name} not read`, cause), undefined))
  )

/**
 * The custom metrics the alarms watch (apps/infra), as one CloudWatch embedded-metric-format line on
 * stdout every METRICS_INTERVAL: the oldest due outbox row's wait, the dead letters this process made
 * since its last line, and the platform's AI spend as a percentage of its budget.
 */
export const WorkerMetricsLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const config = yield* MetricsConfig
    if (Option.isNone(config.environment)) return
    const environment = config.environment.value
    const outbox = yield* Outbox
    const usage = yield* AiUsage
    const onlyTenants = Option.getOrUndefined(config.tenants)
    let reportedDead = (yield* Metric.value(deadLetters)).count
    const report = Effect.gen(function* () {
      const dead = (yield* Metric.value(deadLetters)).count
      const figures = yield* Effect.all([
        figure(CUSTOM_METRICS.outboxOldestPendingSeconds, outbox.oldestDueSeconds(onlyTenants)),
        figure(CUSTOM_METRICS.outboxDeadLetters, Effect.succeed(dead - reportedDead)),
        figure(
          CUSTOM_METRICS.aiSpendBudgetUsedPercent,
          Effect.map(Effect.provideService(platformAiSpendPercent(), AiUsage, usage), (spend) => spend.percent)
        )
      ])
      reportedDead = dead
      yield* Console.log(emfLine(environment, Object.fromEntries(figures.filter((entry) => entry !== undefined))))
    })
    yield* report.pipe(Effect.repeat(Schedule.spaced(config.interval)), Effect.forkScoped)
  })
)
