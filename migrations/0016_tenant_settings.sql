-- Tenant settings (issue 18): the owners and admins of a tenant read and change its default language,
-- branding and settings. `tenants` is global and not granted to the runtime role: these two doors
-- act only on the current tenant (`app.current_tenant_id()`), whatever they are given.

create function app.current_tenant_profile()
  returns table (default_locale text, branding jsonb, settings jsonb)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.default_locale, t.branding, t.settings from tenants t where t.id = app.current_tenant_id()
$$;
revoke all on function app.current_tenant_profile() from public;
grant execute on function app.current_tenant_profile() to manara_app;

-- Locks the tenant's row, so two saves at once are applied one after the other; returns what was there.
create function app.save_tenant_profile(new_locale text, new_branding jsonb, new_settings jsonb)
  returns table (default_locale text, branding jsonb, settings jsonb)
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with old as (
    select t.id, t.default_locale, t.branding, t.settings from tenants t where t.id = app.current_tenant_id() for update
  ), saved as (
    update tenants t set default_locale = new_locale, branding = new_branding, settings = new_settings
    from old where t.id = old.id
    returning t.id
  )
  select old.default_locale, old.branding, old.settings from old join saved on saved.id = old.id
$$;
revoke all on function app.save_tenant_profile(text, jsonb, jsonb) from public;
grant execute on function app.save_tenant_profile(text, jsonb, jsonb) to manara_app;
