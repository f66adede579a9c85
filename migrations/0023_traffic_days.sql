-- Closed Kuwait days of traffic, summed once: the KPIs read a year from these instead of every visit and event
-- of the year (docs/analytics.md, "Closed days"). Filled by the KPI query itself the first time it needs a day.

-- A tenant's closed day: its visits and unique visitors (a visitor hash is per day, so days add up).
create table traffic_days (
  tenant_id uuid not null references tenants (id) on delete cascade,
  day date not null,
  visits integer not null check (visits >= 0),
  unique_visitors integer not null check (unique_visitors >= 0),
  primary key (tenant_id, day)
);

-- The same day by campaign (last touch): visits, and visits that viewed an item or started a checkout.
create table traffic_day_campaigns (
  tenant_id uuid not null,
  day date not null,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  visits integer not null check (visits >= 0),
  viewed_item integer not null check (viewed_item >= 0),
  started_checkout integer not null check (started_checkout >= 0),
  foreign key (tenant_id, day) references traffic_days (tenant_id, day) on delete cascade
);
create index traffic_day_campaigns_day on traffic_day_campaigns (tenant_id, day);

select app.isolate_tenant_table(t) from unnest(array['traffic_days', 'traffic_day_campaigns']::regclass[]) t;
-- Written once per day and never changed by the runtime role.
grant select, insert on traffic_days, traffic_day_campaigns to manara_app;

-- Tenants with visits before p_open (the first day still read live) whose days are not summed up to the day
-- before it: what the summing fiber walks. Owned by manara_doors (BYPASSRLS), reading two columns.
create function app.tenants_with_unsummed_traffic(p_open date)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.id from tenants t
  where exists (select 1 from visits v where v.tenant_id = t.id and v.created_at < p_open::timestamp at time zone 'Asia/Kuwait')
    and not exists (select 1 from traffic_days r where r.tenant_id = t.id and r.day >= p_open - 1)
$$;
revoke all on function app.tenants_with_unsummed_traffic(date) from public;
grant execute on function app.tenants_with_unsummed_traffic(date) to manara_app;
grant select (tenant_id, created_at) on visits to manara_doors;
grant select (tenant_id, day) on traffic_days to manara_doors;
alter function app.tenants_with_unsummed_traffic(date) owner to manara_doors;
