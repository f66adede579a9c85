import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { auditTenancy, pgTempLast } from "@manara/db"
import { ownerSql, runtimeSql, withDatabase } from "@manara/testkit"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"

const urls = inject("manaraDatabase")

/** An administrator on the test database: only it may change a role's settings. */
const adminSql = PgClient.layer({ url: Redacted.make(withDatabase(urls.adminUrl, urls.database)), maxConnections: 1 })

/** Runs `change` and the audit in one transaction that is always rolled back. */
const auditAfter = (change: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    let findings: ReadonlyArray<string> = []
    yield* sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql.unsafe(change)
          findings = yield* auditTenancy
          return yield* Effect.fail("rollback" as const)
        })
      )
      .pipe(
        Effect.catchIf(
          (error) => error === "rollback",
          () => Effect.void
        )
      )
    return findings
  })

describe("the catalog keeps the tenancy rule", () => {
  it.layer(ownerSql(urls))((it) => {
    it.effect("the migrated schema has no findings", () =>
      Effect.gen(function* () {
        expect(yield* auditTenancy).toEqual([])
      })
    )

    it.effect("a tenant table without RLS is caught", () =>
      Effect.gen(function* () {
        const findings = yield* auditAfter("create table sneaky (tenant_id uuid not null, note text)")
        expect(findings).toContain("sneaky: row level security is not enabled")
        expect(findings).toContain("sneaky: row level security is not forced")
        expect(findings).toContain("sneaky: has 0 policies, expected exactly one")
      })
    )

    it.effect("RLS enabled but not forced, or a second permissive policy, is caught", () =>
      Effect.gen(function* () {
        const notForced = yield* auditAfter(`
          create table half (tenant_id uuid not null);
          alter table half enable row level security;
          create policy tenant_isolation on half using (tenant_id = (select app.current_tenant_id()))
            with check (tenant_id = (select app.current_tenant_id()))`)
        expect(notForced).toEqual(["half: row level security is not forced"])
        const extra = yield* auditAfter("create policy open_door on tenant_members using (true)")
        expect(extra).toContain("tenant_members: has 2 policies, expected exactly one")
        const wrong = yield* auditAfter(`
          create table loose (tenant_id uuid not null);
          alter table loose enable row level security; alter table loose force row level security;
          create policy tenant_isolation on loose using (true)`)
        expect(wrong.some((finding) => finding.startsWith("loose: policy tenant_isolation is not the tenant policy"))).toBe(true)
      })
    )

    it.effect("a definer view, an unpinned or public definer function, and audit rewrites are caught", () =>
      Effect.gen(function* () {
        expect(yield* auditAfter("create view member_view as select * from tenant_members")).toEqual([
          "view member_view runs with its owner's rights (no security_invoker)"
        ])
        expect(yield* auditAfter("create view member_view with (security_invoker = true) as select * from tenant_members")).toEqual([])
        const fn = yield* auditAfter("create function app.leak() returns int language sql security definer as $$ select 1 $$")
        expect(fn).toContain("SECURITY DEFINER function app.leak() does not pin search_path")
        expect(fn).toContain("SECURITY DEFINER function app.leak() is executable by PUBLIC")
        expect(yield* auditAfter("grant update on audit_log to manara_app")).toEqual(["runtime role has UPDATE on audit_log"])
      })
    )

    it.effect("a definer function that does not search pg_temp last is caught", () =>
      Effect.gen(function* () {
        const define = (path: string) =>
          auditAfter(`
            create function app.shadowed() returns bigint language sql security definer set search_path = ${path}
            as $$ select count(*) from tenants $$;
            revoke all on function app.shadowed() from public`)
        expect(yield* define("pg_catalog, public")).toEqual([
          "SECURITY DEFINER function app.shadowed() does not search pg_temp last (search_path=pg_catalog, public)"
        ])
        expect(yield* define("pg_temp, pg_catalog, public")).toHaveLength(1)
        expect(yield* define("pg_catalog, public, pg_temp")).toEqual([])
        expect(pgTempLast('pg_catalog, "pg_temp"')).toBe(true)
        expect(pgTempLast("pg_temp, public, pg_temp")).toBe(false)
      })
    )

    it.effect("TEMP on the database for the runtime role or for PUBLIC is caught", () =>
      Effect.gen(function* () {
        expect(yield* auditAfter(`grant temporary on database ${urls.database} to manara_app`)).toEqual([
          "runtime role may create temporary objects in this database"
        ])
        expect(yield* auditAfter(`grant temporary on database ${urls.database} to public`)).toEqual([
          "PUBLIC may create temporary objects in this database"
        ])
      })
    )

    it.effect("a foreign key without an index is caught", () =>
      Effect.gen(function* () {
        expect(yield* auditAfter("drop index pledges_visit")).toEqual([
          "pledges: foreign key pledges_tenant_id_visit_id_fkey (tenant_id, visit_id) has no index"
        ])
        // An index on the same columns in another order covers the key too.
        expect(yield* auditAfter("drop index pledges_visit; create index pledges_visit_swapped on pledges (visit_id, tenant_id)")).toEqual(
          []
        )
      })
    )
  })

  it.layer(adminSql)((it) => {
    it.effect("the runtime role's timeouts are set, and a missing one is caught", () =>
      Effect.gen(function* () {
        expect(yield* auditTenancy).toEqual([])
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ settings: Array<string> }>`
          select s.setconfig as settings from pg_db_role_setting s
          where s.setrole = 'manara_app'::regrole and s.setdatabase = (select oid from pg_database where datname = current_database())`
        expect(row!.settings).toEqual(expect.arrayContaining(["statement_timeout=15s", "idle_in_transaction_session_timeout=30s"]))
        expect(yield* auditAfter(`alter role manara_app in database ${urls.database} reset statement_timeout`)).toEqual([
          "runtime role has no statement_timeout"
        ])
        expect(yield* auditAfter(`alter role manara_app in database ${urls.database} set idle_in_transaction_session_timeout = 0`)).toEqual(
          ["runtime role has no idle_in_transaction_session_timeout"]
        )
      })
    )
  })

  it.layer(runtimeSql(urls, 1))((it) => {
    it.effect("a runtime session bounds its own waits: a stuck statement or an idle transaction ends", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{ statement: string; idle: string }>`
          select current_setting('statement_timeout') as statement,
            current_setting('idle_in_transaction_session_timeout') as idle`
        expect(row).toEqual({ statement: "15s", idle: "30s" })
      })
    )
  })
})
