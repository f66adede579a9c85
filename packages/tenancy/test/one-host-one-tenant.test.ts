import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { createTenant, ownerSql, runtimeSql, uniqueSlug, withOwner } from "@manara/testkit"
import { Effect } from "effect"
import { inject } from "vitest"

const urls = inject("manaraDatabase")
const PLATFORM = "hold.test"

const asOwner = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Effect.promise(() => withOwner(urls, effect))

/** The slugs `app.resolve_tenant` answers for a host, as the runtime role sees it. */
const resolve = (host: string, platformDomain = PLATFORM) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ slug: string }>`select slug from app.resolve_tenant(${host}, ${platformDomain})`).pipe(
    Effect.map((rows) => rows.map((row) => row.slug))
  )

describe("one host, one tenant", () => {
  it.layer(runtimeSql(urls, 1))((it) => {
    it.effect("a custom domain equal to another tenant's platform host never takes it, even after unrelated updates", () =>
      Effect.gen(function* () {
        const slug = uniqueSlug("first")
        const host = `${slug}.${PLATFORM}`
        // Written past the CLI, as an old row could be, before the tenant whose host it takes.
        const squatter = yield* asOwner(createTenant({ slug: uniqueSlug("squat"), customDomain: host }))
        const first = yield* asOwner(createTenant({ slug }))
        expect(yield* resolve(host)).toEqual([first.slug])
        // An update writes a row anew, after the other one: with no order, the answer would flip.
        for (const id of [squatter.id, first.id, squatter.id]) {
          yield* asOwner(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`update tenants set name_en = name_en || '.' where id = ${id}`))
          expect(yield* resolve(host)).toEqual([first.slug])
        }
      })
    )

    it.effect("the platform domain is compared as text, never as a LIKE pattern", () =>
      Effect.gen(function* () {
        const tenant = yield* asOwner(createTenant({ slug: uniqueSlug("like") }))
        expect(yield* resolve(`${tenant.slug}.hold.test`, "_old.test")).toEqual([])
        expect(yield* resolve(`${tenant.slug}.hold.test`, "%")).toEqual([])
        expect(yield* resolve(`${tenant.slug}.hold.test`, "%.test")).toEqual([])
        expect(yield* resolve(`${tenant.slug}.hold.test`)).toEqual([tenant.slug])
        // The bare platform domain and a nested subdomain are nobody's.
        expect(yield* resolve(PLATFORM)).toEqual([])
        expect(yield* resolve(`www.${tenant.slug}.${PLATFORM}`)).toEqual([])
      })
    )

    it.effect("a custom domain answers whatever the host's case or trailing dot", () =>
      Effect.gen(function* () {
        const domain = `${uniqueSlug("shop")}.example.com`
        const tenant = yield* asOwner(createTenant({ slug: uniqueSlug("custom"), customDomain: domain }))
        expect(yield* resolve(`${domain.toUpperCase()}.`)).toEqual([tenant.slug])
      })
    )
  })

  it.layer(ownerSql(urls))((it) => {
    it.effect("a custom domain is unique, compared case-insensitively and without a trailing dot", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const [index] = yield* sql<{ definition: string }>`
          select pg_get_indexdef('tenants_custom_domain_host'::regclass) as definition`
        expect(index!.definition).toContain(
          "UNIQUE INDEX tenants_custom_domain_host ON public.tenants USING btree (lower(rtrim(custom_domain, '.'::text)))"
        )
        const domain = `${uniqueSlug("twice")}.example.com`
        yield* createTenant({ slug: uniqueSlug("one"), customDomain: domain })
        const error = yield* Effect.flip(createTenant({ slug: uniqueSlug("two"), customDomain: domain }))
        const cause = (error as SqlError).cause as { code?: string; constraint?: string }
        expect([cause.code, cause.constraint]).toEqual(["23505", "tenants_custom_domain_host"])
      })
    )
  })
})
