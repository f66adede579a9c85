import * as OtlpMetrics from "@effect/opentelemetry/OtlpMetrics"
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import { FetchHttpClient } from "@effect/platform"
import { Config, Context, Duration, FiberRef, FiberRefs, HashMap, Layer, Logger, LogLevel, Option, Tracer } from "effect"

const EMAIL = /([\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]*@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,})/gu
// A phone: 8 to 15 digits, maybe after a +, maybe spaced or dashed; not part of a longer word or number.
const PHONE = /(?<![\p{L}\p{N}_.:/-])(\+?)(\d(?:[ -]?\d){5,12})(\d{2})(?![\p{L}\p{N}_:-]|\.\d)/gu
/** Keys whose values are people's names (or other free text about a person), masked whatever they hold. */
const PERSONAL_KEYS = new Set([
  "name",
  "fullname",
  "donorname",
  "payername",
  "firstname",
  "lastname",
  "contactname",
  "email",
  "phone",
  "to",
  "target"
])

const maskText = (text: string): string =>
  text
    .replace(EMAIL, (_, first: string, domain: string) => `${first}***@${domain}`)
    .replace(PHONE, (_, plus: string, middle: string, last: string) => `${plus}${"*".repeat(middle.replace(/\D/g, "").length)}${last}`)

const maskPersonal = (value: string): string => {
  const masked = maskText(value)
  // An email or phone keeps its masked shape; any other personal text keeps only its first letter.
  return masked !== value ? masked : value.length === 0 ? value : `${Array.from(value)[0]}***`
}

/**
 * The one place personal data is masked before it is written to a log: emails and phones anywhere in
 * text, and whatever a person's name (or email, phone, `to`/`target` address) is kept under. Deep;
 * returns a new value, never mutates.
 */
export const maskPii = (value: unknown, key?: string): unknown => {
  if (typeof value === "string") return key !== undefined && PERSONAL_KEYS.has(key.toLowerCase()) ? maskPersonal(value) : maskText(value)
  if (Array.isArray(value)) return value.map((item) => maskPii(item, key))
  if (value instanceof Error) {
    const masked = new Error(maskText(value.message))
    masked.name = value.name
    if (value.stack !== undefined) masked.stack = maskText(value.stack)
    return masked
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, maskPii(item, name)]))
  }
  return value
}

/** The trace id of the span a log line is written in (when tracing is on), to find the trace from an error. */
const traceOf = (context: FiberRefs.FiberRefs): Record<string, string> => {
  const span = Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), Tracer.ParentSpan)
  return Option.isSome(span) && span.value.sampled !== false && span.value.traceId !== "noop"
    ? { traceId: span.value.traceId, spanId: span.value.spanId }
    : {}
}

/**
 * Effect's JSON line logger with personal data masked (`maskPii`) in the message, the annotations and
 * the cause, and the trace id added while tracing. The whole line passes `maskPii` last: an email
 * inside a stack trace is masked too.
 */
export const maskedJsonLogger = Logger.mapInputOptions(Logger.jsonLogger, (options) => {
  const trace = traceOf(options.context)
  const annotations = HashMap.map(options.annotations, (value, key) => maskPii(value, key))
  return {
    ...options,
    message: maskPii(options.message),
    annotations: Object.entries(trace).reduce((all, [key, value]) => HashMap.set(all, key, value), annotations)
  }
}).pipe(Logger.map((line) => maskText(line)))

const otlpEndpoint = Config.option(Config.string("OTEL_EXPORTER_OTLP_ENDPOINT")).pipe(
  Config.map((endpoint) => Option.filter(endpoint, (url) => url.trim() !== "")),
  Config.map(Option.map((url) => url.replace(/\/+$/, "")))
)

/**
 * Traces and metrics over OTLP/HTTP (JSON) to `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces`, `/v1/metrics`)
 * when it is set; otherwise no tracer at all: every span (one per SQL statement) costs throughput.
 * `OTEL_SERVICE_NAME` names the service; `OTEL_BSP_SCHEDULE_DELAY` and `OTEL_METRIC_EXPORT_INTERVAL`
 * (milliseconds) how often batches leave. Whatever is batched leaves at shutdown.
 */
export const telemetryLayer = (serviceName: string) =>
  Layer.unwrapEffect(
    Config.all({
      endpoint: otlpEndpoint,
      traceEvery: Config.integer("OTEL_BSP_SCHEDULE_DELAY").pipe(Config.withDefault(5_000)),
      metricEvery: Config.integer("OTEL_METRIC_EXPORT_INTERVAL").pipe(Config.withDefault(60_000)),
      name: Config.string("OTEL_SERVICE_NAME").pipe(Config.withDefault(serviceName))
    }).pipe(
      Config.map(({ endpoint, metricEvery, name, traceEvery }) =>
        Option.match(endpoint, {
          onNone: () => Layer.setTracerEnabled(false),
          onSome: (base) =>
            Layer.mergeAll(
              OtlpTracer.layer({
                url: `${base}/v1/traces`,
                resource: { serviceName: name },
                exportInterval: Duration.millis(traceEvery),
                shutdownTimeout: Duration.seconds(3)
              }),
              OtlpMetrics.layer({
                url: `${base}/v1/metrics`,
                resource: { serviceName: name },
                exportInterval: Duration.millis(metricEvery),
                shutdownTimeout: Duration.seconds(3)
              })
            ).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(FetchHttpClient.layer))
        })
      )
    )
  )

/** Whether `OTEL_EXPORTER_OTLP_ENDPOINT` is set: the HTTP server builds its per-request spans only then. */
export const telemetryEnabled = Config.map(otlpEndpoint, Option.isSome)

/**
 * JSON log lines, personal data masked, level from LOG_LEVEL (default Info); traces and metrics when
 * an OTLP endpoint is configured. What the API and the worker both run.
 */
export const observabilityLayer = (serviceName: string) =>
  Layer.unwrapEffect(
    Config.logLevel("LOG_LEVEL").pipe(
      Config.withDefault(LogLevel.Info),
      Config.map((level) =>
        Layer.mergeAll(
          Logger.replace(Logger.defaultLogger, Logger.withConsoleLog(maskedJsonLogger)),
          Logger.minimumLogLevel(level),
          telemetryLayer(serviceName)
        )
      )
    )
  )
