-- Foundation: the tenant function, global tables, the first tenant tables and the host door.
-- Runs as the owner role (manara_owner); the runtime role (manara_app) gets only what it needs.

create schema app;
revoke all on schema app from public;
grant usage on schema app to manara_app;

-- The tenant of the current transaction, or null: every policy reads it, so isolation fails closed.
create function app.current_tenant_id() returns uuid
  language sql stable parallel safe
  set search_path = pg_catalog
as $$ select nullif(current_setting('app.current_tenant', true), '')::uuid $$;
revoke all on function app.current_tenant_id() from public;
grant execute on function app.current_tenant_id() to manara_app;

create function app.touch_updated_at() returns trigger
  language plpgsql
  set search_path = pg_catalog
as $$ begin new.updated_at := now(); return new; end $$;
revoke all on function app.touch_updated_at() from public;

-- ---------------------------------------------------------------- global tables (no tenant_id)

create table plans (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z0-9_-]{1,32}$'),
  name_en text not null,
  name_ar text not null check (name_ar <> ''),
  monthly_ai_token_budget bigint not null check (monthly_ai_token_budget >= 0),
  max_catalog_items integer not null check (max_catalog_items >= 0),
  max_members integer not null check (max_members >= 1),
  price numeric(12, 3) not null default 0 check (price >= 0),
  currency text not null default 'KWD' check (currency = 'KWD'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger plans_touch before update on plans for each row execute function app.touch_updated_at();

insert into plans (code, name_en, name_ar, monthly_ai_token_budget, max_catalog_items, max_members, price) values
  ('free', 'Free', 'مجاني', 50000, 25, 3, 0),
  ('standard', 'Standard', 'قياسي', 1000000, 500, 15, 15),
  ('pro', 'Pro', 'احترافي', 5000000, 5000, 50, 45);

create table tenants (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
  custom_domain text unique check (custom_domain ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$'),
  kind text not null check (kind in ('charity', 'store')),
  name_en text not null default '',
  name_ar text not null check (name_ar <> ''),
  default_locale text not null default 'ar' check (default_locale in ('ar', 'en')),
  branding jsonb not null default '{}' check (jsonb_typeof(branding) = 'object'),
  settings jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
  plan_code text not null default 'free' references plans (code),
  ai_monthly_token_budget bigint check (ai_monthly_token_budget >= 0),
  status text not null default 'active' check (status in ('active', 'suspended')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger tenants_touch before update on tenants for each row execute function app.touch_updated_at();

create table users (
  id uuid primary key default gen_random_uuid(),
  cognito_sub text not null unique,
  email text not null,
  display_name text not null default '',
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  is_platform_admin boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));
create trigger users_touch before update on users for each row execute function app.touch_updated_at();

grant select on plans to manara_app;

-- ---------------------------------------------------------------- tenant tables (RLS, forced)

create table tenant_members (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null references users (id),
  role text not null check (role in ('owner', 'admin', 'member')),
  status text not null default 'active' check (status in ('active', 'removed')),
  invited_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, user_id)
);
create index tenant_members_user on tenant_members (user_id);
create trigger tenant_members_touch before update on tenant_members for each row execute function app.touch_updated_at();

create table audit_log (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  actor_user_id uuid references users (id),
  action text not null check (action ~ '^[a-z_]+\.[a-z_.]+$'),
  entity_kind text not null,
  entity_id text,
  before jsonb,
  after jsonb,
  ip inet,
  request_id text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index audit_log_recent on audit_log (tenant_id, created_at desc);

-- One row per (tenant, kind, year), locked while a number is taken: gapless and safe under concurrency.
create table reference_counters (
  tenant_id uuid not null references tenants (id) on delete cascade,
  kind text not null check (kind in ('ORD', 'DON', 'PLG')),
  year integer not null check (year between 2000 and 9999),
  next_value bigint not null default 1 check (next_value >= 1),
  primary key (tenant_id, kind, year)
);

create table idempotency_keys (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  key text not null check (length(key) between 1 and 255),
  request_hash text not null,
  state text not null default 'in_flight' check (state in ('in_flight', 'completed')),
  response_status integer,
  response_body jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '24 hours',
  primary key (tenant_id, id),
  unique (tenant_id, key)
);
create index idempotency_keys_expiry on idempotency_keys (tenant_id, expires_at);

-- The one policy every tenant table carries.
do $$
declare t text;
begin
  foreach t in array array['tenant_members', 'audit_log', 'reference_counters', 'idempotency_keys'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format(
      'create policy tenant_isolation on %I using (tenant_id = (select app.current_tenant_id())) '
      'with check (tenant_id = (select app.current_tenant_id()))', t);
  end loop;
end $$;

grant select, insert, update, delete on tenant_members, reference_counters, idempotency_keys to manara_app;
-- Append-only for the runtime role: no update, no delete.
grant select, insert on audit_log to manara_app;

-- ---------------------------------------------------------------- cross-tenant doors

-- A storefront host -> its tenant: `{slug}.{platform_domain}` or a custom domain. Active tenants only.
create function app.resolve_tenant(host text, platform_domain text)
  returns table (
    id uuid, slug text, kind text, name_en text, name_ar text, default_locale text, branding jsonb
  )
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select t.id, t.slug, t.kind, t.name_en, t.name_ar, t.default_locale, t.branding
  from tenants t
  where t.status = 'active'
    and (
      t.custom_domain = lower(host)
      or (
        lower(host) like '%.' || lower(platform_domain)
        and t.slug = left(lower(host), length(host) - length(platform_domain) - 1)
      )
    )
  limit 1
$$;
revoke all on function app.resolve_tenant(text, text) from public;
grant execute on function app.resolve_tenant(text, text) to manara_app;
