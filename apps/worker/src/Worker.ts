import { AiUsage } from "@manara/ai-gateway"
import { Capture, ReceiptPdfsLive } from "@manara/capture"
import { observabilityLayer, TenantSqlLive } from "@manara/db"
import { NotificationsLive, Outbox } from "@manara/notifications"
import { Layer } from "effect"
import { WorkerMetricsLive } from "./Metrics.js"

/** The delivery fibers alone, on their own pool: any number of these may drain one outbox. */
export const WorkerLive = Layer.merge(
  NotificationsLive.pipe(Layer.provide(ReceiptPdfsLive), Layer.provide(Capture.Default)),
  // The alarms' custom metrics, as embedded-metric-format lines on stdout (METRICS_ENVIRONMENT).
  WorkerMetricsLive.pipe(Layer.provide(Layer.merge(Outbox.Default, AiUsage.Default)))
).pipe(Layer.provide(TenantSqlLive))

/** JSON log lines with personal data masked, level from LOG_LEVEL (default Info), OTLP when configured: as the API. */
export const WorkerLoggingLive = observabilityLayer("manara-worker")
