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
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const slug = options.slug ?? uniqueSlug()
    const rows = yield* sql<{ id: TenantId }>`
      insert into tenants (slug, kind, name_ar, name_en, custom_domain, branding,
                           max_catalog_items, max_storage_bytes, max_members, max_monthly_captures)
      values (${slug}, 'charity', ${options.nameAr ?? `جمعية ${slug}`}, ${options.nameEn ?? `Charity ${slug}`},
              ${options.customDomain ?? null},
              ${JSON.stringify({ primaryColour: "#0f5e4d", accentColour: "#c8a24a", tagline: { ar: "خير", en: "Good" } })},
              -- No plan limit gets in a test's (or the bench's) way unless the test sets one.
              1000000, 1000000000000, 1000000, 1000000000)
      returning id`
    return { id: rows[0]!.id, slug } satisfies TenantFixture
  })

export const withOwner = <A, E>(urls: TestDatabaseUrls, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, ownerSql(urls)) as Effect.Effect<A, never>)

export { Layer }

/** Adds a membership as the owner role, inside the tenant (RLS is forced on the owner too). */
export const addMember = (tenantId: TenantId, userId: string, role: "owner" | "admin" | "member") =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`select set_config('app.current_tenant', ${tenantId}, true)`
        const rows = yield* sql<{ id: string }>`
        insert into tenant_members (tenant_id, user_id, role) values (${tenantId}, ${userId}, ${role}) returning id`
        return rows[0]!.id
      })
    )
  })

/** Marks a user as having set up MFA (the real setup flow has its own test). */
export const markMfaEnabled = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update users set mfa_enabled = true where id = ${userId}`)

/** Runs `effect` as the owner inside one tenant's transaction: for reading back what a test wrote. */
export const asOwnerInTenant = <A, E, R>(tenantId: TenantId, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.zipRight(sql`select set_config('app.current_tenant', ${tenantId}, true)`, effect))
  )
