import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { auditTenancy } from "@manara/db"
import { ownerSql } from "@manara/testkit"
import { Effect } from "effect"
import { inject } from "vitest"

const urls = inject("manaraDatabase")

/** Runs `change` and the audit in one transaction that is always rolled back. */
const auditAfter = (change: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    let findings: ReadonlyArray<string> = []
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql.unsafe(change)
      findings = yield* auditTenancy
      return yield* Effect.fail("rollback" as const)
    })).pipe(Effect.catchIf((error) => error === "rollback", () => Effect.void))
    return findings
  })

describe("the catalog keeps the tenancy rule", () => {
  it.layer(ownerSql(urls))((it) => {
    it.effect("the migrated schema has no findings", () =>
      Effect.gen(function*() {
        expect(yield* auditTenancy).toEqual([])
      }))

    it.effect("a tenant table without RLS is caught", () =>
      Effect.gen(function*() {
        const findings = yield* auditAfter("create table sneaky (tenant_id uuid not null, note text)")
        expect(findings).toContain("sneaky: row level security is not enabled")
        expect(findings).toContain("sneaky: row level security is not forced")
        expect(findings).toContain("sneaky: has 0 policies, expected exactly one")
      }))

    it.effect("RLS enabled but not forced, or a second permissive policy, is caught", () =>
      Effect.gen(function*() {
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
      }))

    it.effect("a definer view, an unpinned or public definer function, and audit rewrites are caught", () =>
      Effect.gen(function*() {
        expect(yield* auditAfter("create view member_view as select * from tenant_members"))
          .toEqual(["view member_view runs with its owner's rights (no security_invoker)"])
        expect(yield* auditAfter("create view member_view with (security_invoker = true) as select * from tenant_members"))
          .toEqual([])
        const fn = yield* auditAfter("create function app.leak() returns int language sql security definer as $$ select 1 $$")
        expect(fn).toContain("SECURITY DEFINER function app.leak() does not pin search_path")
        expect(fn).toContain("SECURITY DEFINER function app.leak() is executable by PUBLIC")
        expect(yield* auditAfter("grant update on audit_log to manara_app")).toEqual(["runtime role has UPDATE on audit_log"])
      }))
  })
})
