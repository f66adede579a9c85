import { HttpApiBuilder, HttpApiError, HttpServerRequest } from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import { type FieldIssue, ManaraApi, Problem, problem } from "@manara/domain"
import { TenantNotFound } from "@manara/tenancy"
import { Cause, Effect, FiberRef, Option } from "effect"
import { currentRequestId } from "./RequestContext.js"

/** Postgres connection failures (class 08, shutdown 57P) and socket errors mean "down", not "bug". */
const isOutage = (error: SqlError): boolean => {
  const code = (error.cause as { code?: unknown } | undefined)?.code
  return typeof code === "string" && (/^E[A-Z]+$/.test(code) || code.startsWith("08") || code.startsWith("57P"))
    || /Connection terminated|timed out|connect/i.test(String((error.cause as Error | undefined)?.message ?? ""))
}

/** One message per field, the schema's own, without echoing the rejected value back. */
const fieldIssues = (issues: HttpApiError.HttpApiDecodeError["issues"]): Array<FieldIssue> => {
  const byPath = new Map<string, FieldIssue>()
  for (const issue of issues) {
    const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))
    const key = JSON.stringify(path)
    if (!byPath.has(key)) byPath.set(key, { path, message: issue.message.replace(/,? ?actual [\s\S]*$/, "") })
  }
  return [...byPath.values()]
}

/** The one mapping from whatever went wrong to an RFC 9457 problem. Never leaks internals. */
export const toProblem = (error: unknown): Problem => {
  if (error instanceof Problem) return error
  if (error instanceof TenantNotFound) return problem(404, "tenant-not-found", "No storefront at this address")
  if (error instanceof HttpApiError.HttpApiDecodeError) {
    return problem(400, "invalid-request", "The request did not pass validation", {
      errors: fieldIssues(error.issues)
    })
  }
  if (error instanceof SqlError && isOutage(error)) return problem(503, "database-unavailable", "The database is unreachable")
  const tag = (error as { _tag?: unknown } | null)?._tag
  if (tag === "RouteNotFound") return problem(404, "not-found", "No such endpoint")
  if (tag === "RequestError") return problem(400, "unreadable-request", "The request body could not be read")
  return problem(500, "internal", "Something went wrong on our side; the request id identifies it")
}

/** For handlers: expected failures of a service become problems at the edge. */
export const asProblem = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Problem, R> =>
  Effect.mapError(effect, toProblem)

/**
 * API-wide middleware: everything that escapes a handler — decode errors, unknown routes, defects —
 * leaves as a problem carrying the request path and id. Defects are logged here, once, with their cause.
 */
export const ProblemMappingLive = HttpApiBuilder.middleware(ManaraApi, (httpApp) =>
  Effect.catchAllCause(httpApp, (cause) =>
    Effect.gen(function*() {
      if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
      const request = yield* HttpServerRequest.HttpServerRequest
      const requestId = yield* FiberRef.get(currentRequestId)
      const failure = Cause.failureOption(cause)
      const cause_ = Option.isSome(failure) ? failure.value : Cause.squash(cause)
      const mapped = toProblem(cause_)
      if (mapped.status >= 500) yield* Effect.logError("request failed", cause)
      return yield* Effect.fail(
        new Problem({ ...mapped, instance: request.url.split("?")[0]!, ...(requestId === "" ? {} : { requestId }) })
      )
    })))
