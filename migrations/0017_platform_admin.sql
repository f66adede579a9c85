-- The platform admin console: tenants created, suspended and reactivated by platform admins, plans
-- with limits on items, storage, members and monthly captures, per-tenant overrides of those limits,
-- and platform-wide figures. `tenants` and `plans` stay global and closed to the runtime role: every
-- write goes through a narrow SECURITY DEFINER function; the API checks `is_platform_admin` first.

-- A masjid is a tenant of its own kind; 'store' stays the shop.
alter table tenants drop constraint tenants_kind_check;
alter table tenants add constraint tenants_kind_check check (kind in ('charity', 'masjid', 'store'));

-- ---------------------------------------------------------------- plan limits and overrides

alter table plans
  add column max_storage_bytes bigint not null default 104857600 check (max_storage_bytes >= 0),
  add column max_monthly_captures integer not null default 200 check (max_monthly_captures >= 0);
-- 100 MiB / 200 a month, 5 GiB / 5,000, 50 GiB / 50,000.
update plans set max_storage_bytes = 5368709120, max_monthly_captures = 5000 where code = 'standard';
update plans set max_storage_bytes = 53687091200, max_monthly_captures = 50000 where code = 'pro';

-- A tenant's own limits (null: its plan's). The AI budget overrides have existed since 0001/0012.
alter table tenants
  add column max_catalog_items integer check (max_catalog_items >= 0),
  add column max_storage_bytes bigint check (max_storage_bytes >= 0),
  add column max_members integer check (max_members >= 1),
  add column max_monthly_captures integer check (max_monthly_captures >= 0);

-- The current tenant's limits (its override, else its plan's): what `requireWithinPlan` checks.
create function app.current_tenant_limits()
  returns table (plan_code text, max_catalog_items integer, max_storage_bytes bigint, max_members integer, max_monthly_captures integer)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select p.code, coalesce(t.max_catalog_items, p.max_catalog_items), coalesce(t.max_storage_bytes, p.max_storage_bytes),
    coalesce(t.max_members, p.max_members), coalesce(t.max_monthly_captures, p.max_monthly_captures)
  from tenants t join plans p on p.code = t.plan_code
  where t.id = app.current_tenant_id()
$$;

-- ---------------------------------------------------------------- the platform's own audit trail

-- What concerns no single tenant (a plan's edit). What a platform admin does to a tenant goes to
-- that tenant's `audit_log`, in the same transaction.
create table platform_audit_log (
  id uuid primary key default gen_random_uuid(),
  actor_user_id uuid references users (id),
  action text not null check (action ~ '^[a-z_]+\.[a-z_.]+$'),
  entity_kind text not null,
  entity_id text,
  before jsonb,
  after jsonb,
  ip inet,
  request_id text,
  created_at timestamptz not null default now()
);
create index platform_audit_log_actor on platform_audit_log (actor_user_id);
create index platform_audit_log_recent on platform_audit_log (created_at desc);
-- Append-only for the runtime role.
grant select, insert on platform_audit_log to manara_app;

-- ---------------------------------------------------------------- tenant lifecycle (platform admins)

-- A new tenant, with the id the caller's tenant transaction already set: the owner's invitation and
-- the default settings follow in that same transaction, so either all of it exists or none.
-- Returns false when the slug is taken.
create function app.platform_create_tenant(
  p_id uuid, p_slug text, p_kind text, p_name_ar text, p_name_en text, p_plan text, p_settings jsonb)
  returns boolean
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  insert into tenants (id, slug, kind, name_ar, name_en, plan_code, settings)
  select p_id, p_slug, p_kind, p_name_ar, p_name_en, p_plan, p_settings
  where p_id = app.current_tenant_id()
  on conflict (slug) do nothing
  returning true
$$;

-- Suspend or reactivate: answers the tenant's hosts (to forget them from caches) and its status before.
create function app.platform_set_tenant_status(p_tenant uuid, p_status text)
  returns table (slug text, custom_domain text, previous text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  was text;
begin
  select t.status into was from tenants t where t.id = p_tenant for update;
  if not found then return; end if;
  update tenants t set status = p_status where t.id = p_tenant;
  return query select t.slug, t.custom_domain, was from tenants t where t.id = p_tenant;
end
$$;

-- One tenant's plan and overrides, as a platform admin sees and edits them.
create function app.platform_tenant_limits(p_tenant uuid)
  returns table (id uuid, slug text, status text, plan_code text, max_catalog_items integer, max_storage_bytes bigint,
                 max_members integer, max_monthly_captures integer, ai_monthly_token_budget bigint, ai_monthly_cost_budget bigint)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.id, t.slug, t.status, t.plan_code, t.max_catalog_items, t.max_storage_bytes, t.max_members, t.max_monthly_captures,
    t.ai_monthly_token_budget, t.ai_monthly_cost_budget
  from tenants t where t.id = p_tenant
$$;

-- Moves a tenant to a plan and sets its limit overrides (null: the plan's). False for an unknown tenant.
create function app.platform_set_tenant_limits(
  p_tenant uuid, p_plan text, p_items integer, p_storage bigint, p_members integer, p_captures integer)
  returns boolean
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  update tenants set plan_code = p_plan, max_catalog_items = p_items, max_storage_bytes = p_storage,
    max_members = p_members, max_monthly_captures = p_captures
  where id = p_tenant
  returning true
$$;

-- Creates or changes a plan; answers the plan as it was (null for a new one), for the audit trail.
create function app.platform_save_plan(
  p_code text, p_name_ar text, p_name_en text, p_ai_tokens bigint, p_ai_cost bigint,
  p_items integer, p_storage bigint, p_members integer, p_captures integer, p_price numeric)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  was jsonb;
begin
  select to_jsonb(p) - 'id' - 'created_at' - 'updated_at' into was from plans p where p.code = p_code for update;
  insert into plans (code, name_ar, name_en, monthly_ai_token_budget, monthly_ai_cost_budget, max_catalog_items,
                     max_storage_bytes, max_members, max_monthly_captures, price)
  values (p_code, p_name_ar, p_name_en, p_ai_tokens, p_ai_cost, p_items, p_storage, p_members, p_captures, p_price)
  on conflict (code) do update set name_ar = excluded.name_ar, name_en = excluded.name_en,
    monthly_ai_token_budget = excluded.monthly_ai_token_budget, monthly_ai_cost_budget = excluded.monthly_ai_cost_budget,
    max_catalog_items = excluded.max_catalog_items, max_storage_bytes = excluded.max_storage_bytes,
    max_members = excluded.max_members, max_monthly_captures = excluded.max_monthly_captures, price = excluded.price;
  return was;
end
$$;

-- A suspended tenant at a storefront host (the same host rules as `app.resolve_tenant`): enough for
-- the bilingual notice page, nothing else.
create function app.suspended_tenant_at(host text, platform_domain text)
  returns table (id uuid, slug text, name_ar text, name_en text, default_locale text)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with wanted as (
    select h.host, d.domain,
      right(h.host, length(d.domain) + 1) = '.' || d.domain or h.host = d.domain as on_platform
    from (select rtrim(lower(host), '.') as host) h, (select rtrim(lower(platform_domain), '.') as domain) d
  )
  select t.id, t.slug, t.name_ar, t.name_en, t.default_locale
  from wanted w join public.tenants t
    on case when w.on_platform
      then length(w.host) > length(w.domain) + 1 and t.slug = left(w.host, length(w.host) - length(w.domain) - 1)
      else lower(rtrim(t.custom_domain, '.')) = w.host
    end
  where t.status = 'suspended'
  order by t.id
  limit 1
$$;

-- ---------------------------------------------------------------- platform-wide figures

-- Sums across tenants over [p_from, p_to): counts and totals only, no rows, no people, no tenant named.
-- Cancelled orders and donations do not count towards the amounts.
create function app.platform_figures(p_from timestamptz, p_to timestamptz)
  returns table (tenants_active bigint, tenants_suspended bigint, orders bigint, donations bigint, pledges bigint,
                 orders_total numeric, donations_total numeric, pledges_total numeric, ai_tokens bigint, ai_cost_microfils bigint)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select
    (select count(*) from tenants t where t.status = 'active'),
    (select count(*) from tenants t where t.status = 'suspended'),
    (select count(*) from orders o where o.created_at >= p_from and o.created_at < p_to),
    (select count(*) from donations d where d.created_at >= p_from and d.created_at < p_to),
    (select count(*) from pledges g where g.created_at >= p_from and g.created_at < p_to),
    (select coalesce(sum(o.total), 0) from orders o where o.created_at >= p_from and o.created_at < p_to and o.status <> 'cancelled'),
    (select coalesce(sum(d.amount), 0) from donations d where d.created_at >= p_from and d.created_at < p_to and d.status <> 'cancelled'),
    (select coalesce(sum(g.amount), 0) from pledges g where g.created_at >= p_from and g.created_at < p_to),
    (select coalesce(sum(u.input_tokens + u.output_tokens), 0)::bigint from ai_usage_log u where u.created_at >= p_from and u.created_at < p_to),
    (select coalesce(sum(u.cost_microfils), 0)::bigint from ai_usage_log u where u.created_at >= p_from and u.created_at < p_to)
$$;
-- It reads tenant tables across tenants: manara_doors, which may read only these columns.
grant select (created_at, total, status) on orders to manara_doors;
grant select (created_at, amount, status) on donations to manara_doors;
grant select (created_at, amount) on pledges to manara_doors;
grant select (created_at) on ai_usage_log to manara_doors;
alter function app.platform_figures(timestamptz, timestamptz) owner to manara_doors;

do $$
declare f text;
begin
  foreach f in array array[
    'app.current_tenant_limits()',
    'app.platform_create_tenant(uuid, text, text, text, text, text, jsonb)',
    'app.platform_set_tenant_status(uuid, text)',
    'app.platform_tenant_limits(uuid)',
    'app.platform_set_tenant_limits(uuid, text, integer, bigint, integer, integer)',
    'app.platform_save_plan(text, text, text, bigint, bigint, integer, bigint, integer, integer, numeric)',
    'app.suspended_tenant_at(text, text)',
    'app.platform_figures(timestamptz, timestamptz)'
  ] loop
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to manara_app', f);
  end loop;
end $$;
