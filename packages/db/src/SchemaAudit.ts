import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { RUNTIME_ROLE, RUNTIME_TIMEOUTS } from "./Roles.js"

/** Whether a search_path setting names pg_temp once, and last. */
export const pgTempLast = (searchPath: string): boolean => {
  const schemas = searchPath.split(",").map((schema) => schema.trim().replace(/^"(.*)"$/, "$1"))
  return schemas.at(-1) === "pg_temp" && schemas.indexOf("pg_temp") === schemas.length - 1
}

/** The policy every tenant table must carry, as Postgres prints it back. */
export const TENANT_POLICY_EXPRESSION = "(tenant_id = ( SELECT app.current_tenant_id() AS current_tenant_id))"

/**
 * The tenancy rule, checked against the live catalog. Each finding is one broken rule; an empty
 * list means: every table with `tenant_id` has RLS enabled and forced and exactly the one policy,
 * the runtime role cannot bypass it, owns nothing and cannot rewrite the audit log, no view runs
 * with its owner's rights, every SECURITY DEFINER function pins a search_path that ends in pg_temp and
 * is closed to PUBLIC, neither PUBLIC nor the runtime role may create temporary objects, the runtime
 * role's statements and idle transactions are bounded, and every foreign key has an index.
 */
export const auditTenancy = Effect.gen(function* () {
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

  const definers = yield* sql<{ name: string; search_path: string | null; public_execute: boolean }>`
    select p.oid::regprocedure::text as name,
      (select substr(setting, length('search_path=') + 1) from unnest(p.proconfig) as setting
        where setting like 'search_path=%') as search_path,
      (p.proacl is null or exists (select 1 from aclexplode(p.proacl) acl where acl.grantee = 0 and acl.privilege_type = 'EXECUTE')) as public_execute
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'`
  for (const fn of definers) {
    if (fn.search_path === null) findings.push(`SECURITY DEFINER function ${fn.name} does not pin search_path`)
    // pg_temp is searched first unless named, and anywhere but last it can shadow a table.
    else if (!pgTempLast(fn.search_path)) {
      findings.push(`SECURITY DEFINER function ${fn.name} does not search pg_temp last (search_path=${fn.search_path})`)
    }
    if (fn.public_execute) findings.push(`SECURITY DEFINER function ${fn.name} is executable by PUBLIC`)
  }

  // With no TEMP anywhere, nobody who runs queries here can create the temporary object a hijack needs.
  const temp = yield* sql<{ public_temp: boolean; runtime_temp: boolean }>`
    select (d.datacl is null or exists (select 1 from aclexplode(d.datacl) acl where acl.grantee = 0 and acl.privilege_type = 'TEMPORARY')) as public_temp,
      has_database_privilege(${RUNTIME_ROLE}, d.oid, 'TEMPORARY') as runtime_temp
    from pg_database d where d.datname = current_database()`
  for (const row of temp) {
    if (row.public_temp) findings.push(`PUBLIC may create temporary objects in this database`)
    else if (row.runtime_temp) findings.push(`runtime role may create temporary objects in this database`)
  }

  // A setting for this database wins over one for the role everywhere, as when Postgres applies them.
  const settings = yield* sql<{ setting: string }>`
    select unnest(s.setconfig) as setting
    from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
    where r.rolname = ${RUNTIME_ROLE}
      and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
    order by s.setdatabase desc`
  for (const name of Object.keys(RUNTIME_TIMEOUTS)) {
    const value = settings
      .map((row) => row.setting)
      .find((setting) => setting.startsWith(`${name}=`))
      ?.slice(name.length + 1)
    if (value === undefined || /^0+(ms|s|min|h|d)?$/.test(value)) findings.push(`runtime role has no ${name}`)
  }

  // A foreign key is covered when some full index starts with exactly its columns, in any order.
  const unindexed = yield* sql<{ name: string; constraint: string; columns: string }>`
    select c.conrelid::regclass::text as name, c.conname as constraint,
      (select string_agg(a.attname, ', ' order by k.o) from unnest(c.conkey) with ordinality k(n, o)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as columns
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
      and not exists (
        select 1 from pg_index i
        where i.indrelid = c.conrelid and i.indpred is null
          and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
          and c.conkey @> (i.indkey::int2[])[0:cardinality(c.conkey) - 1])`
  for (const fk of unindexed) findings.push(`${fk.name}: foreign key ${fk.constraint} (${fk.columns}) has no index`)

  return findings
})
