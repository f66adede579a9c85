-- Identity: users come from Cognito just in time, memberships and invitations are ours.

alter table users add column mfa_enabled boolean not null default false;

-- Invitations: single-use, expiring; only the SHA-256 of the token is stored.
create table tenant_invitations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$'),
  role text not null check (role in ('owner', 'admin', 'member')),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid not null references users (id),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references users (id),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index tenant_invitations_open on tenant_invitations (tenant_id, created_at desc) where accepted_at is null;

alter table tenant_invitations enable row level security;
alter table tenant_invitations force row level security;
create policy tenant_isolation on tenant_invitations
  using (tenant_id = (select app.current_tenant_id()))
  with check (tenant_id = (select app.current_tenant_id()));
grant select, insert, update on tenant_invitations to manara_app;

-- Memberships are read by user too (the tenant switcher): keep that path indexed.
create index tenant_members_active_user on tenant_members (user_id) where status = 'active';

-- ---------------------------------------------------------------- cross-tenant doors

-- The user behind a Cognito `sub`, created on first sign-in. Email and locale refresh on each call.
create function app.sign_in_user(p_sub text, p_email text)
  returns table (id uuid, email text, display_name text, locale text, is_platform_admin boolean, mfa_enabled boolean)
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into users (cognito_sub, email, display_name)
  values (p_sub, lower(p_email), split_part(p_email, '@', 1))
  on conflict (cognito_sub) do update set email = lower(excluded.email)
  returning id, email, display_name, locale, is_platform_admin, mfa_enabled
$$;

create function app.user_by_sub(p_sub text)
  returns table (id uuid, email text, display_name text, locale text, is_platform_admin boolean, mfa_enabled boolean)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select id, email, display_name, locale, is_platform_admin, mfa_enabled from users where cognito_sub = p_sub
$$;

create function app.set_user_mfa(p_user_id uuid, p_enabled boolean) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$ update users set mfa_enabled = p_enabled where id = p_user_id $$;

-- A user's active memberships, for the tenant switcher: slug, names and role only.
create function app.user_memberships(p_user_id uuid)
  returns table (tenant_id uuid, slug text, name_ar text, name_en text, role text)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select t.id, t.slug, t.name_ar, t.name_en, m.role
  from tenant_members m join tenants t on t.id = m.tenant_id
  where m.user_id = p_user_id and m.status = 'active' and t.status = 'active'
  order by t.slug
$$;

-- A dashboard request names its tenant by slug; membership is then checked under RLS.
create function app.tenant_by_slug(p_slug text)
  returns table (id uuid, slug text, name_ar text, name_en text)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$ select id, slug, name_ar, name_en from tenants where slug = p_slug and status = 'active' $$;

-- Member rows show people, not just ids: the names and emails of one tenant's members only.
create function app.member_profiles(p_tenant_id uuid)
  returns table (user_id uuid, email text, display_name text, mfa_enabled boolean)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select u.id, u.email, u.display_name, u.mfa_enabled
  from users u join tenant_members m on m.user_id = u.id
  where m.tenant_id = p_tenant_id and p_tenant_id = (select app.current_tenant_id())
$$;

-- Platform admins see every tenant, as counts and names only.
create function app.platform_tenants()
  returns table (id uuid, slug text, name_ar text, name_en text, kind text, status text, plan_code text, members bigint, created_at timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select t.id, t.slug, t.name_ar, t.name_en, t.kind, t.status, t.plan_code,
    (select count(*) from tenant_members m where m.tenant_id = t.id and m.status = 'active'), t.created_at
  from tenants t order by t.created_at desc
$$;

-- These two read tenant_members across tenants, which forced RLS hides even from the owner: they
-- belong to manara_doors (NOLOGIN, BYPASSRLS), which may read only what they need.
grant usage on schema app, public to manara_doors;
grant create on schema app to manara_doors; -- owning a function in app requires it
grant select (id, slug, name_ar, name_en, kind, status, plan_code, created_at) on tenants to manara_doors;
grant select (tenant_id, user_id, role, status) on tenant_members to manara_doors;
alter function app.user_memberships(uuid) owner to manara_doors;
alter function app.platform_tenants() owner to manara_doors;

do $$
declare f text;
begin
  foreach f in array array[
    'app.sign_in_user(text, text)', 'app.user_by_sub(text)', 'app.set_user_mfa(uuid, boolean)',
    'app.user_memberships(uuid)', 'app.tenant_by_slug(text)', 'app.member_profiles(uuid)', 'app.platform_tenants()'
  ] loop
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to manara_app', f);
  end loop;
end $$;
