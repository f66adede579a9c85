import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { currentRequestMeta } from "@manara/db"
import { problem } from "@manara/domain"
import { Config, Context, Duration, Effect, FiberRef, Layer } from "effect"

/**
 * How long a request may take to get its answer (docs/faults.md "Bounded waits"). The event streams
 * (the staff inbox's, the assistant's chat and its staff replies) and the tenant's media endpoints
 * (which read the object back from storage) get the long one.
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

// The paths as served: every group's prefix (`/tenant`, `/public`) included.
const LONG_PATHS = /^\/api\/v1\/(tenant\/(inbox\/events$|media\/)|public\/assistant\/(chat$|conversations\/[^/]+\/events$))/

/** Whether a request path (no query string) gets the long deadline. */
export const hasLongDeadline = (path: string) => LONG_PATHS.test(path)

/**
 * A request's answer within its deadline, or a 503 `deadline-exceeded` problem with `Retry-After`.
 * The work is disconnected, not waited for: a tenant transaction runs to its end uninterruptibly (its
 * statement and lock timeouts bound it) while the caller already has its answer. Other 503s get their
 * `Retry-After` from the outer `drainMiddleware` (Drain.ts).
 */
export const boundedWaits = <E, R>(app: HttpApp.Default<E, R>) =>
  Effect.gen(function* () {
    const deadlines = yield* RequestDeadlines
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0]!
    const retryAfter = String(deadlines.retryAfterSeconds)
    // The platform runs the whole app uninterruptibly (its routes restore it): the deadline's race must be interruptible.
    const response = yield* Effect.interruptible(
      Effect.disconnect(app).pipe(
        Effect.timeoutTo({
          duration: hasLongDeadline(path) ? deadlines.long : deadlines.normal,
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
