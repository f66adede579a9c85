-- The outbox backlog as the worker's metric reads it: one statement over every tenant (or the worker's
-- NOTIFY_TENANTS), instead of one per tenant under each tenant's context. It answers aggregates only:
-- the longest wait since a row became due (pending and due, or a lease run out) and counts, never a
-- tenant id, target or payload. Owned by manara_doors (BYPASSRLS, NOLOGIN), which already reads these
-- columns for app.claim_outbox.
create function app.outbox_backlog(only_tenants uuid[] default null)
  returns table (oldest_due_seconds float8, due_rows bigint, pending_rows bigint, sending_rows bigint)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select
    coalesce(extract(epoch from now() - least(
      min(o.next_attempt_at) filter (where o.status = 'pending' and o.next_attempt_at <= now()),
      min(o.leased_until) filter (where o.status = 'sending' and o.leased_until <= now()))), 0)::float8,
    count(*) filter (where (o.status = 'pending' and o.next_attempt_at <= now()) or (o.status = 'sending' and o.leased_until <= now())),
    count(*) filter (where o.status = 'pending'),
    count(*) filter (where o.status = 'sending')
  from notification_outbox o
  where o.status in ('pending', 'sending') and (only_tenants is null or o.tenant_id = any (only_tenants))
$$;
revoke all on function app.outbox_backlog(uuid[]) from public;
grant execute on function app.outbox_backlog(uuid[]) to manara_app;
alter function app.outbox_backlog(uuid[]) owner to manara_doors;
