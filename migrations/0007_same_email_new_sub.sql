-- A person deleted in Cognito and created again with the same email gets a new `sub`. Their users row
-- (memberships, audit history) moves to the new `sub` instead of the insert failing on the unique email
-- forever. The email is Cognito's verified username, unique in the pool, so the new sub is the same
-- mailbox. MFA is reset: the authenticator belonged to the deleted Cognito user, so owners and admins
-- must set one up again before managing a tenant.
create or replace function app.sign_in_user(p_sub text, p_email text)
  returns table (id uuid, email text, display_name text, locale text, is_platform_admin boolean, mfa_enabled boolean)
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  update users set cognito_sub = p_sub, mfa_enabled = false, updated_at = now()
  where lower(users.email) = lower(p_email) and users.cognito_sub <> p_sub
    and not exists (select 1 from users known where known.cognito_sub = p_sub);

  insert into users (cognito_sub, email, display_name)
  values (p_sub, lower(p_email), split_part(p_email, '@', 1))
  on conflict (cognito_sub) do update set email = lower(excluded.email)
  returning id, email, display_name, locale, is_platform_admin, mfa_enabled
$$;
