import { HttpApp, HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { currentRequestMeta } from "@manara/db"
import { Effect, FiberRef, LogLevel, Option } from "effect"
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

/**
 * Takes a caller's well-formed `X-Request-Id` (a proxy's) or makes one: it is echoed in the response,
 * put on every log line, problem and audit row. Logs the request as one JSON line (Debug).
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
    const response = yield* app.pipe(Effect.locally(currentRequestMeta, { requestId, ip }), Effect.annotateLogs("requestId", requestId))
    // Building the line costs as much as a small handler: only when Debug is on.
    const minimum = yield* FiberRef.get(FiberRef.currentMinimumLogLevel)
    if (LogLevel.greaterThan(minimum, LogLevel.Debug)) return response
    yield* Effect.logDebug("request").pipe(
      Effect.annotateLogs({
        requestId,
        method: request.method,
        url: request.url,
        status: response.status,
        ms: Math.round((performance.now() - started) * 10) / 10
      })
    )
    return response
  })
)
