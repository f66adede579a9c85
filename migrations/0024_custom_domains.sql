-- Custom domains the owner sets up in the dashboard (issue 18 item 4). `tenants.custom_domain` stays
-- the one domain that resolves (`app.resolve_tenant`), unique as hosts are compared
-- (`tenants_custom_domain_host`): only the verify door below, the CLI and test fixtures write it. A
-- domain the owner entered waits in `custom_domain_claim` with its DNS challenge token until a TXT
-- record proves it; claims do not resolve and are not unique (a squatter's claim cannot block the
-- real owner: whoever proves the domain first has it).

alter table tenants
  add column custom_domain_claim text check (custom_domain_claim ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$'),
  add column custom_domain_token text check (custom_domain_token ~ '^[A-Za-z0-9_-]{20,64}$'),
  add column custom_domain_claimed_at timestamptz,
  add column custom_domain_verified_at timestamptz,
  add constraint tenants_custom_domain_claim_token check ((custom_domain_claim is null) = (custom_domain_token is null));

-- The current tenant's domain: the verified one (if any), and the claim waiting for its TXT record.
create function app.current_tenant_domain()
  returns table (domain text, verified_at timestamptz, claim text, token text, claimed_at timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.custom_domain, t.custom_domain_verified_at, t.custom_domain_claim, t.custom_domain_token, t.custom_domain_claimed_at
  from tenants t where t.id = app.current_tenant_id()
$$;

-- The current tenant claims a domain: it replaces the tenant's domain (a verified one stops resolving
-- at once) unless it is that same verified domain. Another tenant's verified domain is refused
-- (`taken`), and nothing changes. Answers what was there, for the audit row and the caches.
create function app.claim_custom_domain(p_domain text, p_token text)
  returns table (taken boolean, previous_domain text, previous_claim text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  me uuid := app.current_tenant_id();
  was_domain text;
  was_claim text;
begin
  select t.custom_domain, t.custom_domain_claim into was_domain, was_claim from tenants t where t.id = me for update;
  if not found then return; end if;
  if exists (select 1 from tenants t where t.id <> me and lower(rtrim(t.custom_domain, '.')) = p_domain) then
    return query select true, was_domain, was_claim;
    return;
  end if;
  if lower(rtrim(was_domain, '.')) is distinct from p_domain then
    update tenants t set custom_domain = null, custom_domain_verified_at = null, custom_domain_claim = p_domain,
      custom_domain_token = p_token, custom_domain_claimed_at = now()
    where t.id = me;
  end if;
  return query select false, was_domain, was_claim;
end
$$;

-- The claim `p_domain` (still the current tenant's, with the token the caller found in DNS) becomes
-- the tenant's domain. Another tenant having verified it meanwhile fails on `tenants_custom_domain_host`.
create function app.verify_custom_domain(p_domain text, p_token text)
  returns boolean
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with verified as (
    update tenants t set custom_domain = t.custom_domain_claim, custom_domain_verified_at = now(),
      custom_domain_claim = null, custom_domain_token = null, custom_domain_claimed_at = null
    where t.id = app.current_tenant_id() and t.custom_domain_claim = p_domain and t.custom_domain_token = p_token
    returning t.id
  )
  select exists (select 1 from verified)
$$;

-- Forgets the current tenant's domain and claim; answers what was there.
create function app.remove_custom_domain()
  returns table (previous_domain text, previous_claim text)
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with old as (
    select t.id, t.custom_domain, t.custom_domain_claim from tenants t where t.id = app.current_tenant_id() for update
  ), removed as (
    update tenants t set custom_domain = null, custom_domain_verified_at = null, custom_domain_claim = null,
      custom_domain_token = null, custom_domain_claimed_at = null
    from old where t.id = old.id
    returning t.id
  )
  select old.custom_domain, old.custom_domain_claim from old join removed on removed.id = old.id
$$;

do $$
declare f text;
begin
  foreach f in array array[
    'app.current_tenant_domain()',
    'app.claim_custom_domain(text, text)',
    'app.verify_custom_domain(text, text)',
    'app.remove_custom_domain()'
  ] loop
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to manara_app', f);
  end loop;
end $$;
