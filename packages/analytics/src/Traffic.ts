import { SqlClient } from "@effect/sql"
import { RateLimited } from "@manara/auth"
import { CurrentTenant, RedisClient, TenantSql } from "@manara/db"
import { type TenantId, type TrafficBatch, TrafficRecorded } from "@manara/domain"
import { Config, Effect } from "effect"
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"

const LimitsConfig = Config.all({
  perTenant: Config.integer("TRAFFIC_LIMIT_PER_TENANT").pipe(Config.withDefault(20_000)),
  windowSeconds: Config.integer("TRAFFIC_LIMIT_WINDOW_SECONDS").pipe(Config.withDefault(60))
})

/**
 * Visits and events as the web server batches them: one transaction per batch and storefront, two
 * statements (a whole batch is one JSON parameter), rows per tenant counted in Redis over a window.
 */
export class Traffic extends Effect.Service<Traffic>()("Analytics/Traffic", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tenantSql = yield* TenantSql
    const { client } = yield* RedisClient
    const config = yield* LimitsConfig
    const byTenant = new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: false,
      keyPrefix: "rl:traffic:tenant",
      points: config.perTenant,
      duration: config.windowSeconds
    })

    /** Rows of a batch against the tenant's window; Redis down lets them through (best effort, like captures). */
    const admit = (tenantId: TenantId, rows: number): Effect.Effect<void, RateLimited> =>
      rows === 0
        ? Effect.void
        : Effect.promise(() =>
            byTenant.consume(tenantId, rows).then(
              () => undefined,
              (rejection: unknown) =>
                rejection instanceof RateLimiterRes
                  ? new RateLimited({
                      limit: config.perTenant,
                      retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
                      windowSeconds: config.windowSeconds
                    })
                  : undefined
            )
          ).pipe(Effect.flatMap((limited) => (limited === undefined ? Effect.void : Effect.fail(limited))))

    const write = (batch: TrafficBatch) =>
      Effect.gen(function* () {
        const tenantId = yield* CurrentTenant
        const visits =
          batch.visits.length === 0
            ? []
            : yield* sql<{ id: string }>`
          insert into visits (tenant_id, id, visitor_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
            referrer_host, landing_path, device, language)
          select ${tenantId}, v.id, v."visitorId", v.source, v.medium, v.campaign, v.term, v.content,
            v."referrerHost", v."landingPath", v.device, v.language
          from jsonb_to_recordset(${JSON.stringify(batch.visits)}::jsonb) as v(id uuid, "visitorId" text, source text, medium text,
            campaign text, term text, content text, "referrerHost" text, "landingPath" text, device text, language text)
          on conflict (tenant_id, id) do nothing
          returning id`
        // An event of a visit this tenant does not have (another's, or one never recorded) keeps no visit.
        const events =
          batch.events.length === 0
            ? []
            : yield* sql<{ id: string }>`
          insert into traffic_events (tenant_id, visit_id, name, item_slug)
          select ${tenantId}, (select v.id from visits v where v.tenant_id = ${tenantId} and v.id = e."visitId"), e.name, e.item
          from jsonb_to_recordset(${JSON.stringify(batch.events)}::jsonb) as e("visitId" uuid, name text, item text)
          returning id`
        return new TrafficRecorded({ visits: visits.length, events: events.length })
      })

    const record = (tenantId: TenantId, batch: TrafficBatch) =>
      Effect.zipRight(admit(tenantId, batch.visits.length + batch.events.length), tenantSql.withTenant(tenantId, write(batch)))

    return { record } as const
  })
}) {}
