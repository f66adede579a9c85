-- Optimistic concurrency for the settings form (a save names the version it was read at; a stale one is
-- refused, not silently written over what someone else saved in between).
alter table tenants add column settings_version bigint not null default 1 check (settings_version >= 1);

-- The reading door answers the version with the settings, from the same row.
drop function app.current_tenant_profile();
create function app.current_tenant_profile()
  returns table (default_locale text, branding jsonb, settings jsonb, settings_version bigint)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.default_locale, t.branding, t.settings, t.settings_version from tenants t where t.id = app.current_tenant_id()
$$;
revoke all on function app.current_tenant_profile() from public;
grant execute on function app.current_tenant_profile() to manara_app;

-- Locks the tenant's row; saves only when its version is still `expected_version`, then counts it up.
-- Top-level keys the form does not own (sections other doors write) are kept from the locked row.
-- Answers what was there and whether it saved.
drop function app.save_tenant_profile(text, jsonb, jsonb);
create function app.save_tenant_profile(new_locale text, new_branding jsonb, new_settings jsonb, expected_version bigint)
  returns table (default_locale text, branding jsonb, settings jsonb, settings_version bigint, saved boolean)
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with old as (
    select t.id, t.default_locale, t.branding, t.settings, t.settings_version
    from tenants t where t.id = app.current_tenant_id() for update
  ), saved as (
    update tenants t
    set default_locale = new_locale,
        branding = old.branding || new_branding,
        settings = old.settings || new_settings,
        settings_version = old.settings_version + 1
    from old where t.id = old.id and old.settings_version = expected_version
    returning t.id
  )
  select old.default_locale, old.branding, old.settings, old.settings_version, saved.id is not null
  from old left join saved on saved.id = old.id
$$;
revoke all on function app.save_tenant_profile(text, jsonb, jsonb, bigint) from public;
grant execute on function app.save_tenant_profile(text, jsonb, jsonb, bigint) to manara_app;
