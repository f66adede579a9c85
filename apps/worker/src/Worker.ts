import { Capture, ReceiptPdfsLive } from "@manara/capture"
import { observabilityLayer, TenantSqlLive } from "@manara/db"
import { NotificationsLive } from "@manara/notifications"
import { Layer } from "effect"

/** The delivery fibers alone, on their own pool: any number of these may drain one outbox. */
export const WorkerLive = NotificationsLive.pipe(
  Layer.provide(ReceiptPdfsLive),
  Layer.provide(Capture.Default),
  Layer.provide(TenantSqlLive)
)

/** JSON log lines with personal data masked, level from LOG_LEVEL (default Info), OTLP when configured: as the API. */
export const WorkerLoggingLive = observabilityLayer("manara-worker")
