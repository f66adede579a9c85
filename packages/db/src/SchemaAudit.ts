import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { RUNTIME_ROLE } from "./Roles.js"

/** The policy every tenant table must carry, as Postgres prints it back. */
export const TENANT_POLICY_EXPRESSION = "(tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))"

/**
 * The tenancy rule, checked against the live catalog. Each finding is one broken rule; an empty
 * list means: every table with `tenant_id` has RLS enabled and forced and exactly the one policy,
 * the runtime role cannot bypass it, owns nothing and cannot rewrite the audit log, no view runs
 * with its owner's rights, and every SECURITY DEFINER function pins search_path and is closed to PUBLIC.
 */
export const auditTenancy = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const findings: Array<string> = []

  const tables = yield* sql<{ oid: string; name: string; rls: boolean; forced: boolean }>`
    select c.oid::int8::text as oid, c.oid::regclass::text as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`
  for (const table of tables) {
    if (!table.rls) findings.push(`${table.name}: row level security is not enabled`)
    if (!table.forced) findings.push(`${table.name}: row level security is not forced`)
    const policies = yield* sql<{ name: string; forAll: boolean; qual: string | null; check: string | null }>`
      select polname as name, (polcmd = '*' and polpermissive and polroles = '{0}') as "forAll",
        pg_get_expr(polqual, polrelid) as qual, pg_get_expr(polwithcheck, polrelid) as check
      from pg_policy where polrelid = ${table.oid}::int8::oid`
    if (policies.length !== 1) {
      findings.push(`${table.name}: has ${policies.length} policies, expected exactly one`)
      continue
    }
    const [policy] = policies
    if (!policy!.forAll) {
      findings.push(`${table.name}: policy ${policy!.name} must be a permissive policy FOR ALL TO PUBLIC`)
    }
    if (policy!.qual !== TENANT_POLICY_EXPRESSION || policy!.check !== TENANT_POLICY_EXPRESSION) {
      findings.push(`${table.name}: policy ${policy!.name} is not the tenant policy (${policy!.qual} / ${policy!.check})`)
    }
  }

  const roles = yield* sql<{ super: boolean; bypass: boolean; createdb: boolean; createrole: boolean }>`
    select rolsuper as super, rolbypassrls as bypass, rolcreatedb as createdb, rolcreaterole as createrole
    from pg_roles where rolname = ${RUNTIME_ROLE}`
  if (roles.length !== 1) findings.push(`runtime role ${RUNTIME_ROLE} does not exist`)
  for (const role of roles) {
    if (role.super) findings.push(`runtime role is a superuser`)
    if (role.bypass) findings.push(`runtime role has BYPASSRLS`)
    if (role.createdb || role.createrole) findings.push(`runtime role can create databases or roles`)
  }

  // A role that bypasses RLS may exist only to own door functions: no login, owns no table, and the
  // runtime role is not a member of it.
  const bypassing = yield* sql<{ name: string; login: boolean; tables: string; runtime_member: boolean }>`
    select r.rolname as name, r.rolcanlogin as login,
      (select count(*) from pg_class c where c.relowner = r.oid)::text as tables,
      pg_has_role(${RUNTIME_ROLE}, r.oid, 'MEMBER') as runtime_member
    from pg_roles r where r.rolbypassrls and not r.rolsuper`
  for (const role of bypassing) {
    if (role.login) findings.push(`role ${role.name} bypasses RLS and can log in`)
    if (role.tables !== "0") findings.push(`role ${role.name} bypasses RLS and owns tables`)
    if (role.runtime_member) findings.push(`runtime role is a member of ${role.name}, which bypasses RLS`)
  }

  const owned = yield* sql<{ name: string }>`
    select c.oid::regclass::text as name from pg_class c where c.relowner = (select oid from pg_roles where rolname = ${RUNTIME_ROLE})
    union all
    select n.nspname from pg_namespace n where n.nspowner = (select oid from pg_roles where rolname = ${RUNTIME_ROLE})
    union all
    select p.oid::regprocedure::text from pg_proc p where p.proowner = (select oid from pg_roles where rolname = ${RUNTIME_ROLE})`
  for (const object of owned) findings.push(`runtime role owns ${object.name}`)

  const auditWrites = yield* sql<{ privilege: string }>`
    select privilege from unnest(array['UPDATE', 'DELETE', 'TRUNCATE']) as privilege
    where to_regclass('public.audit_log') is not null
      and has_table_privilege(${RUNTIME_ROLE}, 'public.audit_log', privilege)`
  for (const row of auditWrites) findings.push(`runtime role has ${row.privilege} on audit_log`)

  const views = yield* sql<{ name: string }>`
    select c.oid::regclass::text as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
      and not coalesce(c.reloptions @> array['security_invoker=true'] or c.reloptions @> array['security_invoker=on'], false)`
  for (const view of views) findings.push(`view ${view.name} runs with its owner's rights (no security_invoker)`)

  const definers = yield* sql<{ name: string; pinned: boolean; public_execute: boolean }>`
    select p.oid::regprocedure::text as name,
      coalesce(exists (select 1 from unnest(p.proconfig) as setting where setting like 'search_path=%'), false) as pinned,
      (p.proacl is null or exists (select 1 from aclexplode(p.proacl) acl where acl.grantee = 0 and acl.privilege_type = 'EXECUTE')) as public_execute
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'`
  for (const fn of definers) {
    if (!fn.pinned) findings.push(`SECURITY DEFINER function ${fn.name} does not pin search_path`)
    if (fn.public_execute) findings.push(`SECURITY DEFINER function ${fn.name} is executable by PUBLIC`)
  }

  return findings
})
