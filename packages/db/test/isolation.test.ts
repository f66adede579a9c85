import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { CurrentTenant, TenantSql } from "@manara/db"
import type { TenantId } from "@manara/domain"
import { createTenant, ownerSql, runtimeSql, type TenantFixture } from "@manara/testkit"
import { Effect, Exit, Layer } from "effect"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"

const urls = inject("manaraDatabase")
const OwnerLive = ownerSql(urls)
const RuntimeLive = TenantSql.Default.pipe(Layer.provideMerge(runtimeSql(urls, 4)))

/** One row of each tenant table, written under the tenant that is current. */
const sampleRows: Record<string, (userId: string) => Effect.Effect<unknown, unknown, SqlClient.SqlClient | CurrentTenant>> = {
  tenant_members: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into tenant_members (tenant_id, user_id, role) values (${tenant}, ${userId}, 'owner')`
    }),
  audit_log: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into audit_log (tenant_id, actor_user_id, action, entity_kind) values (${tenant}, ${userId}, 'tenant.test', 'tenant')`
    }),
  reference_counters: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into reference_counters (tenant_id, kind, year) values (${tenant}, 'DON', 2026)`
    }),
  tenant_invitations: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into tenant_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
        values (${tenant}, 'invitee@example.com', 'member', encode(sha256(${randomUUID()}::bytea), 'hex'), ${userId}, now() + interval '1 day')`
    }),
  idempotency_keys: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into idempotency_keys (tenant_id, key, request_hash) values (${tenant}, ${randomUUID()}, 'h')`
    }),
  // The catalog's rows point at each other: written in this order, the later ones reuse the earlier.
  media_assets: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into media_assets (tenant_id, key, content_type, byte_size, created_by)
        values (${tenant}, ${`${tenant}/${randomUUID()}.png`}, 'image/png', 10, ${userId})`
    }),
  catalog_items: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into catalog_items (tenant_id, kind, slug, title_ar, goal_amount, category, created_by)
        values (${tenant}, 'project', ${`p-${randomUUID()}`}, 'مشروع', 100, 'general', ${userId})`
    }),
  catalog_item_media: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into catalog_item_media (tenant_id, catalog_item_id, media_id, position)
        values (${tenant}, (select id from catalog_items limit 1), (select id from media_assets limit 1), 0)`
    }),
  proofs: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into proofs (tenant_id, catalog_item_id, kind, caption_ar, occurred_on, created_by)
        values (${tenant}, (select id from catalog_items limit 1), 'photo', 'صورة', current_date, ${userId})`
    }),
  visits: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into visits (tenant_id, visitor_id, utm_source) values (${tenant}, ${randomUUID()}, 'instagram')`
    }),
  traffic_events: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into traffic_events (tenant_id, visit_id, name) values (${tenant}, (select id from visits limit 1), 'view_item')`
    }),
  ai_usage_log: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into ai_usage_log (tenant_id, reservation_id, conversation_id, model, billed_month, input_tokens, output_tokens, cost_microfils, latency_ms, outcome)
        values (${tenant}, ${randomUUID()}, 'isolation', 'builtin', date_trunc('month', now())::date, 10, 20, 30, 1, 'ok')`
    }),
  faqs: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into faqs (tenant_id, question_ar, answer_ar) values (${tenant}, 'هل تقبلون الزكاة؟', 'نعم')`
    }),
  assistant_settings: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into assistant_settings (tenant_id, handoff_emails) values (${tenant}, '{staff@example.com}')`
    }),
  ai_conversations: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into ai_conversations (tenant_id, visit_id, visitor_token_hash)
        values (${tenant}, (select id from visits limit 1), encode(sha256(${randomUUID()}::bytea), 'hex'))`
    }),
  ai_messages: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into ai_messages (tenant_id, conversation_id, role, body) values (${tenant}, (select id from ai_conversations limit 1), 'visitor', 'مرحبا')`
    }),
  orders: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into orders (tenant_id, reference, customer_name, customer_phone, items, total, payment_method, receipt_token)
        values (${tenant}, 'ORD-2026-000001', 'زبون', '+96550000000', '[{"qty":1}]'::jsonb, 1, 'bank_transfer', ${randomUUID() + randomUUID()})`
    }),
  donations: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into donations (tenant_id, reference, catalog_item_id, amount, category, payment_method, receipt_token)
        values (${tenant}, 'DON-2026-000001', (select id from catalog_items limit 1), 5, 'zakat', 'bank_transfer', ${randomUUID() + randomUUID()})`
    }),
  pledges: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into pledges (tenant_id, reference, catalog_item_id, amount, due_date, donor_name, donor_phone, receipt_token)
        values (${tenant}, 'PLG-2026-000001', (select id from catalog_items limit 1), 50, current_date + 30, 'متبرع', '+96550000000', ${randomUUID() + randomUUID()})`
    }),
  notification_preferences: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into notification_preferences (tenant_id, channel, target) values (${tenant}, 'email', ${`${randomUUID()}@example.com`})`
    }),
  notification_outbox: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
        values (${tenant}, 'capture.created', '{}'::jsonb, 'email', 'staff@example.com', ${randomUUID()})`
    }),
  member_notifications: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into member_notifications (tenant_id, user_id, email_events) values (${tenant}, ${userId}, '{capture.donation}')`
    }),
  tenant_telegram_bots: () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into tenant_telegram_bots (tenant_id, token_ref) values (${tenant}, ${`secret://manara/tenant/${tenant}/telegram`})`
    }),
  status_changes: (userId) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tenant = yield* CurrentTenant
      yield* sql`insert into status_changes (tenant_id, entity_kind, entity_id, from_status, to_status, changed_by)
        values (${tenant}, 'catalog_item', ${randomUUID()}, 'draft', 'active', ${userId})`
    })
}

const tenantTables = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ name: string }>`
    select distinct c.relname as name from pg_class c join pg_attribute a on a.attrelid = c.oid
    join pg_namespace n on n.oid = c.relnamespace
    where a.attname = 'tenant_id' and c.relkind = 'r' and n.nspname = 'public' order by 1`.pipe(
    Effect.map((rows) => rows.map((row) => row.name))
  )
)

const createUser = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ id: string }>`insert into users (cognito_sub, email) values (${randomUUID()}, ${`${randomUUID()}@example.com`}) returning id`.pipe(
    Effect.map((rows) => rows[0]!.id)
  )
)

/** The order of `sampleRows` (references before referrers); a table it lacks fails the first test. */
const writeOrder = (tables: ReadonlyArray<string>) => Object.keys(sampleRows).filter((table) => tables.includes(table))

interface World {
  readonly a: TenantFixture
  readonly b: TenantFixture
  readonly tables: ReadonlyArray<string>
}

/** Two tenants, each with one row in every tenant table, written through the runtime role. */
const makeWorld: Effect.Effect<World, unknown, TenantSql | SqlClient.SqlClient> = Effect.gen(function* () {
  const [a, b, tables, userA, userB] = yield* Effect.all([createTenant(), createTenant(), tenantTables, createUser, createUser], {
    concurrency: 1
  }).pipe(Effect.provide(OwnerLive))
  const tenantSql = yield* TenantSql
  for (const [tenant, user] of [
    [a, userA],
    [b, userB]
  ] as const) {
    for (const table of writeOrder(tables)) yield* tenantSql.withTenant(tenant.id, sampleRows[table]!(user))
  }
  return { a, b, tables }
})

const countBy = (table: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ tenant_id: string; n: string }>`select tenant_id, count(*)::text as n from ${sql(table)} group by tenant_id`
  )

describe("tenant isolation, as the runtime role", () => {
  it.layer(RuntimeLive, { timeout: 120_000 })((it) => {
    it.effect("every tenant table has a sample row here, so a new table cannot skip this suite", () =>
      Effect.gen(function* () {
        const tables = yield* tenantTables.pipe(Effect.provide(OwnerLive))
        expect(tables.length).toBeGreaterThanOrEqual(4)
        for (const table of tables) expect(Object.keys(sampleRows)).toContain(table)
      })
    )

    it.effect("reads under A never return B's rows", () =>
      Effect.gen(function* () {
        const { a, b, tables } = yield* makeWorld
        const tenantSql = yield* TenantSql
        for (const table of tables) {
          const underA = yield* tenantSql.withTenant(a.id, countBy(table))
          expect(underA, table).toEqual([{ tenant_id: a.id, n: "1" }])
          const underB = yield* tenantSql.withTenant(b.id, countBy(table))
          expect(underB, table).toEqual([{ tenant_id: b.id, n: "1" }])
        }
      })
    )

    it.effect("writing B's tenant_id under A fails, and A cannot touch B's rows", () =>
      Effect.gen(function* () {
        const { a, b, tables } = yield* makeWorld
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        const userB = yield* createUser.pipe(Effect.provide(OwnerLive))
        for (const table of tables) {
          // The sample writer puts CurrentTenant's id in the row: give it B's id inside A's transaction.
          const forged = yield* Effect.exit(
            tenantSql.withTenant(a.id, Effect.provideService(sampleRows[table]!(userB), CurrentTenant, b.id))
          )
          expect(Exit.isFailure(forged), `${table}: insert with B's tenant_id under A`).toBe(true)
          const moved = yield* Effect.exit(
            tenantSql.withTenant(a.id, sql`update ${sql(table)} set tenant_id = ${b.id} where tenant_id = ${a.id}`)
          )
          expect(Exit.isFailure(moved), `${table}: update to B's tenant_id under A`).toBe(true)
          // Either refused outright (audit_log is append-only) or it finds nothing of B's to delete.
          const touched = yield* tenantSql
            .withTenant(a.id, sql`delete from ${sql(table)} where tenant_id = ${b.id} returning 1`)
            .pipe(Effect.orElseSucceed(() => []))
          expect(touched, `${table}: delete of B's rows under A`).toHaveLength(0)
          expect(yield* tenantSql.withTenant(b.id, countBy(table))).toEqual([{ tenant_id: b.id, n: "1" }])
        }
      })
    )

    it.effect("with no tenant, or an empty one, reads see nothing and writes fail", () =>
      Effect.gen(function* () {
        const { a, tables } = yield* makeWorld
        const sql = yield* SqlClient.SqlClient
        const userA = yield* createUser.pipe(Effect.provide(OwnerLive))
        for (const table of tables) {
          expect(yield* countBy(table), `${table}: no tenant`).toEqual([])
          const empty = yield* sql.withTransaction(Effect.zipRight(sql`select set_config('app.current_tenant', '', true)`, countBy(table)))
          expect(empty, `${table}: empty tenant`).toEqual([])
          const write = yield* Effect.exit(Effect.provideService(sampleRows[table]!(userA), CurrentTenant, a.id))
          expect(Exit.isFailure(write), `${table}: write with no tenant`).toBe(true)
          const writeEmpty = yield* Effect.exit(
            sql.withTransaction(
              Effect.zipRight(
                sql`select set_config('app.current_tenant', '', true)`,
                Effect.provideService(sampleRows[table]!(userA), CurrentTenant, a.id)
              )
            )
          )
          expect(Exit.isFailure(writeEmpty), `${table}: write with an empty tenant`).toBe(true)
        }
      })
    )

    it.effect("1,000 interleaved requests on a pool of 4 connections carry nothing over", () =>
      Effect.gen(function* () {
        const { a, b } = yield* makeWorld
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        const requests = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? a : b))
        const bleed = yield* Effect.forEach(
          requests,
          (tenant) =>
            tenantSql.withTenant(
              tenant.id,
              Effect.gen(function* () {
                const rows = yield* sql<{ tenant_id: string; setting: string }>`
              select tenant_id, current_setting('app.current_tenant') as setting from tenant_members`
                return rows.filter((row) => row.tenant_id !== tenant.id || row.setting !== tenant.id).length + (rows.length === 1 ? 0 : 1)
              })
            ),
          { concurrency: 16 }
        )
        expect(bleed.reduce((sum, n) => sum + n, 0)).toBe(0)
        // After all of that, a connection outside any tenant transaction has no tenant at all.
        const leftovers = yield* Effect.forEach(
          Array.from({ length: 8 }),
          () => sql<{ setting: string | null }>`select nullif(current_setting('app.current_tenant', true), '') as setting`,
          { concurrency: 8 }
        )
        expect(leftovers.flat().every((row) => row.setting === null)).toBe(true)
      })
    )

    it.effect("the audit log is append-only for the runtime role, even for its own tenant", () =>
      Effect.gen(function* () {
        const { a } = yield* makeWorld
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        const update = yield* Effect.exit(tenantSql.withTenant(a.id, sql`update audit_log set action = 'tenant.forged'`))
        const remove = yield* Effect.exit(tenantSql.withTenant(a.id, sql`delete from audit_log`))
        expect(Exit.isFailure(update)).toBe(true)
        expect(Exit.isFailure(remove)).toBe(true)
        expect(yield* tenantSql.withTenant(a.id, countBy("audit_log"))).toEqual([{ tenant_id: a.id, n: "1" }])
      })
    )

    it.effect("a failing effect rolls its writes back", () =>
      Effect.gen(function* () {
        const { a } = yield* makeWorld
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        const before = yield* tenantSql.withTenant(a.id, sql<{ n: string }>`select count(*)::text as n from idempotency_keys`)
        const failed = yield* Effect.exit(
          tenantSql.withTenant(a.id, Effect.zipRight(sampleRows.idempotency_keys!(""), Effect.fail("boom" as const)))
        )
        expect(Exit.isFailure(failed)).toBe(true)
        const after = yield* tenantSql.withTenant(a.id, sql<{ n: string }>`select count(*)::text as n from idempotency_keys`)
        expect(after).toEqual(before)
      })
    )

    it.effect("commitWith: the last statement commits with what came before it; when it fails nothing stays", () =>
      Effect.gen(function* () {
        const { a } = yield* makeWorld
        const tenantSql = yield* TenantSql
        const sql = yield* SqlClient.SqlClient
        const count = tenantSql
          .withTenant(a.id, sql<{ n: string }>`select count(*)::text as n from idempotency_keys`)
          .pipe(Effect.map((rows) => Number(rows[0]!.n)))
        const key = randomUUID()
        const last = sql<{
          key: string
        }>`insert into idempotency_keys (tenant_id, key, request_hash) values (${a.id}, ${key}, 'h') returning key`
        const before = yield* count
        const rows = yield* tenantSql.withTenant(a.id, Effect.zipRight(sampleRows.idempotency_keys!(""), tenantSql.commitWith(last)))
        expect(rows).toEqual([{ key }])
        expect(yield* count).toBe(before + 2)
        // The same key again breaks the unique key: the row written before it goes as well.
        const failed = yield* Effect.exit(
          tenantSql.withTenant(a.id, Effect.zipRight(sampleRows.idempotency_keys!(""), tenantSql.commitWith(last)))
        )
        expect(Exit.isFailure(failed)).toBe(true)
        expect(yield* count).toBe(before + 2)
        // Its values travel inlined: quotes, backslashes, a `$1` and SQL in a value stay a value.
        const hostile = `it's \\ $1 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 '); delete from idempotency_keys; --`
        const echoed = yield* tenantSql.withTenant(
          a.id,
          tenantSql.commitWith(sql<{ key: string; request_hash: string; n: number | null }>`
            insert into idempotency_keys (tenant_id, key, request_hash) values (${a.id}, ${hostile}, ${"E'\\x'"})
            returning key, request_hash, ${null}::int as n`)
        )
        expect(echoed).toEqual([{ key: hostile, request_hash: "E'\\x'", n: null }])
        expect(yield* count).toBe(before + 3)
        // Nothing may follow it, and outside a tenant transaction it is refused.
        const twice = yield* Effect.exit(
          tenantSql.withTenant(a.id, Effect.zipRight(tenantSql.commitWith(sql`select 1`), tenantSql.commitWith(sql`select 1`)))
        )
        expect(Exit.isFailure(twice)).toBe(true)
        const outside = yield* Effect.exit(Effect.provideService(tenantSql.commitWith(sql`select 1`), CurrentTenant, a.id))
        expect(Exit.isFailure(outside)).toBe(true)
        // The pool's connections came back clean: every one of them still reads under its tenant only.
        const counts = yield* Effect.all(
          Array.from({ length: 8 }, () => count),
          { concurrency: 8 }
        )
        expect(new Set(counts)).toEqual(new Set([before + 3]))
      })
    )

    it.effect("refuses an id that is not a canonical UUID, and a nested door to another tenant", () =>
      Effect.gen(function* () {
        const { a, b } = yield* makeWorld
        const tenantSql = yield* TenantSql
        const injected = yield* Effect.exit(tenantSql.withTenant(`${a.id}'); select 1; --` as TenantId, Effect.void))
        expect(Exit.isFailure(injected)).toBe(true)
        const nested = yield* Effect.exit(tenantSql.withTenant(a.id, tenantSql.withTenant(b.id, Effect.void)))
        expect(Exit.isFailure(nested)).toBe(true)
      })
    )
  })
})
