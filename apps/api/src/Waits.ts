import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { currentRequestMeta } from "@manara/db"
import { problem } from "@manara/domain"
import { Config, Context, Duration, Effect, FiberRef, Layer } from "effect"

/**
 * How long a request may take to get its answer (docs/faults.md "Bounded waits"). The live event
 * stream and the upload endpoints (which read the object back from storage) get the long one.
 */
export class RequestDeadlines extends Context.Tag("Api/RequestDeadlines")<
  RequestDeadlines,
  {
    readonly normal: Duration.Duration
    readonly long: Duration.Duration
    readonly retryAfterSeconds: number
  }
>() {}

export const RequestDeadlinesLive = Layer.effect(
  RequestDeadlines,
  Effect.gen(function* () {
    const normal = yield* Config.duration("REQUEST_DEADLINE").pipe(Config.withDefault(Duration.seconds(10)))
    const long = yield* Config.duration("REQUEST_DEADLINE_LONG").pipe(Config.withDefault(Duration.seconds(60)))
    const retryAfterSeconds = yield* Config.integer("RETRY_AFTER_SECONDS").pipe(Config.withDefault(2))
    return { normal, long, retryAfterSeconds }
  })
)

const LONG_PATHS = /^\/api\/v1\/(inbox\/events$|media\/)/

/**
 * A request's answer within its deadline, or a 503 `deadline-exceeded` problem with `Retry-After`.
 * The work is disconnected, not waited for: a tenant transaction runs to its end uninterruptibly (its
 * statement and lock timeouts bound it) while the caller already has its answer. A 503 leaving without
 * `Retry-After` (a full pool, a lock not granted) gets one here.
 */
export const boundedWaits = <E, R>(app: HttpApp.Default<E, R>) =>
  Effect.gen(function* () {
    const deadlines = yield* RequestDeadlines
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0]!
    const retryAfter = String(deadlines.retryAfterSeconds)
    // Errors become responses after this middleware: the header goes on as the response is written.
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(
        response.status === 503 && response.headers["retry-after"] === undefined
          ? HttpServerResponse.setHeader(response, "retry-after", retryAfter)
          : response
      )
    )
    // The platform runs the whole app uninterruptibly (its routes restore it): the deadline's race must be interruptible.
    const response = yield* Effect.interruptible(
      Effect.disconnect(app).pipe(
        Effect.timeoutTo({
          duration: LONG_PATHS.test(path) ? deadlines.long : deadlines.normal,
          onSuccess: (response) => response,
          onTimeout: () => undefined
        })
      )
    )
    if (response === undefined) {
      const { requestId } = yield* FiberRef.get(currentRequestMeta)
      const { _tag: _, ...body } = problem(503, "deadline-exceeded", "The request did not finish in time; try again shortly")
      yield* Effect.logWarning("request past its deadline").pipe(Effect.annotateLogs({ method: request.method, url: path }))
      return HttpServerResponse.unsafeJson(
        { ...body, instance: path, ...(requestId === "" ? {} : { requestId }) },
        { status: 503, contentType: "application/problem+json", headers: { "retry-after": retryAfter } }
      )
    }
    return response
  })
