-- Catalog, media and proof of impact: catalog items (products and charity projects), their status
-- history, media assets in S3, galleries, and proofs published on the item's page.

-- Arabic search folds what readers treat as the same letter: alef forms, alef maqsura, taa marbuta,
-- hamza seats, diacritics and tatweel; so "مسجد" finds "مَسْجِد" and "اسلامية" finds "إسلاميّة".
create function app.fold_arabic(t text) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select translate(
    regexp_replace(lower(t), '[\u064B-\u065F\u0670\u0640]', '', 'g'),
    'أإآٱىةؤئ',
    'اااايهوي'
  )
$$;
revoke all on function app.fold_arabic(text) from public;
grant execute on function app.fold_arabic(text) to manara_app;

-- Words (already split by the API into letters and digits) -> a prefix query over the folded
-- `simple` lexemes, or the Arabic stems (which drop clitics: "للأيتام" ~ "أيتام"), or the English stems.
create function app.search_query(words text[]) returns tsquery
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select case when cardinality(words) = 0 then null else
    to_tsquery('simple', (select string_agg(quote_literal(app.fold_arabic(w)) || ':*', ' & ') from unnest(words) w))
    || to_tsquery('arabic', (select string_agg(quote_literal(app.fold_arabic(w)), ' & ') from unnest(words) w))
    || to_tsquery('english', (select string_agg(quote_literal(lower(w)), ' & ') from unnest(words) w))
  end
$$;
revoke all on function app.search_query(text[]) from public;
grant execute on function app.search_query(text[]) to manara_app;

create table media_assets (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- Always `{tenant_id}/...`: the check makes a key of another tenant impossible to record.
  key text not null check (key like tenant_id::text || '/%'),
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
  byte_size bigint not null check (byte_size > 0),
  original_name text not null default '' check (length(original_name) <= 255),
  width integer check (width > 0),
  height integer check (height > 0),
  thumbnail_key text check (thumbnail_key like tenant_id::text || '/%'),
  status text not null default 'pending' check (status in ('pending', 'ready')),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, key)
);
create trigger media_assets_touch before update on media_assets for each row execute function app.touch_updated_at();

create table catalog_items (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- A stable order for keyset pagination among items of equal `sort`: newest first.
  seq bigint generated always as identity,
  kind text not null check (kind in ('product', 'project')),
  slug text not null check (slug ~ '^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$'),
  title_ar text not null check (title_ar <> '' and length(title_ar) <= 200),
  title_en text not null default '' check (length(title_en) <= 200),
  summary_ar text not null default '' check (length(summary_ar) <= 500),
  summary_en text not null default '' check (length(summary_en) <= 500),
  body_ar text not null default '' check (length(body_ar) <= 20000),
  body_en text not null default '' check (length(body_en) <= 20000),
  price numeric(12, 3) check (price >= 0),
  goal_amount numeric(12, 3) check (goal_amount > 0),
  -- Money received and pledged (kept by capture); shown as the project's progress.
  raised_amount numeric(12, 3) not null default 0 check (raised_amount >= 0),
  pledged_amount numeric(12, 3) not null default 0 check (pledged_amount >= 0),
  zakat_eligible boolean not null default false,
  category text check (category in ('zakat', 'sadaqah', 'waqf', 'general')),
  status text not null default 'draft' check (status in ('draft', 'active', 'funded', 'completed', 'archived')),
  featured boolean not null default false,
  sort integer not null default 0 check (sort between -1000000 and 1000000),
  cover_media_id uuid,
  published_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search tsvector generated always as (
    setweight(to_tsvector('simple', app.fold_arabic(title_ar || ' ' || title_en)), 'A')
    || setweight(to_tsvector('simple', app.fold_arabic(summary_ar || ' ' || summary_en)), 'B')
    || setweight(to_tsvector('simple', app.fold_arabic(body_ar || ' ' || body_en)), 'C')
    || setweight(to_tsvector('arabic', app.fold_arabic(title_ar || ' ' || summary_ar || ' ' || body_ar)), 'D')
    || setweight(to_tsvector('english', title_en || ' ' || summary_en || ' ' || body_en), 'D')
  ) stored,
  primary key (tenant_id, id),
  unique (tenant_id, slug),
  foreign key (tenant_id, cover_media_id) references media_assets (tenant_id, id),
  -- A product has a price; a project a goal and a donation category.
  check (
    (kind = 'product' and price is not null and goal_amount is null and category is null)
    or (kind = 'project' and price is null and goal_amount is not null and category is not null)
  ),
  check (status not in ('funded', 'completed') or kind = 'project')
);
create index catalog_items_order on catalog_items (tenant_id, sort, seq desc);
create index catalog_items_search on catalog_items using gin (search);
create trigger catalog_items_touch before update on catalog_items for each row execute function app.touch_updated_at();

-- An item's gallery, in order.
create table catalog_item_media (
  tenant_id uuid not null references tenants (id) on delete cascade,
  catalog_item_id uuid not null,
  media_id uuid not null,
  position integer not null check (position >= 0),
  primary key (tenant_id, catalog_item_id, media_id),
  foreign key (tenant_id, catalog_item_id) references catalog_items (tenant_id, id) on delete cascade,
  foreign key (tenant_id, media_id) references media_assets (tenant_id, id)
);

-- The history behind every status: who moved what from where to where, and when.
create table status_changes (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  entity_kind text not null check (entity_kind in ('catalog_item', 'proof', 'order', 'donation', 'pledge')),
  entity_id uuid not null,
  from_status text,
  to_status text not null,
  changed_by uuid references users (id),
  note text not null default '' check (length(note) <= 1000),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index status_changes_entity on status_changes (tenant_id, entity_kind, entity_id, created_at);

create table proofs (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  catalog_item_id uuid not null,
  kind text not null check (kind in ('photo', 'invoice', 'report', 'update')),
  caption_ar text not null check (caption_ar <> '' and length(caption_ar) <= 1000),
  caption_en text not null default '' check (length(caption_en) <= 1000),
  occurred_on date not null,
  amount_spent numeric(12, 3) check (amount_spent >= 0),
  media_id uuid,
  status text not null default 'draft' check (status in ('draft', 'published')),
  published_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, catalog_item_id) references catalog_items (tenant_id, id) on delete cascade,
  foreign key (tenant_id, media_id) references media_assets (tenant_id, id),
  check ((status = 'published') = (published_at is not null))
);
create index proofs_item on proofs (tenant_id, catalog_item_id, occurred_on desc);
create trigger proofs_touch before update on proofs for each row execute function app.touch_updated_at();

-- The one policy every tenant table carries (as in 0001), forced; for this and later migrations.
create function app.isolate_tenant_table(t regclass) returns void
  language plpgsql
  set search_path = pg_catalog
as $$
begin
  execute format('alter table %s enable row level security', t);
  execute format('alter table %s force row level security', t);
  execute format(
    'create policy tenant_isolation on %s using (tenant_id = (select app.current_tenant_id())) '
    'with check (tenant_id = (select app.current_tenant_id()))', t);
end $$;
revoke all on function app.isolate_tenant_table(regclass) from public;

select app.isolate_tenant_table(t)
from unnest(array['media_assets', 'catalog_items', 'catalog_item_media', 'status_changes', 'proofs']::regclass[]) t;
grant select, insert, update, delete on media_assets, catalog_items, catalog_item_media, proofs to manara_app;
-- History is append-only for the runtime role.
grant select, insert on status_changes to manara_app;
