-- Notification delivery: workers claim due outbox rows across tenants under a lease, send them, and
-- mark each under its own tenant. A claimed row ('sending') whose lease ends unmarked is due again.

alter table notification_outbox
  -- The claim that holds the row: only that claim may mark it, so a worker whose lease ran out cannot
  -- overwrite what the next worker did.
  add column lease_owner uuid,
  add column leased_until timestamptz,
  add column sent_at timestamptz,
  -- The provider's id for the message (SES MessageId, Telegram message_id): what support asks for.
  add column provider_message_id text check (length(provider_message_id) <= 200),
  add column updated_at timestamptz not null default now(),
  add constraint notification_outbox_lease check ((status = 'sending') = (lease_owner is not null and leased_until is not null)),
  add constraint notification_outbox_last_error check (length(last_error) <= 1000);

-- Due rows per channel: pending ones by next attempt, claimed ones by the end of their lease.
drop index notification_outbox_due;
create index notification_outbox_due on notification_outbox (channel, next_attempt_at) where status = 'pending';
create index notification_outbox_leased on notification_outbox (channel, leased_until) where status = 'sending';
-- The delivery log: a tenant's rows, newest first.
create index notification_outbox_recent on notification_outbox (tenant_id, created_at desc);

-- A commit that wrote outbox rows wakes the workers of those channels at once (NOTIFY is sent only on
-- commit, so a rolled-back capture wakes nobody); the payload names the channels, e.g. 'email,telegram'.
create function app.notify_outbox() returns trigger
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare channels text;
begin
  select string_agg(distinct a.channel, ',') into channels from added a;
  if channels is not null then
    perform pg_notify('notification_outbox', channels);
  end if;
  return null;
end
$$;
create trigger notification_outbox_wake after insert on notification_outbox
  referencing new table as added
  for each statement execute function app.notify_outbox();

-- A worker's batch across tenants: due rows of one channel, locked with SKIP LOCKED so two workers
-- never take the same row, leased for `lease` and counted as an attempt. Only what a send needs.
-- `only_tenants` limits a worker to some tenants (a worker of its own for a large tenant; tests).
create function app.claim_outbox(claim_channel text, batch integer, lease interval, only_tenants uuid[] default null)
  returns table (
    tenant_id uuid, id uuid, event text, payload jsonb, channel text, target text, locale text,
    dedupe_key text, attempts integer, lease_owner uuid
  )
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  with due as (
    select o.tenant_id, o.id from (
      (select p.tenant_id, p.id, p.next_attempt_at as due_at from notification_outbox p
        where p.channel = claim_channel and p.status = 'pending' and p.next_attempt_at <= now()
          and (only_tenants is null or p.tenant_id = any (only_tenants))
        order by p.next_attempt_at limit batch)
      union all
      (select s.tenant_id, s.id, s.leased_until from notification_outbox s
        where s.channel = claim_channel and s.status = 'sending' and s.leased_until <= now()
          and (only_tenants is null or s.tenant_id = any (only_tenants))
        order by s.leased_until limit batch)
    ) o order by o.due_at limit least(greatest(batch, 0), 500)
  ),
  locked as (
    select n.tenant_id, n.id from notification_outbox n join due d on d.tenant_id = n.tenant_id and d.id = n.id
    -- Checked again under the lock: another worker may have claimed or marked it in between.
    where (n.status = 'pending' and n.next_attempt_at <= now()) or (n.status = 'sending' and n.leased_until <= now())
    for update of n skip locked
  ),
  claim as (select gen_random_uuid() as owner)
  update notification_outbox n
  set status = 'sending', lease_owner = claim.owner, leased_until = now() + lease,
    attempts = n.attempts + 1, updated_at = now()
  from locked, claim
  where n.tenant_id = locked.tenant_id and n.id = locked.id
  returning n.tenant_id, n.id, n.event, n.payload, n.channel, n.target, n.locale, n.dedupe_key, n.attempts, n.lease_owner
$$;
revoke all on function app.claim_outbox(text, integer, interval, uuid[]) from public;
grant execute on function app.claim_outbox(text, integer, interval, uuid[]) to manara_app;
-- It must see and lease every tenant's rows, which forced RLS hides even from the owner.
grant select (tenant_id, id, event, payload, channel, target, locale, dedupe_key, status, attempts, next_attempt_at, leased_until, lease_owner)
  on notification_outbox to manara_doors;
grant update (status, lease_owner, leased_until, attempts, updated_at) on notification_outbox to manara_doors;
alter function app.claim_outbox(text, integer, interval, uuid[]) owner to manara_doors;

-- What a message carries of its tenant (name, host, colours), read under that tenant's own context.
create function app.current_tenant_letterhead()
  returns table (slug text, name_ar text, name_en text, branding jsonb)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.slug, t.name_ar, t.name_en, t.branding from tenants t where t.id = app.current_tenant_id()
$$;
revoke all on function app.current_tenant_letterhead() from public;
grant execute on function app.current_tenant_letterhead() to manara_app;

-- Which tenants have an open pledge with an instalment falling due in [from_date, to_date]: ids only.
-- The reminders themselves are written under each tenant's own context.
create function app.tenants_with_instalments_due(from_date date, to_date date)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select distinct p.tenant_id from pledges p
  where p.status = 'open' and p.donor_email is not null and p.due_date <= to_date
    and (p.due_date + make_interval(months => p.instalments - 1))::date >= from_date
$$;
revoke all on function app.tenants_with_instalments_due(date, date) from public;
grant execute on function app.tenants_with_instalments_due(date, date) to manara_app;
grant select (tenant_id, status, donor_email, due_date, instalments) on pledges to manara_doors;
alter function app.tenants_with_instalments_due(date, date) owner to manara_doors;
