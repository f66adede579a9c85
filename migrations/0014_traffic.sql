-- Traffic to outcome: what a visit was (device, language, the referrer's host), storefront events of a
-- fixed set, and a capture's first touch beside its last (visit_id). Read by the KPIs (docs/analytics.md).

-- A visitor who sends DNT or Sec-GPC is counted with no identifier: visitor_id is null.
alter table visits alter column visitor_id drop not null;
alter table visits
  add column referrer_host text check (length(referrer_host) <= 253),
  add column device text not null default 'desktop' check (device in ('mobile', 'tablet', 'desktop')),
  add column language text check (language ~ '^[a-z]{2,3}$'),
  add constraint visits_utm_plain check (
    coalesce(utm_source, '') || coalesce(utm_medium, '') || coalesce(utm_campaign, '') || coalesce(utm_term, '') || coalesce(utm_content, '')
      !~ '[<>[:cntrl:]]');
-- The KPI's campaign table: one tenant's visits of a range grouped by their tags.
create index visits_campaign on visits (tenant_id, created_at, utm_source, utm_medium, utm_campaign) include (visitor_id);

-- A storefront event: one of a fixed set, of a visit (none when the visitor asked not to be tracked).
create table traffic_events (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  visit_id uuid,
  name text not null check (name in ('view_item', 'start_checkout', 'donate_submit', 'capture', 'chat_open', 'handoff')),
  -- The item the event is about (view_item, start_checkout of a project), by slug.
  item_slug text check (length(item_slug) <= 100),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, visit_id) references visits (tenant_id, id) on delete cascade
);
create index traffic_events_recent on traffic_events (tenant_id, created_at, name) include (visit_id);
create index traffic_events_visit on traffic_events (tenant_id, visit_id);

-- The first visit of the visitor within 30 days (the session's own visit is visit_id: the last touch).
alter table orders add column first_visit_id uuid, add foreign key (tenant_id, first_visit_id) references visits (tenant_id, id);
alter table donations add column first_visit_id uuid, add foreign key (tenant_id, first_visit_id) references visits (tenant_id, id);
alter table pledges add column first_visit_id uuid, add foreign key (tenant_id, first_visit_id) references visits (tenant_id, id);
create index orders_first_visit on orders (tenant_id, first_visit_id);
create index donations_first_visit on donations (tenant_id, first_visit_id);
create index pledges_first_visit on pledges (tenant_id, first_visit_id);

select app.isolate_tenant_table('traffic_events'::regclass);
-- Append-only for the runtime role: visits and events are written in batches, never changed.
grant select, insert on traffic_events to manara_app;
