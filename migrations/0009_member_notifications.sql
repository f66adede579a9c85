-- Notifications per member: which events reach each member on which channel, the member's linked
-- Telegram chat (confirmed by a one-time code sent to the tenant's bot), and the tenant's bot token as
-- a secret reference (the token itself lives in Secrets Manager or the configuration, never here).

create table member_notifications (
  tenant_id uuid not null references tenants (id) on delete cascade,
  user_id uuid not null,
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  email_events text[] not null default '{}'
    check (email_events <@ array['capture.order', 'capture.donation', 'capture.pledge', 'payment.received', 'pledge.due']),
  telegram_events text[] not null default '{}'
    check (telegram_events <@ array['capture.order', 'capture.donation', 'capture.pledge', 'payment.received', 'pledge.due']),
  telegram_chat_id text check (telegram_chat_id ~ '^-?[0-9]{1,20}$'),
  telegram_linked_at timestamptz,
  -- The code the member sends to the bot: only its hash, and only until it is used or expires.
  link_code_hash text check (length(link_code_hash) = 64),
  link_code_expires_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, user_id),
  -- A member removed from the tenant takes their preferences along.
  foreign key (tenant_id, user_id) references tenant_members (tenant_id, user_id) on delete cascade,
  unique (tenant_id, link_code_hash),
  check ((link_code_hash is null) = (link_code_expires_at is null)),
  check ((telegram_chat_id is null) = (telegram_linked_at is null))
);

-- The tenant's own Telegram bot: a reference such as secret://manara/tenant/<id>/telegram, resolved
-- by the Secrets layer at send time. Without a row, the platform's bot (TELEGRAM_BOT_TOKEN) is used.
create table tenant_telegram_bots (
  tenant_id uuid not null primary key references tenants (id) on delete cascade,
  token_ref text not null check (token_ref ~ '^secret://[A-Za-z0-9/_+=.@-]+$' and length(token_ref) <= 409),
  updated_at timestamptz not null default now()
);

select app.isolate_tenant_table(t)
from unnest(array['member_notifications', 'tenant_telegram_bots']::regclass[]) t;
-- The reference is not the secret: the runtime may read and write it like any tenant setting.
grant select, insert, update, delete on member_notifications, tenant_telegram_bots to manara_app;

-- Who among the current tenant's active members hears of `member_event`, and where: their sign-in
-- email and/or their linked chat. Runs as the caller (RLS applies); the writers of outbox rows join it.
create function app.member_recipients(member_event text)
  returns table (user_id uuid, channel text, target text, locale text)
  language sql stable
  set search_path = pg_catalog, public, pg_temp
as $$
  select n.user_id, c.channel, c.target, n.locale
  from member_notifications n
  join tenant_members m on m.tenant_id = n.tenant_id and m.user_id = n.user_id and m.status = 'active'
  cross join lateral (values
    ('email', (select p.email from app.member_profiles(n.tenant_id) p where p.user_id = n.user_id), n.email_events),
    ('telegram', n.telegram_chat_id, n.telegram_events)
  ) c (channel, target, events)
  where c.target is not null and member_event = any (c.events)
$$;
revoke all on function app.member_recipients(text) from public;
grant execute on function app.member_recipients(text) to manara_app;
