-- Capture: visits (for attribution), orders, donations, pledges, payment history, and the
-- notification outbox the capture transaction writes into.

-- A storefront visit with its campaign tags: a capture that carries its id is attributed to it.
create table visits (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  visitor_id text not null check (length(visitor_id) between 1 and 64),
  utm_source text check (length(utm_source) <= 100),
  utm_medium text check (length(utm_medium) <= 100),
  utm_campaign text check (length(utm_campaign) <= 100),
  utm_term text check (length(utm_term) <= 100),
  utm_content text check (length(utm_content) <= 100),
  referrer text check (length(referrer) <= 500),
  landing_path text check (length(landing_path) <= 500),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index visits_recent on visits (tenant_id, created_at desc);

create table orders (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  reference text not null check (reference ~ '^ORD-[0-9]{4}-[0-9]{6,}$'),
  status text not null default 'new' check (status in ('new', 'confirmed', 'fulfilled', 'cancelled')),
  customer_name text not null check (customer_name <> '' and length(customer_name) <= 120),
  customer_phone text not null check (length(customer_phone) <= 32),
  customer_email text check (length(customer_email) <= 254),
  -- Priced by the server from the catalog at the time of the order: [{itemId, slug, title, unitPrice, quantity, lineTotal}].
  items jsonb not null check (jsonb_typeof(items) = 'array' and jsonb_array_length(items) between 1 and 50),
  total numeric(12, 3) not null check (total > 0),
  payment_method text not null check (payment_method in ('bank_transfer', 'pay_link')),
  payment_state text not null default 'pending' check (payment_state in ('pending', 'received', 'failed', 'refunded')),
  notes text not null default '' check (length(notes) <= 1000),
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  receipt_token text not null unique check (length(receipt_token) >= 32),
  visit_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, reference),
  foreign key (tenant_id, visit_id) references visits (tenant_id, id)
);
create index orders_recent on orders (tenant_id, created_at desc);
create trigger orders_touch before update on orders for each row execute function app.touch_updated_at();

create table donations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  reference text not null check (reference ~ '^DON-[0-9]{4}-[0-9]{6,}$'),
  -- Null: the general fund.
  catalog_item_id uuid,
  amount numeric(12, 3) not null check (amount > 0),
  -- What the donor adds so that the whole amount reaches the cause.
  fees_amount numeric(12, 3) not null default 0 check (fees_amount >= 0),
  category text not null check (category in ('zakat', 'sadaqah', 'waqf', 'general')),
  donor_name text not null default '' check (length(donor_name) <= 120),
  donor_phone text not null default '' check (length(donor_phone) <= 32),
  donor_email text check (length(donor_email) <= 254),
  anonymous boolean not null default false,
  dedication text not null default '' check (length(dedication) <= 200),
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'cancelled')),
  payment_method text not null check (payment_method in ('bank_transfer', 'pay_link')),
  payment_state text not null default 'pending' check (payment_state in ('pending', 'received', 'failed', 'refunded')),
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  receipt_token text not null unique check (length(receipt_token) >= 32),
  visit_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, reference),
  foreign key (tenant_id, catalog_item_id) references catalog_items (tenant_id, id),
  foreign key (tenant_id, visit_id) references visits (tenant_id, id)
);
create index donations_recent on donations (tenant_id, created_at desc);
create index donations_item on donations (tenant_id, catalog_item_id);
create trigger donations_touch before update on donations for each row execute function app.touch_updated_at();

create table pledges (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  reference text not null check (reference ~ '^PLG-[0-9]{4}-[0-9]{6,}$'),
  catalog_item_id uuid,
  -- The whole pledge; a monthly schedule splits it into `instalments` equal parts (the last takes the remainder).
  amount numeric(12, 3) not null check (amount > 0),
  schedule text not null default 'once' check (schedule in ('once', 'monthly')),
  instalments integer not null default 1 check (instalments between 1 and 60),
  due_date date not null,
  donor_name text not null check (donor_name <> '' and length(donor_name) <= 120),
  donor_phone text not null check (length(donor_phone) <= 32),
  donor_email text check (length(donor_email) <= 254),
  status text not null default 'open' check (status in ('open', 'fulfilled', 'lapsed', 'cancelled')),
  fulfilled_by uuid,
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  -- The pledger's link back to their confirmation (the reference and due date), like a receipt's.
  receipt_token text not null unique check (length(receipt_token) >= 32),
  visit_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, reference),
  foreign key (tenant_id, catalog_item_id) references catalog_items (tenant_id, id),
  foreign key (tenant_id, fulfilled_by) references donations (tenant_id, id),
  foreign key (tenant_id, visit_id) references visits (tenant_id, id),
  check (schedule = 'monthly' or instalments = 1)
);
create index pledges_recent on pledges (tenant_id, created_at desc);
create trigger pledges_touch before update on pledges for each row execute function app.touch_updated_at();

create table notification_preferences (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  channel text not null check (channel in ('email', 'telegram')),
  target text not null check (length(target) between 1 and 254),
  events text[] not null default '{capture.created}',
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, channel, target)
);

-- Written in the same transaction as what it announces; delivered later by worker fibers.
create table notification_outbox (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  event text not null check (event ~ '^[a-z_]+\.[a-z_]+$'),
  payload jsonb not null check (jsonb_typeof(payload) = 'object'),
  channel text not null check (channel in ('email', 'telegram')),
  target text not null,
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  dedupe_key text not null,
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'dead')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, dedupe_key)
);
create index notification_outbox_due on notification_outbox (next_attempt_at) where status = 'pending';

select app.isolate_tenant_table(t)
from unnest(array['visits', 'orders', 'donations', 'pledges', 'notification_preferences', 'notification_outbox']::regclass[]) t;
grant select, insert, update on visits, orders, donations, pledges, notification_outbox to manara_app;
grant select, insert, update, delete on notification_preferences to manara_app;
grant delete on idempotency_keys to manara_app;


-- What capture needs from the current tenant's settings (tenants is global and not granted): the
-- donation limits and the payment details shown to the payer.
create function app.current_tenant_settings()
  returns table (name_ar text, name_en text, kind text, settings jsonb)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select t.name_ar, t.name_en, t.kind, t.settings from tenants t where t.id = app.current_tenant_id() and t.status = 'active'
$$;
revoke all on function app.current_tenant_settings() from public;
grant execute on function app.current_tenant_settings() to manara_app;
