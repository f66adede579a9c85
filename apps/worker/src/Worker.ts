import { Capture, ReceiptPdfsLive } from "@manara/capture"
import { TenantSqlLive } from "@manara/db"
import { NotificationsLive } from "@manara/notifications"
import { Config, Layer, Logger, LogLevel } from "effect"

/** The delivery fibers alone, on their own pool: any number of these may drain one outbox. */
export const WorkerLive = NotificationsLive.pipe(
  Layer.provide(ReceiptPdfsLive),
  Layer.provide(Capture.Default),
  Layer.provide(TenantSqlLive)
)

/** JSON log lines, level from LOG_LEVEL (default Info), as the API writes them. */
export const WorkerLoggingLive = Layer.unwrapEffect(
  Config.logLevel("LOG_LEVEL").pipe(
    Config.withDefault(LogLevel.Info),
    Config.map((level) => Layer.mergeAll(Logger.json, Logger.minimumLogLevel(level), Layer.setTracerEnabled(false)))
  )
)
