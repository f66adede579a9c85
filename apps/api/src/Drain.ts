import { HttpApp, HttpMiddleware, HttpServerResponse } from "@effect/platform"
import { Config, Deferred, Duration, Effect, Layer } from "effect"
import type { IncomingMessage, Server, ServerResponse } from "node:http"

/** What a client is told to wait before trying again, when no one knows better. */
export const RETRY_AFTER_SECONDS = 5

/** How long in-flight requests may take to finish once a shutdown began (SHUTDOWN_GRACE, default 20 s). */
export const shutdownGrace = Config.duration("SHUTDOWN_GRACE").pipe(Config.withDefault(Duration.seconds(20)))

/** How long the listener still reads what was sent before the drain began, answering it 503. */
const LAST_READS = Duration.millis(500)

const drainingBody = JSON.stringify({
  type: "https://manara.app/problems/shutting-down",
  title: "Service Unavailable",
  status: 503,
  detail: "This server is shutting down; try again in a moment"
})

/**
 * The API's shutdown, one per server: on `SIGTERM` (the scope closing) it answers new requests 503,
 * ends the open event streams, stops accepting (after reading for half a second what was already
 * sent) and closes idle keep-alive sockets, waits for in-flight requests up to the grace
 * period, then cuts what is left (whose finalizers free their Idempotency-Keys). Only after that do
 * the pools and Redis close. Requests counted twice: by Node (until the response closed) and by the
 * app (until the handler's fiber and its finalizers ended).
 */
export class Drain extends Effect.Service<Drain>()("Api/Drain", {
  effect: Effect.gen(function* () {
    const grace = yield* shutdownGrace
    const started = yield* Deferred.make<void>()
    let draining = false
    let server: Server | undefined
    const open = new Set<ServerResponse>()
    let handling = 0
    let settled: (() => void) | undefined
    const check = () => {
      if (draining && open.size === 0 && handling === 0) settled?.()
    }

    /** The edge: counts each request until its response closed; during a drain, answers 503 at once. */
    const admit = (request: IncomingMessage, response: ServerResponse): boolean => {
      if (draining) {
        request.resume()
        response.writeHead(503, {
          "content-type": "application/problem+json",
          "content-length": Buffer.byteLength(drainingBody),
          "retry-after": String(RETRY_AFTER_SECONDS),
          connection: "close"
        })
        response.end(drainingBody)
        return false
      }
      open.add(response)
      response.once("close", () => {
        open.delete(response)
        check()
      })
      return true
    }

    /** The app: a request is in flight until its handler, finalizers included, is done. */
    const track = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
      Effect.acquireUseRelease(
        Effect.sync(() => void handling++),
        () => app,
        () =>
          Effect.sync(() => {
            handling--
            check()
          })
      )

    /** Waits until nothing is in flight, or `limit` passed; true when everything finished. */
    const settle = (limit: Duration.Duration) =>
      Effect.async<boolean>((resume) => {
        const timer = setTimeout(() => {
          settled = undefined
          resume(Effect.succeed(false))
        }, Duration.toMillis(limit))
        settled = () => {
          settled = undefined
          clearTimeout(timer)
          resume(Effect.succeed(true))
        }
        check()
        return Effect.sync(() => clearTimeout(timer))
      })

    const run = Effect.gen(function* () {
      if (draining) return
      draining = true
      yield* Effect.logInfo("shutting down: draining requests").pipe(
        Effect.annotateLogs({ inFlight: open.size, graceSeconds: Duration.toSeconds(grace) })
      )
      for (const response of open) if (!response.headersSent) response.setHeader("connection", "close")
      yield* Deferred.succeed(started, undefined)
      // Requests already sent but not yet read (in the accept queue, in a socket's buffer) are read and
      // answered 503 in this moment, instead of being reset with their connection.
      yield* Effect.sleep(LAST_READS)
      // Stops accepting; Node 19+ also closes the idle keep-alive sockets here.
      server?.close()
      server?.closeIdleConnections()
      const finished = yield* settle(Duration.max(Duration.subtract(grace, LAST_READS), Duration.zero))
      if (finished) return yield* Effect.logInfo("shutting down: every request finished")
      yield* Effect.logWarning("shutting down: the grace period ended; cutting the requests left").pipe(
        Effect.annotateLogs({ inFlight: open.size, handling })
      )
      // A cut socket interrupts its handler; its finalizers (the key's release) get a last second.
      server?.closeAllConnections()
      yield* settle(Duration.seconds(1))
    })

    return {
      admit,
      track,
      run,
      /** Completes when the drain began: event streams end on it. */
      started: Deferred.await(started),
      isDraining: Effect.sync(() => draining),
      attach: (node: Server) => void (server = node)
    } as const
  })
}) {}

/**
 * The app's middleware: the in-flight count, and a `Retry-After` on every 503 that has none (a lost
 * database, a busy one): a client should know when to come back.
 */
export const drainMiddleware = HttpMiddleware.make((app) =>
  Effect.flatMap(Drain, (drain) =>
    Effect.zipRight(
      HttpApp.appendPreResponseHandler((_, response) =>
        Effect.succeed(
          response.status === 503 && response.headers["retry-after"] === undefined
            ? HttpServerResponse.setHeader(response, "retry-after", String(RETRY_AFTER_SECONDS))
            : response
        )
      ),
      drain.track(app)
    )
  )
)

/** Runs the drain first when the server's scope closes: before the handler is detached and the pools end. */
export const DrainOnShutdownLive = Layer.scopedDiscard(Effect.flatMap(Drain, (drain) => Effect.addFinalizer(() => drain.run)))
