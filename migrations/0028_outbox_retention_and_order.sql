-- Outbox retention: the workers purge delivered rows after NOTIFY_KEEP_SENT and dead letters after
-- NOTIFY_KEEP_DEAD (a longer keep: they are what support reads), a bounded batch per statement.

-- Old rows of each end state by the time they reached it, so a purge reads only what it deletes.
create index notification_outbox_sent on notification_outbox (sent_at) where status = 'sent';
create index notification_outbox_dead on notification_outbox (updated_at) where status = 'dead';

-- Across tenants (forced RLS shows one at a time): deletes at most `batch` rows sent before
-- now() - keep_sent or dead since before now() - keep_dead, oldest first, skipping rows another
-- transaction holds (a retry moving a dead letter back). Answers how many it deleted.
create function app.purge_outbox(keep_sent interval, keep_dead interval, batch integer, only_tenants uuid[] default null)
  returns integer
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with old as (
    select o.tenant_id, o.id from (
      (select s.tenant_id, s.id, s.sent_at as at from notification_outbox s
        where s.status = 'sent' and s.sent_at < now() - keep_sent
          and (only_tenants is null or s.tenant_id = any (only_tenants))
        order by s.sent_at limit greatest(least(batch, 5000), 0))
      union all
      (select d.tenant_id, d.id, d.updated_at from notification_outbox d
        where d.status = 'dead' and d.updated_at < now() - keep_dead
          and (only_tenants is null or d.tenant_id = any (only_tenants))
        order by d.updated_at limit greatest(least(batch, 5000), 0))
    ) o order by o.at limit greatest(least(batch, 5000), 0)
  ),
  doomed as (
    select n.tenant_id, n.id from notification_outbox n join old on old.tenant_id = n.tenant_id and old.id = n.id
    -- Checked again under the lock: a dead letter may have been retried in between.
    where (n.status = 'sent' and n.sent_at < now() - keep_sent) or (n.status = 'dead' and n.updated_at < now() - keep_dead)
    for update of n skip locked
  ),
  gone as (
    delete from notification_outbox n using doomed where n.tenant_id = doomed.tenant_id and n.id = doomed.id returning 1
  )
  select count(*)::integer from gone
$$;
revoke all on function app.purge_outbox(interval, interval, integer, uuid[]) from public;
grant execute on function app.purge_outbox(interval, interval, integer, uuid[]) to manara_app;
grant select (sent_at, updated_at) on notification_outbox to manara_doors;
grant delete on notification_outbox to manara_doors;
alter function app.purge_outbox(interval, interval, integer, uuid[]) owner to manara_doors;

-- Platform tenants newest first, ties (tenants made in one transaction share created_at) broken by id,
-- so the admin list never swaps rows between two reads. pg_temp last, as every other door.
create or replace function app.platform_tenants()
  returns table (id uuid, slug text, name_ar text, name_en text, kind text, status text, plan_code text, members bigint, created_at timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.id, t.slug, t.name_ar, t.name_en, t.kind, t.status, t.plan_code,
    (select count(*) from tenant_members m where m.tenant_id = t.id and m.status = 'active'), t.created_at
  from tenants t order by t.created_at desc, t.id desc
$$;
