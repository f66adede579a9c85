/**
 * The custom CloudWatch metrics the app publishes and the alarms in apps/infra watch: one definition for
 * both (infra imports this file), so a renamed metric cannot leave an alarm watching nothing. No imports:
 * the CDK app reads it too.
 */
export const CUSTOM_METRICS = {
  namespace: "Manara",
  /** The one dimension, `staging` or `production` (METRICS_ENVIRONMENT in the tasks). */
  dimension: "Environment",
  outboxOldestPendingSeconds: "OutboxOldestPendingSeconds",
  outboxDeadLetters: "OutboxDeadLetters",
  aiSpendBudgetUsedPercent: "AiSpendBudgetUsedPercent"
} as const

export type CustomMetricName = Exclude<(typeof CUSTOM_METRICS)[keyof typeof CUSTOM_METRICS], "Manara" | "Environment">

/** CloudWatch units of the metrics (EMF `Unit`). */
export const METRIC_UNITS: Record<CustomMetricName, "Seconds" | "Count" | "Percent"> = {
  OutboxOldestPendingSeconds: "Seconds",
  OutboxDeadLetters: "Count",
  AiSpendBudgetUsedPercent: "Percent"
}

/**
 * One CloudWatch embedded-metric-format line: a JSON log line that CloudWatch Logs turns into metric
 * points (the awslogs driver ships stdout; no SDK call, no credentials, nothing lost when offline).
 */
export const emfLine = (environment: string, values: Partial<Record<CustomMetricName, number>>, at: Date = new Date()): string => {
  const names = (Object.keys(values) as Array<CustomMetricName>).filter((name) => Number.isFinite(values[name]))
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: CUSTOM_METRICS.namespace,
          Dimensions: [[CUSTOM_METRICS.dimension]],
          Metrics: names.map((name) => ({ Name: name, Unit: METRIC_UNITS[name] }))
        }
      ]
    },
    [CUSTOM_METRICS.dimension]: environment,
    ...Object.fromEntries(names.map((name) => [name, values[name]]))
  })
}
