import { HttpApiBuilder, HttpApiSwagger, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { AiServicesLive } from "@manara/ai-gateway"
import { TrafficDaysSummerLive } from "@manara/analytics"
import { Capture, ReceiptPdfsLive } from "@manara/capture"
import { observabilityLayer, RedisClient, telemetryEnabled, TenantSqlLive } from "@manara/db"
import { ManaraApi } from "@manara/domain"
import { TenantChanges } from "@manara/tenancy"
import { NotificationsLive as DeliveryFibersLive } from "@manara/notifications"
import { Config, Effect, Layer } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Drain, drainMiddleware, DrainOnShutdownLive } from "./Drain.js"
import { setSecurityHeaders } from "./SecurityHeaders.js"
import { AnalyticsLive, TrafficLive } from "./Analytics/Http.js"
import { AiLive } from "./Ai/Http.js"
import { AssistantLive, AssistantStaffLive } from "./Assistant/Http.js"
import { AuthLive } from "./Auth/Http.js"
import { AuthenticationLive } from "./Auth/Middleware.js"
import { CaptureLive } from "./Capture/Http.js"
import { CatalogLive, PublicCatalogLive } from "./Catalog/Http.js"
import { InboxLive } from "./Inbox/Http.js"
import { HealthLive } from "./Health/Http.js"
import { MembersLive } from "./Members/Http.js"
import { NotificationsLive } from "./Notifications/Http.js"
import { MyNotificationsLive, TelegramWebhookLive } from "./Notifications/MyHttp.js"
import { PlanUsageLive, PlatformLive } from "./Platform/Http.js"
import { admitRequest, answerClientErrors } from "./Limits.js"
import { JsonDepthLive, ProblemMappingLive } from "./ProblemMapping.js"
import { requestContext } from "./RequestContext.js"
import { SettingsLive } from "./Settings/Http.js"
import { DomainsLive } from "./Domains/Http.js"
import { StorefrontLive } from "./Storefront/Http.js"
import { StorefrontHostLive, TenantMembershipLive } from "./Tenancy/Middleware.js"
import { boundedWaits, RequestDeadlinesLive } from "./Waits.js"

/**
 * Each feature's `Http.ts` provides its own services; here is only what every slice shares: the
 * pools, Redis, the tenant change broadcast and the background fibers. A layer value is built once per app however many groups
 * provide it (test/one-instance.test.ts), so caches and limiters stay one instance.
 */
const InfrastructureLive = TenantChanges.Default.pipe(Layer.provideMerge(Layer.merge(RedisClient.Default, TenantSqlLive)))

/**
 * With the notification fibers in this process (the default: one machine); NOTIFY_DELIVERY=false
 * leaves the outbox to `apps/worker`. AI stays here: its sweeper and start-up rebuild are process
 * work, and the AI and platform groups read the one gateway it builds. So does summing closed traffic days.
 */
export const ServicesLive = Layer.mergeAll(
  DeliveryFibersLive.pipe(Layer.provide(ReceiptPdfsLive), Layer.provide(Capture.Default)),
  AiServicesLive,
  TrafficDaysSummerLive
).pipe(Layer.provideMerge(InfrastructureLive))

export const ApiLive = HttpApiBuilder.api(ManaraApi).pipe(
  Layer.provide([
    HealthLive,
    StorefrontLive,
    AuthLive,
    MembersLive,
    PlatformLive,
    PlanUsageLive,
    CatalogLive,
    PublicCatalogLive,
    CaptureLive,
    InboxLive,
    NotificationsLive,
    TrafficLive,
    AnalyticsLive,
    AiLive,
    AssistantLive,
    AssistantStaffLive,
    SettingsLive,
    DomainsLive,
    ProblemMappingLive,
    JsonDepthLive
  ]),
  Layer.provide([MyNotificationsLive, TelegramWebhookLive]),
  Layer.provide([AuthenticationLive, StorefrontHostLive, TenantMembershipLive]),
  Layer.provide(ServicesLive)
)

/**
 * JSON log lines with personal data masked; LOG_LEVEL (default Info) decides how much. Per-request
 * lines are Debug (5xx at Error). Traces and metrics go over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT
 * is set; otherwise the tracer is off: every span (one per SQL statement) costs throughput.
 */
export const LoggingLive = observabilityLayer("manara-api")

/** 0 asks the OS for a free port (tests, benchmarks). */
export const port = Config.integer("API_PORT").pipe(
  Config.validate({ message: "a TCP port, 0 to 65535", validation: (n) => n >= 0 && n <= 65_535 }),
  Config.withDefault(4000)
)
export const host = Config.string("API_HOST").pipe(Config.withDefault("127.0.0.1"))

/** The HTTP server on `API_HOST:API_PORT`, with docs at /api/docs and OpenAPI at /api/openapi.json. */
export const HttpLive = HttpApiBuilder.serve((app) => requestContext(drainMiddleware(boundedWaits(app)))).pipe(
  // Every request answered within its deadline (Waits.ts).
  Layer.provide(RequestDeadlinesLive),
  Layer.provide(HttpApiSwagger.layer({ path: "/api/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/api/openapi.json" })),
  Layer.provide(ApiLive),
  HttpServer.withLogAddress
)

/** Without a span exporter, skip building a server span for every request. */
const HttpTracedLive = Layer.unwrapEffect(
  Effect.map(telemetryEnabled, (traced) => (traced ? HttpLive : HttpLive.pipe(HttpMiddleware.withTracerDisabledWhen(() => true))))
)

/**
 * The server listens before the app is attached to it: a request arriving in between would hang.
 * It waits here instead, and is handed to the app's handler the moment that is attached. Every
 * request passes the edge's limits (`Limits.ts`) first.
 */
export const createHeldServer = (drain?: Drain) => {
  const server = createServer()
  // Idle connections outlive a load balancer's own idle timeout (ALB: 60 s): the server never closes one a client is reusing.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  answerClientErrors(server)
  drain?.attach(server)
  const admit = (request: IncomingMessage, response: ServerResponse) => {
    setSecurityHeaders(request, response)
    return (drain === undefined || drain.admit(request, response)) && admitRequest(request, response)
  }
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: Array<unknown>) => boolean
  server.emit = ((event: string | symbol, ...args: Array<unknown>) =>
    event === "request" && !admit(args[0] as IncomingMessage, args[1] as ServerResponse)
      ? true
      : emit(event, ...args)) as typeof server.emit
  const held: Array<readonly [IncomingMessage, ServerResponse]> = []
  const hold = (request: IncomingMessage, response: ServerResponse) => void held.push([request, response])
  server.on("request", hold)
  server.on("newListener", (event: string | symbol, listener: (request: IncomingMessage, response: ServerResponse) => void) => {
    if (event !== "request" || listener === hold) return
    server.off("request", hold)
    setImmediate(() => {
      for (const [request, response] of held.splice(0)) listener(request, response)
    })
  })
  return server
}

export const NodeServerLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const listen = yield* Config.all({ port, host })
    const drain = yield* Drain
    return NodeHttpServer.layer(() => createHeldServer(drain), listen)
  })
)

/**
 * The whole API server, draining on shutdown (`Drain.ts`): the drain is acquired last, so it runs
 * first when the scope closes, while the handler is attached and the pools are open.
 */
export const ApiServerLive = DrainOnShutdownLive.pipe(
  Layer.provideMerge(HttpTracedLive),
  Layer.provideMerge(NodeServerLive),
  Layer.provideMerge(Drain.Default)
)
