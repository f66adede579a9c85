-- Hold the line: definer functions cannot be hijacked, one host is one tenant, every foreign key is
-- indexed, and catalog cursors no longer carry a platform-wide counter.

-- ---------------------------------------------------------------- no temporary objects

-- A temporary view named like a table would be found before it by a definer function: nobody who
-- runs queries here may create one (PUBLIC has TEMP on every new database by default).
do $$
begin
  execute format('revoke temporary on database %I from public', current_database());
  execute format('revoke temporary on database %I from manara_app', current_database());
end $$;

-- ---------------------------------------------------------------- definer functions search pg_temp last

-- Without pg_temp in search_path it is searched first; named last, it can never shadow a table.
do $$
declare f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and n.nspname in ('app', 'public')
  loop
    execute format('alter function %s set search_path = pg_catalog, public, pg_temp', f);
  end loop;
end $$;

-- ---------------------------------------------------------------- one host, one tenant

-- Custom domains are unique as hosts are compared: case-insensitively, without a trailing dot.
alter table tenants drop constraint tenants_custom_domain_key;
create unique index tenants_custom_domain_host on tenants (lower(rtrim(custom_domain, '.')));

-- A host under the platform domain is only ever `{slug}.{platform_domain}`; any other host is a
-- custom domain, compared exactly. The platform domain is compared as text, never as a pattern.
create or replace function app.resolve_tenant(host text, platform_domain text)
  returns table (
    id uuid, slug text, kind text, name_en text, name_ar text, default_locale text, branding jsonb
  )
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with wanted as (
    select h.host, d.domain,
      right(h.host, length(d.domain) + 1) = '.' || d.domain or h.host = d.domain as on_platform
    from (select rtrim(lower(host), '.') as host) h, (select rtrim(lower(platform_domain), '.') as domain) d
  )
  select t.id, t.slug, t.kind, t.name_en, t.name_ar, t.default_locale, t.branding
  from wanted w join public.tenants t
    on case when w.on_platform
      then length(w.host) > length(w.domain) + 1 and t.slug = left(w.host, length(w.host) - length(w.domain) - 1)
      else lower(rtrim(t.custom_domain, '.')) = w.host
    end
  where t.status = 'active'
  order by t.id
  limit 1
$$;

-- ---------------------------------------------------------------- every foreign key indexed

-- A delete or key update on the referenced side scans the referencing table without these.
create index tenants_plan_code on tenants (plan_code);
create index tenant_members_invited_by on tenant_members (invited_by);
create index audit_log_actor on audit_log (actor_user_id);
create index tenant_invitations_accepted_by on tenant_invitations (accepted_by);
create index tenant_invitations_invited_by on tenant_invitations (invited_by);
create index media_assets_created_by on media_assets (created_by);
create index catalog_items_created_by on catalog_items (created_by);
create index catalog_items_cover on catalog_items (tenant_id, cover_media_id);
create index catalog_item_media_media on catalog_item_media (tenant_id, media_id);
create index status_changes_changed_by on status_changes (changed_by);
create index proofs_created_by on proofs (created_by);
create index proofs_media on proofs (tenant_id, media_id);
create index orders_visit on orders (tenant_id, visit_id);
create index donations_visit on donations (tenant_id, visit_id);
create index pledges_item on pledges (tenant_id, catalog_item_id);
create index pledges_fulfilled_by on pledges (tenant_id, fulfilled_by);
create index pledges_visit on pledges (tenant_id, visit_id);

-- ---------------------------------------------------------------- catalog keyset without a global counter

-- `seq` came from one identity for all tenants: its gaps in a cursor showed other tenants' activity.
-- Items of equal `sort` are ordered newest first by (created_at, id) instead.
drop index catalog_items_order;
alter table catalog_items drop column seq;
create index catalog_items_order on catalog_items (tenant_id, sort, created_at desc, id desc);
