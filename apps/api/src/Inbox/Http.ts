import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { AccessTokens, Revocations } from "@manara/auth"
import {
  Capture,
  captureEventId,
  CaptureEvents,
  CaptureNotFound,
  Inbox,
  inboxCsv,
  moveTakesReference,
  parseCaptureEventId
} from "@manara/capture"
import { PublicCache } from "@manara/catalog"
import { CurrentAccess, CurrentUser, InboxPolicy, ManaraApi } from "@manara/domain"
import { Memberships } from "@manara/tenancy"
import { Effect, Exit, Layer, Schedule, Scope, Stream } from "effect"
import { bearerTokenOf } from "../Auth/Middleware.js"
import { pdfResponse } from "../Capture/Http.js"
import { Drain } from "../Drain.js"
import { asProblem } from "../ProblemMapping.js"
import { allow, inTenant } from "../Tenancy/Middleware.js"

const encoder = new TextEncoder()

export const InboxLive = HttpApiBuilder.group(ManaraApi, "inbox", (handlers) =>
  Effect.gen(function* () {
    const inbox = yield* Inbox
    const events = yield* CaptureEvents
    const capture = yield* Capture
    const cache = yield* PublicCache
    const memberships = yield* Memberships
    const tokens = yield* AccessTokens
    const revocations = yield* Revocations
    const drain = yield* Drain
    /** Moves that change a project's raised or pledged money: the public progress bars show it at once. */
    const refreshPublic = Effect.flatMap(CurrentAccess, (access) => cache.invalidate(access.tenantId, access.slug))

    return handlers
      .handle("list", ({ urlParams }) => inbox.list(urlParams).pipe(inTenant(InboxPolicy.read), asProblem))
      .handle("overview", ({ urlParams }) => inbox.overview(urlParams.day).pipe(inTenant(InboxPolicy.read), asProblem))
      .handle("detail", ({ path }) => inbox.detail(path.kind, path.id).pipe(inTenant(InboxPolicy.read), asProblem))
      .handle("changeStatus", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => inbox.changeStatus(path.kind, path.id, payload.to, payload.note, user.id)).pipe(
          // Fulfilling a pledge takes a DON reference: it queues in the tenant's reference lane, as captures do.
          inTenant(InboxPolicy.status, { takesReference: moveTakesReference(path.kind, payload.to) }),
          // After the commit: a page rendered on the new version reads the new totals.
          Effect.tap(() => refreshPublic),
          asProblem
        )
      )
      .handle("markPayment", ({ path, payload }) =>
        Effect.flatMap(CurrentUser, (user) => inbox.markPayment(path.kind, path.id, payload.state, payload.note, user.id)).pipe(
          inTenant(InboxPolicy.payment),
          Effect.tap(() => refreshPublic),
          asProblem
        )
      )
      .handle("receiptPdf", ({ path }) =>
        capture.receiptPdf({ kind: path.kind, id: path.id }).pipe(
          Effect.catchTag("ReceiptNotFound", () => Effect.fail(new CaptureNotFound())),
          inTenant(InboxPolicy.read),
          Effect.map(({ pdf, reference }) => pdfResponse(pdf, reference)),
          asProblem
        )
      )
      .handle("csv", ({ urlParams }) =>
        Effect.all([inbox.all(urlParams), CurrentAccess]).pipe(
          inTenant(InboxPolicy.read),
          Effect.map(([entries, access]) =>
            HttpServerResponse.text(inboxCsv(entries, urlParams.locale ?? "ar"), {
              contentType: "text/csv; charset=utf-8",
              headers: { "content-disposition": `attachment; filename="inbox-${access.slug}.csv"` }
            })
          ),
          asProblem
        )
      )
      .handle("events", () =>
        // No transaction stays open for a stream: membership is checked first, then again every second.
        Effect.gen(function* () {
          const access = yield* allow(InboxPolicy.read)
          const user = yield* CurrentUser
          const token = bearerTokenOf((yield* HttpServerRequest.HttpServerRequest).headers.authorization) ?? ""
          // Removed from the tenant, signed out or deleted: the stream ends within about a second of us knowing.
          const allowed = Effect.gen(function* () {
            const claims = yield* tokens.verify(token)
            if (!(yield* revocations.isValid(token, claims))) return false
            yield* memberships.access(access.slug, user.id)
            return true
          }).pipe(Effect.orElseSucceed(() => false))
          const accessEnds = allowed.pipe(Effect.repeat({ schedule: Schedule.spaced("1 second"), while: (still) => still }))
          // Listening starts before the replay is read, so nothing committed in between is missed.
          const listening = yield* Scope.make()
          const live = yield* Stream.toQueue(events.forTenant(access.tenantId), { strategy: "unbounded" }).pipe(Scope.extend(listening))
          // A reconnect (`Last-Event-ID`, as EventSource sends it) first gets what it missed.
          const lastSeen = parseCaptureEventId((yield* HttpServerRequest.HttpServerRequest).headers["last-event-id"])
          const missed =
            lastSeen === undefined
              ? []
              : yield* inbox.since(lastSeen).pipe(
                  inTenant(InboxPolicy.read),
                  Effect.onError(() => Scope.close(listening, Exit.void))
                )
          const replayed = new Set(missed.map((event) => captureEventId(event)))
          const captures = Stream.concat(
            Stream.fromIterable(missed),
            Stream.fromQueue(live).pipe(
              Stream.flattenTake,
              Stream.filter(
                (event) => event.at === undefined || !replayed.has(captureEventId({ at: event.at, reference: event.reference }))
              )
            )
          ).pipe(
            Stream.map(
              (event) =>
                `${event.at === undefined ? "" : `id: ${captureEventId({ at: event.at, reference: event.reference })}\n`}event: capture\ndata: ${JSON.stringify({ kind: event.kind, reference: event.reference, amount: event.amount })}\n\n`
            ),
            Stream.ensuring(Scope.close(listening, Exit.void))
          )
          // A comment every 20 s keeps proxies from closing a quiet stream.
          const heartbeat = Stream.fromSchedule(Schedule.spaced("20 seconds")).pipe(Stream.map(() => ": keep-alive\n\n"))
          // A shutdown ends the stream with a hint to reconnect soon (to another process, or this one restarted).
          const drained = Stream.unwrap(
            Effect.map(drain.isDraining, (draining) => (draining ? Stream.make("retry: 1000\n\n") : Stream.empty))
          )
          const body = Stream.concat(Stream.make("retry: 3000\n\n"), Stream.merge(captures, heartbeat)).pipe(
            Stream.interruptWhen(accessEnds),
            Stream.interruptWhen(drain.started),
            Stream.concat(drained),
            Stream.map((text) => encoder.encode(text))
          )
          return HttpServerResponse.stream(body, {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-store", "x-accel-buffering": "no" }
          })
        }).pipe(asProblem)
      )
  })
).pipe(
  Layer.provide([
    Inbox.Default,
    CaptureEvents.Default,
    Capture.Default,
    PublicCache.Default,
    Memberships.Default,
    AccessTokens.Default,
    Revocations.Default
  ])
)
