import { HttpApp, HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { currentRequestMeta, type RequestWho } from "@manara/db"
import { Effect, FiberRef, LogLevel, Metric, MetricBoundaries, MetricLabel, Option } from "effect"
import { randomUUID } from "node:crypto"

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/

/** The web server on the same machine forwards the visitor's address; nobody else is believed. */
const clientIp = (request: HttpServerRequest.HttpServerRequest): string | null => {
  const peer = Option.getOrNull(request.remoteAddress)
  const forwarded = request.headers["x-forwarded-for"]
  if (peer !== null && LOOPBACK.test(peer) && forwarded !== undefined) {
    const last = forwarded.split(",").pop()?.trim() ?? ""
    if (/^[0-9a-fA-F:.]{2,45}$/.test(last)) return last
  }
  return peer
}

/** The path with its ids folded (`/api/v1/tenant/orders/:id`): a route to count and graph by. */
export const routeOf = (url: string): string =>
  (url.split("?")[0] ?? "").replace(/\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=\/|$)/gi, "/:id")

// Exported over OTLP when configured (packages/db Observability.ts); tagged by method and status class only.
const requests = Metric.counter("http_server_requests", { description: "HTTP requests answered", incremental: true })
const latency = Metric.histogram(
  "http_server_duration_ms",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 14 }),
  "HTTP request latency in milliseconds"
)

/** The tagged metrics, made once per method and status class (not per request). */
const taggedMetrics = new Map<string, { count: typeof requests; latency: typeof latency }>()
const metricsOf = (method: string, status: number) => {
  const statusClass = `${Math.floor(status / 100)}xx`
  const key = `${method} ${statusClass}`
  let found = taggedMetrics.get(key)
  if (found === undefined) {
    const labels = [MetricLabel.make("method", method), MetricLabel.make("status", statusClass)]
    found = { count: Metric.taggedWithLabels(requests, labels), latency: Metric.taggedWithLabels(latency, labels) }
    // Methods are few, but a caller may send any: past a handful, no more keys.
    if (taggedMetrics.size < 64) taggedMetrics.set(key, found)
  }
  return found
}

/**
 * Takes a caller's well-formed `X-Request-Id` (a proxy's) or makes one: it is echoed in the response,
 * put on every log line, problem and audit row. Logs the request as one JSON line: request id, tenant
 * id, user id, route, status and latency; at Debug, or at Error for a 5xx.
 */
export const requestContext = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = request.headers["x-request-id"]
    const requestId = incoming !== undefined && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID()
    const started = performance.now()
    // The response is written before a middleware sees it: set the header as it goes out.
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", requestId))
    )
    const ip = clientIp(request)
    const who = {} as RequestWho
    const response = yield* app.pipe(
      Effect.locally(currentRequestMeta, { requestId, ip, who }),
      Effect.annotateLogs("requestId", requestId)
    )
    const ms = Math.round((performance.now() - started) * 10) / 10
    const metrics = metricsOf(request.method, response.status)
    yield* Metric.increment(metrics.count)
    yield* Metric.update(metrics.latency, ms)
    // Building the line costs as much as a small handler: only when Debug is on, or for a server error.
    const level = response.status >= 500 ? LogLevel.Error : LogLevel.Debug
    const minimum = yield* FiberRef.get(FiberRef.currentMinimumLogLevel)
    if (LogLevel.greaterThan(minimum, level)) return response
    yield* Effect.logWithLevel(level, "request").pipe(
      Effect.annotateLogs({
        requestId,
        ...(who.tenantId === undefined ? {} : { tenantId: who.tenantId }),
        ...(who.userId === undefined ? {} : { userId: who.userId }),
        method: request.method,
        route: routeOf(request.url),
        url: request.url,
        status: response.status,
        ms
      })
    )
    return response
  })
)
