import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { PgClient } from "@effect/sql-pg"
import { runtimeSql, uniqueSlug, withDatabase } from "@manara/testkit"
import { Effect, Redacted } from "effect"
import { randomUUID } from "node:crypto"
import { inject } from "vitest"

const urls = inject("manaraDatabase")

/** An administrator on the test database: to make fixtures and grant TEMP inside a rolled-back transaction. */
const adminSql = PgClient.layer({ url: Redacted.make(withDatabase(urls.adminUrl, urls.database)), maxConnections: 1 })

interface Fixture {
  readonly tenantId: string
  readonly slug: string
  readonly userId: string
  readonly sub: string
  readonly email: string
}

/**
 * Every SECURITY DEFINER function, the tables it reads by name (what a temporary object would shadow)
 * and a call that shows what it answers. A new definer function must be added here, or the suite fails.
 */
const DEFINERS: Record<string, { readonly reads: ReadonlyArray<string>; readonly call: (f: Fixture) => string }> = {
  "app.ai_usage_by_tenant(date)": {
    reads: ["tenants", "plans", "ai_usage_log"],
    call: (f) =>
      `select tenant_id, slug, token_budget, tokens, calls from app.ai_usage_by_tenant('2026-12-01') where tenant_id = '${f.tenantId}'`
  },
  "app.current_tenant_ai_plan()": {
    reads: ["tenants", "plans"],
    call: () => `select plan_code, token_budget, cost_budget, max_output_tokens from app.current_tenant_ai_plan()`
  },
  // The same override twice answers the same (true) and leaves the tenant as it was in the rolled-back transaction.
  "app.set_tenant_ai_budget(uuid,bigint,bigint)": {
    reads: ["tenants"],
    call: (f) => `select app.set_tenant_ai_budget('${f.tenantId}', null, null) as done`
  },
  // A zero lease leaves the row due again, so a second call claims it again and answers the same.
  "app.claim_outbox(text,integer,interval,uuid[])": {
    reads: ["notification_outbox"],
    call: (f) => `select tenant_id, id, event, target from app.claim_outbox('email', 10, '0 seconds', array['${f.tenantId}']::uuid[])`
  },
  // Counts only: the fixture's row is due (pending, or claimed above with a lease already out).
  "app.outbox_backlog(uuid[])": {
    reads: ["notification_outbox"],
    call: (f) => `select due_rows, pending_rows + sending_rows as open_rows from app.outbox_backlog(array['${f.tenantId}']::uuid[])`
  },
  // The fixture's row is open, not delivered: nothing to purge, both times (the whole transaction is rolled back anyway).
  "app.purge_outbox(interval,interval,integer,uuid[])": {
    reads: ["notification_outbox"],
    call: (f) => `select app.purge_outbox('0 seconds', '0 seconds', 10, array['${f.tenantId}']::uuid[]) as deleted`
  },
  "app.current_tenant_letterhead()": {
    reads: ["tenants"],
    call: () => `select slug, name_ar, branding from app.current_tenant_letterhead()`
  },
  "app.current_tenant_profile()": {
    reads: ["tenants"],
    call: () => `select default_locale, branding, settings from app.current_tenant_profile()`
  },
  // Saves what is already there at the version stored now, so every call answers the same (what was there, and that it saved).
  "app.save_tenant_profile(text,jsonb,jsonb,bigint)": {
    reads: ["tenants"],
    call: () =>
      `select default_locale, branding, settings, saved from app.save_tenant_profile('ar', '{}'::jsonb, '{"real": true}'::jsonb,
         (select settings_version from app.current_tenant_profile()))`
  },
  // Custom domains (0024), in this order: each pass claims, verifies and removes, so both passes start and end with none.
  "app.current_tenant_domain()": {
    reads: ["tenants"],
    call: () => `select domain is null as no_domain, claim is null as no_claim from app.current_tenant_domain()`
  },
  "app.claim_custom_domain(text,text)": {
    reads: ["tenants"],
    call: (f) =>
      `select taken, previous_domain, previous_claim from app.claim_custom_domain('${f.slug}.example.org', 'hijack-token-0123456789')`
  },
  "app.verify_custom_domain(text,text)": {
    reads: ["tenants"],
    call: (f) => `select app.verify_custom_domain('${f.slug}.example.org', 'hijack-token-0123456789') as verified`
  },
  "app.remove_custom_domain()": {
    reads: ["tenants"],
    call: () => `select previous_domain is not null as had_domain, previous_claim from app.remove_custom_domain()`
  },
  "app.current_tenant_settings()": {
    reads: ["tenants"],
    call: () => `select name_ar, kind, settings from app.current_tenant_settings()`
  },
  "app.member_profiles(uuid)": {
    reads: ["users", "tenant_members"],
    call: (f) => `select user_id, email, mfa_enabled from app.member_profiles('${f.tenantId}')`
  },
  "app.platform_tenants()": {
    reads: ["tenants", "tenant_members"],
    call: (f) => `select id, slug, status, members from app.platform_tenants() where id = '${f.tenantId}'`
  },
  "app.resolve_tenant(text,text)": {
    reads: ["tenants"],
    call: (f) => `select id, slug, name_ar from app.resolve_tenant('${f.slug}.hijack.test', 'hijack.test')`
  },
  "app.set_user_mfa(uuid,boolean)": {
    reads: ["users"],
    call: (f) => `select app.set_user_mfa('${f.userId}', false) is null as done`
  },
  "app.sign_in_user(text,text)": {
    reads: ["users"],
    call: (f) => `select id, email, is_platform_admin from app.sign_in_user('${f.sub}', '${f.email}')`
  },
  "app.tenant_by_slug(text)": {
    reads: ["tenants"],
    call: (f) => `select id, slug, name_ar from app.tenant_by_slug('${f.slug}')`
  },
  "app.user_by_sub(text)": {
    reads: ["users"],
    call: (f) => `select id, email, is_platform_admin from app.user_by_sub('${f.sub}')`
  },
  "app.tenants_with_instalments_due(date,date)": {
    reads: ["pledges"],
    call: (f) => `select t from app.tenants_with_instalments_due('2026-01-01', '2026-12-31') t where t = '${f.tenantId}'`
  },
  "app.tenants_with_unsummed_traffic(date)": {
    reads: ["visits", "traffic_days", "tenants"],
    call: (f) => `select t from app.tenants_with_unsummed_traffic('2026-06-01') t where t = '${f.tenantId}'`
  },
  "app.user_memberships(uuid)": {
    reads: ["tenant_members", "tenants"],
    call: (f) => `select tenant_id, slug, role from app.user_memberships('${f.userId}') where tenant_id = '${f.tenantId}'`
  },
  "app.current_tenant_limits()": {
    reads: ["tenants", "plans"],
    call: () => `select plan_code, max_catalog_items, max_storage_bytes, max_members, max_monthly_captures from app.current_tenant_limits()`
  },
  // The fixture's slug is taken: nothing is created, both times.
  "app.platform_create_tenant(uuid,text,text,text,text,text,jsonb)": {
    reads: ["tenants"],
    call: (f) => `select app.platform_create_tenant('${f.tenantId}', '${f.slug}', 'charity', 'جمعية', 'x', 'free', '{}') as created`
  },
  "app.platform_set_tenant_status(uuid,text)": {
    reads: ["tenants"],
    call: (f) => `select slug, previous from app.platform_set_tenant_status('${f.tenantId}', 'active')`
  },
  "app.platform_tenant_limits(uuid)": {
    reads: ["tenants"],
    call: (f) => `select id, slug, status, plan_code, max_members from app.platform_tenant_limits('${f.tenantId}')`
  },
  "app.platform_set_tenant_limits(uuid,text,integer,bigint,integer,integer)": {
    reads: ["tenants"],
    call: (f) => `select app.platform_set_tenant_limits('${f.tenantId}', 'free', null, null, null, null) as done`
  },
  // The free plan saved as it is: the plan before is the same both times.
  "app.platform_save_plan(text,text,text,bigint,bigint,integer,bigint,integer,integer,numeric)": {
    reads: ["plans"],
    call: () =>
      `select app.platform_save_plan(code, name_ar, name_en, monthly_ai_token_budget, monthly_ai_cost_budget, max_catalog_items,
        max_storage_bytes, max_members, max_monthly_captures, price) - 'updated_at' as before from public.plans where code = 'free'`
  },
  "app.suspended_tenant_at(text,text)": {
    reads: ["tenants"],
    call: (f) => `select slug, name_ar from app.suspended_tenant_at('${f.slug}-off.hijack.test', 'hijack.test')`
  },
  "app.platform_figures(timestamp with time zone,timestamp with time zone)": {
    reads: ["tenants", "orders", "donations", "pledges", "ai_usage_log"],
    call: () =>
      `select tenants_suspended > 0 as some_suspended, pledges > 0 as some_pledges from app.platform_figures('2000-01-01', '2100-01-01')`
  }
}

const DECOY_TENANT = "00000000-0000-4000-8000-0000000000ff"

/**
 * Temporary views shaped like the real tables, each with one decoy row that would change any answer,
 * and readable by everyone (a function's owner included), as an attacker would make them.
 */
const decoys = (f: Fixture): Record<string, string> =>
  Object.fromEntries(
    Object.entries({
      tenants: `create temporary view tenants as select '${DECOY_TENANT}'::uuid as id, '${f.slug}'::text as slug,
    null::text as custom_domain, 'store'::text as kind, 'decoy'::text as name_en, 'decoy'::text as name_ar,
    'ar'::text as default_locale, '{}'::jsonb as branding, '{"decoy": true}'::jsonb as settings, 'pro'::text as plan_code,
    null::bigint as ai_monthly_token_budget, 'active'::text as status, now() as created_at, now() as updated_at`,
      users: `create temporary view users as select '${f.userId}'::uuid as id, '${f.sub}'::text as cognito_sub,
    'decoy@hijack.test'::text as email, 'decoy'::text as display_name, 'ar'::text as locale, true as is_platform_admin,
    true as mfa_enabled, now() as created_at, now() as updated_at`,
      tenant_members: `create temporary view tenant_members as select '${f.tenantId}'::uuid as tenant_id,
    gen_random_uuid() as id, '${f.userId}'::uuid as user_id, 'owner'::text as role, 'active'::text as status,
    null::uuid as invited_by, now() as created_at, now() as updated_at`,
      // Empty decoys: every answer that reads them is non-empty, so being shadowed would show.
      notification_outbox: `create temporary view notification_outbox as select * from public.notification_outbox where false`,
      pledges: `create temporary view pledges as select * from public.pledges where false`,
      orders: `create temporary view orders as select * from public.orders where false`,
      donations: `create temporary view donations as select * from public.donations where false`,
      plans: `create temporary view plans as select * from public.plans where false`,
      ai_usage_log: `create temporary view ai_usage_log as select * from public.ai_usage_log where false`,
      visits: `create temporary view visits as select * from public.visits where false`,
      // A day summed past the one asked about: shadowing would hide the tenant.
      traffic_days: `create temporary view traffic_days as select '${f.tenantId}'::uuid as tenant_id, '2026-12-31'::date as day, 0 as visits, 0 as unique_visitors`
    }).map(([table, view]) => [table, `${view}; grant select, insert, update on pg_temp.${table} to public`])
  )

const sqlState = (error: unknown) => (error instanceof SqlError ? (error.cause as { code?: string } | undefined)?.code : undefined)

/** Every definer function's answer, or its error, by name. */
const answers = (f: Fixture) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const out: Record<string, unknown> = {}
    for (const [name, { call }] of Object.entries(DEFINERS)) {
      out[name] = yield* sql.unsafe(call(f)).pipe(
        Effect.map((rows) => JSON.parse(JSON.stringify(rows)) as unknown),
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- pg's error prints as "error: <message>", what the answers compare
        Effect.catchAll((error) => Effect.succeed({ error: String(error.cause ?? error) }))
      )
    }
    return out
  })

/**
 * As an administrator, in one transaction that is always rolled back: a tenant, a member and their
 * user; TEMP granted back to the runtime role (as if the first defence were lost); then, as the
 * runtime role with the tenant set, `body`.
 */
const asRuntimeWithTemp = <A, E>(body: (f: Fixture) => Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const f: Fixture = {
      tenantId: randomUUID(),
      slug: uniqueSlug("hijack"),
      userId: randomUUID(),
      sub: `sub-${randomUUID()}`,
      email: `${uniqueSlug("member")}@hijack.test`
    }
    let result: A | undefined
    yield* sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`insert into tenants (id, slug, kind, name_ar, settings) values (${f.tenantId}, ${f.slug}, 'charity', 'جمعية', '{"real": true}'::jsonb)`
          // A suspended tenant beside it, for the suspended storefront's notice.
          yield* sql`insert into tenants (slug, kind, name_ar, status) values (${`${f.slug}-off`}, 'charity', 'جمعية موقوفة', 'suspended')`
          yield* sql`insert into users (id, cognito_sub, email) values (${f.userId}, ${f.sub}, ${f.email})`
          yield* sql`insert into tenant_members (tenant_id, user_id, role) values (${f.tenantId}, ${f.userId}, 'member')`
          yield* sql`insert into notification_outbox (tenant_id, event, payload, channel, target, dedupe_key)
        values (${f.tenantId}, 'donation.received', '{}'::jsonb, 'email', 'donor@hijack.test', 'hijack')`
          yield* sql`insert into pledges (tenant_id, reference, amount, schedule, instalments, due_date, donor_name, donor_phone, donor_email, receipt_token)
        values (${f.tenantId}, 'PLG-2026-000001', 12.5, 'monthly', 3, '2026-05-01', 'متبرع', '+96550000000', 'donor@hijack.test', ${randomUUID() + randomUUID()})`
          yield* sql`insert into visits (tenant_id, visitor_id, created_at) values (${f.tenantId}, 'hijack', '2026-01-01T12:00:00+03:00')`
          yield* sql.unsafe(`grant temporary on database ${urls.database} to manara_app`)
          yield* sql`select set_config('app.current_tenant', ${f.tenantId}, true)`
          yield* sql.unsafe("set local role manara_app")
          result = yield* body(f)
          return yield* Effect.fail("rollback" as const)
        })
      )
      .pipe(
        Effect.catchIf(
          (error) => error === "rollback",
          () => Effect.void
        )
      )
    return result as A
  })

describe("definer functions cannot be hijacked", () => {
  it.layer(runtimeSql(urls, 1))((it) => {
    it.effect("the list of definer functions here is every SECURITY DEFINER function in the database", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ name: string }>`
          select p.oid::regprocedure::text as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where p.prosecdef and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' order by 1`
        expect(rows.map((row) => row.name)).toEqual(Object.keys(DEFINERS).sort())
      })
    )

    it.effect("the runtime role cannot create a temporary view or table named like any table a definer function reads", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const tables = [...new Set(Object.values(DEFINERS).flatMap((definer) => definer.reads))].sort()
        expect(tables).toEqual([
          "ai_usage_log",
          "donations",
          "notification_outbox",
          "orders",
          "plans",
          "pledges",
          "tenant_members",
          "tenants",
          "traffic_days",
          "users",
          "visits"
        ])
        for (const table of tables) {
          for (const statement of [`create temporary view ${table} as select 1 as id`, `create temporary table ${table} (id uuid)`]) {
            const error = yield* Effect.flip(sql.unsafe(statement))
            expect(sqlState(error), statement).toBe("42501")
          }
        }
        const fn = yield* Effect.flip(sql.unsafe("create function pg_temp.steal() returns int language sql as $$ select 1 $$"))
        expect(sqlState(fn)).toBe("42501")
      })
    )
  })

  it.layer(adminSql)((it) => {
    it.effect("with TEMP given back, temporary views shadowing every table change no definer function's answer", () =>
      Effect.gen(function* () {
        const { after, before, privileges, shadowed } = yield* asRuntimeWithTemp((f) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const before = yield* answers(f)
            for (const statement of Object.values(decoys(f))) yield* sql.unsafe(statement)
            // The decoys are real: an unqualified name in this session now finds them.
            const shadowed = yield* sql<{ name_ar: string }>`select name_ar from tenants`
            const after = yield* answers(f)
            const privileges = yield* sql<{ tenants: boolean; users: boolean }>`
              select has_table_privilege('manara_app', 'public.tenants', 'SELECT') as tenants,
                has_table_privilege('manara_app', 'public.users', 'SELECT') as users`
            return { before, after, shadowed, privileges }
          })
        )
        expect(shadowed).toEqual([{ name_ar: "decoy" }])
        expect(Object.keys(after)).toEqual(Object.keys(DEFINERS))
        for (const [name, answer] of Object.entries(before)) {
          expect(answer, name).not.toHaveProperty("error")
          expect(answer, name).not.toEqual([])
        }
        expect(after).toEqual(before)
        expect(JSON.stringify(after)).not.toContain("decoy")
        expect(JSON.stringify(after)).not.toContain(DECOY_TENANT)
        expect(privileges).toEqual([{ tenants: false, users: false }])
      })
    )

    it.effect("the same hijack does reach a definer function whose search_path leaves out pg_temp", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const hijacked = yield* asRuntimeWithTemp((f) =>
          Effect.gen(function* () {
            yield* sql.unsafe("reset role")
            yield* sql.unsafe("alter function app.tenant_by_slug(text) set search_path = pg_catalog, public")
            yield* sql.unsafe("set local role manara_app")
            yield* sql.unsafe(decoys(f).tenants!)
            return yield* sql.unsafe<{ id: string; name_ar: string }>(DEFINERS["app.tenant_by_slug(text)"]!.call(f))
          })
        )
        expect(hijacked).toEqual([{ id: DECOY_TENANT, slug: expect.any(String), name_ar: "decoy" }])
      })
    )
  })
})
