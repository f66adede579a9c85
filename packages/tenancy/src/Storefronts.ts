import { SqlClient, SqlSchema } from "@effect/sql"
import { Branding, defaultBranding, Locale, normalizeHost, ResolvedTenant, Slug, TenantId, TenantKind } from "@manara/domain"
import { Cache, Cause, Config, Data, Duration, Effect, Exit, Option, Schema } from "effect"

/** No active tenant answers at this host. */
export class TenantNotFound extends Data.TaggedError("TenantNotFound")<{ readonly host: string }> {}

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
 * not) are cached in-process for a short TTL, so a busy storefront costs one query per TTL.
 */
export class Storefronts extends Effect.Service<Storefronts>()("Tenancy/Storefronts", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const domain = normalizeHost(yield* platformDomain)
    const ttl = yield* Config.duration("TENANT_CACHE_TTL").pipe(Config.withDefault(Duration.seconds(30)))

    const findByHost = SqlSchema.findOne({
      Request: Schema.String,
      Result: Row,
      execute: (host) => sql`select * from app.resolve_tenant(${host}, ${domain})`
    })

    const cache = yield* Cache.makeWith({
      capacity: 10_000,
      lookup: (host: string) =>
        findByHost(host).pipe(
          Effect.catchTag("ParseError", Effect.die),
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new TenantNotFound({ host })),
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
          }))
        ),
      // A miss is remembered briefly too, so unknown hosts cannot hammer the database;
      // a database error is not remembered at all.
      timeToLive: (exit) =>
        Exit.isSuccess(exit)
          ? ttl
          : Option.exists(Cause.failureOption(exit.cause), (error) => error._tag === "TenantNotFound")
          ? Duration.seconds(5)
          : Duration.zero
    })

    // No span: this runs on every public request, and a span takes a stack trace even with no tracer.
    const resolve = (host: string) => cache.get(normalizeHost(host))

    /** Forget a host (after a tenant's slug, domain, branding or status changes). */
    const invalidate = (host: string) => cache.invalidate(normalizeHost(host))

    return { resolve, invalidate, invalidateAll: cache.invalidateAll } as const
  })
}) {}
