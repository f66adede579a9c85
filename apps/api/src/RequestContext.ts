import { HttpApp, HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, FiberRef } from "effect"
import { globalValue } from "effect/GlobalValue"
import { randomUUID } from "node:crypto"

/** The current request's id: echoed in `X-Request-Id`, put on every log line and problem. */
export const currentRequestId = globalValue("manara/currentRequestId", () => FiberRef.unsafeMake(""))

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Takes a caller's well-formed `X-Request-Id` (a proxy's) or makes one, and logs the request as JSON. */
export const requestContext = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const incoming = request.headers["x-request-id"]
    const requestId = incoming !== undefined && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID()
    const started = performance.now()
    // The response is written before a middleware sees it: set the header as it goes out.
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", requestId))
    )
    const response = yield* app.pipe(
      Effect.locally(currentRequestId, requestId),
      Effect.annotateLogs("requestId", requestId)
    )
    yield* Effect.logDebug("request").pipe(Effect.annotateLogs({
      requestId,
      method: request.method,
      url: request.url,
      status: response.status,
      ms: Math.round((performance.now() - started) * 10) / 10
    }))
    return response
  })
)
