import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Branding, defaultBranding, Locale, normalizeHost, ResolvedTenant, Slug, TenantId, TenantKind } from "@manara/domain"
import { TenantChanges } from "./TenantChanges.js"
import { Cache, Cause, Config, Data, Duration, Effect, Exit, Option, Schema } from "effect"

/** No active tenant answers at this host. */
export class TenantNotFound extends Data.TaggedError("TenantNotFound")<{ readonly host: string }> {}
/** The tenant at this host is suspended by the platform: its storefront shows a notice, its API refuses. */
export class TenantSuspended extends Data.TaggedError("TenantSuspended")<{ readonly host: string }> {}

export { ResolvedTenant }

const Row = Schema.Struct({
  id: TenantId,
  slug: Slug,
  kind: TenantKind,
  name_en: Schema.String,
  name_ar: Schema.String,
  default_locale: Locale,
  branding: Schema.Unknown
})

const BrandingFromRow = Schema.decodeUnknownOption(Branding)

export const platformDomain = Config.string("PLATFORM_DOMAIN").pipe(Config.withDefault("localhost"))

/**
 * Host -> tenant, through the one SECURITY DEFINER door `app.resolve_tenant`. Answers (found or
 * not) are cached in-process for a short TTL, so a busy storefront costs one query per TTL, and
 * forgotten in every process when a tenant's status, domain or branding changes (`TenantChanges`).
 */
export class Storefronts extends Effect.Service<Storefronts>()("Tenancy/Storefronts", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const domain = normalizeHost(yield* platformDomain)
    const ttl = yield* Config.duration("TENANT_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(30)))

    const findByHost = SqlSchema.findOne({
      Request: Schema.String,
      Result: Row,
      execute: (host) => sql`select * from app.resolve_tenant(${host}, ${domain})`
    })

    const suspendedAt = (host: string): Effect.Effect<never, TenantSuspended | TenantNotFound | SqlError> =>
      sql<{ id: string }>`select id from app.suspended_tenant_at(${host}, ${domain})`.pipe(
        Effect.flatMap((rows) =>
          rows.length > 0
            ? Effect.fail<TenantSuspended | TenantNotFound>(new TenantSuspended({ host }))
            : Effect.fail(new TenantNotFound({ host }))
        )
      )

    const staleFor = Duration.toMillis(yield* Config.duration("STALE_IF_ERROR").pipe(Config.withDefault(Duration.minutes(5))))
    /** The last good answer per host and when it was looked up: served while the database fails (stale on error). */
    const lastGood = new Map<string, { readonly tenant: ResolvedTenant; readonly at: number; warnedAt: number }>()

    const cache = yield* Cache.makeWith({
      capacity: 10_000,
      lookup: (host: string) =>
        findByHost(host).pipe(
          Effect.catchTag("ParseError", Effect.die),
          Effect.flatMap(
            Option.match({
              // No active tenant here: a suspended one gets its notice, anything else is nobody's.
              onNone: () => suspendedAt(host),
              onSome: (row) =>
                Effect.succeed(
                  new ResolvedTenant({
                    id: row.id,
                    slug: row.slug,
                    kind: row.kind,
                    name: { ar: row.name_ar, en: row.name_en },
                    defaultLocale: row.default_locale,
                    branding: Option.getOrElse(BrandingFromRow(row.branding), () => defaultBranding)
                  })
                )
            })
          ),
          Effect.tap((tenant) =>
            Effect.sync(() => {
              if (lastGood.size >= 10_000) lastGood.clear()
              lastGood.set(host, { tenant, at: Date.now(), warnedAt: 0 })
            })
          )
        ),
      // A miss is remembered briefly too, so unknown hosts cannot hammer the database; a suspension
      // as long as an answer (a reactivation forgets it); a database error is not remembered at all.
      timeToLive: (exit) =>
        Exit.isSuccess(exit)
          ? ttl
          : Option.exists(Cause.failureOption(exit.cause), (error) => error._tag === "TenantNotFound")
            ? Duration.seconds(5)
            : Option.exists(Cause.failureOption(exit.cause), (error) => error._tag === "TenantSuspended")
              ? ttl
              : Duration.zero
    })

    // No span: this runs on every public request, and a span takes a stack trace even with no tracer.
    const resolve = (host: string) => {
      const normalized = normalizeHost(host)
      return cache.get(normalized).pipe(
        Effect.catchIf(
          (error) => error._tag !== "TenantNotFound" && error._tag !== "TenantSuspended",
          (error) => {
            const good = lastGood.get(normalized)
            const now = Date.now()
            if (good === undefined || now - good.at > Duration.toMillis(ttl) + staleFor) return Effect.fail(error)
            // Said once per host every 10 s, not on every request of an outage.
            const warn =
              now - good.warnedAt < 10_000
                ? Effect.void
                : Effect.logWarning("storefront host resolved from its last good copy").pipe(
                    Effect.annotateLogs({ host: normalized, ageSeconds: Math.round((now - good.at) / 1000) }),
                    Effect.zipRight(Effect.sync(() => (good.warnedAt = now)))
                  )
            return Effect.as(warn, good.tenant)
          }
        )
      )
    }

    /** Forget a host (after a tenant's slug, domain, branding or status changes). */
    const invalidate = (host: string) =>
      Effect.zipRight(
        Effect.sync(() => lastGood.delete(normalizeHost(host))),
        cache.invalidate(normalizeHost(host))
      )
    const invalidateAll = Effect.zipRight(
      Effect.sync(() => lastGood.clear()),
      cache.invalidateAll
    )

    // A suspension, a domain or branding change made by any process: the next request here asks again.
    yield* (yield* TenantChanges).listen(invalidateAll)

    return { resolve, invalidate, invalidateAll } as const
  })
}) {}
