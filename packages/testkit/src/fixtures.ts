import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import type { TenantId } from "@manara/domain"
import { Effect, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import type { TestDatabaseUrls } from "./urls.js"

/** The runtime role's pool on the test database: what every test of tenant data goes through. */
export const runtimeSql = (urls: TestDatabaseUrls, maxConnections = 4) =>
  PgClient.layer({ url: Redacted.make(urls.runtimeUrl), maxConnections })

/** The owner's pool: only for fixtures and catalog checks, never for the behaviour under test. */
export const ownerSql = (urls: TestDatabaseUrls) => PgClient.layer({ url: Redacted.make(urls.ownerUrl), maxConnections: 2 })

export const uniqueSlug = (prefix = "t") => `${prefix}-${randomBytes(4).toString("hex")}`

export interface TenantFixture {
  readonly id: TenantId
  readonly slug: string
}

/** Creates an active tenant as the owner (tenants is a global table the runtime role cannot write). */
export const createTenant = (options: { slug?: string; nameAr?: string; nameEn?: string; customDomain?: string } = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const slug = options.slug ?? uniqueSlug()
    const rows = yield* sql<{ id: TenantId }>`
      insert into tenants (slug, kind, name_ar, name_en, custom_domain, branding)
      values (${slug}, 'charity', ${options.nameAr ?? `جمعية ${slug}`}, ${options.nameEn ?? `Charity ${slug}`},
              ${options.customDomain ?? null},
              ${JSON.stringify({ primaryColour: "#0f5e4d", accentColour: "#c8a24a", tagline: { ar: "خير", en: "Good" } })})
      returning id`
    return { id: rows[0]!.id, slug } satisfies TenantFixture
  })

export const withOwner = <A, E>(urls: TestDatabaseUrls, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, ownerSql(urls)) as Effect.Effect<A, never>)

export { Layer }
