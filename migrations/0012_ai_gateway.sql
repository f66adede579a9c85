-- The AI gateway: plans carry monthly token and cost budgets and the per-call caps, a tenant may have
-- an override, model prices live here, and every metered call leaves one ai_usage_log row (the truth
-- the Redis counters are rebuilt from). Costs are integers of micro-fils (1 fils = 1,000,000 µfils).

alter table plans
  add column monthly_ai_cost_budget bigint not null default 0 check (monthly_ai_cost_budget >= 0),
  add column ai_max_input_chars integer not null default 4000 check (ai_max_input_chars between 1 and 1000000),
  add column ai_max_output_tokens integer not null default 512 check (ai_max_output_tokens between 1 and 100000),
  add column ai_max_turns integer not null default 20 check (ai_max_turns between 1 and 1000);

-- 0.5, 10 and 50 KWD a month in micro-fils.
update plans set monthly_ai_cost_budget = 500000000, ai_max_output_tokens = 400 where code = 'free';
update plans set monthly_ai_cost_budget = 10000000000, ai_max_input_chars = 8000, ai_max_output_tokens = 1000 where code = 'standard';
update plans set monthly_ai_cost_budget = 50000000000, ai_max_input_chars = 16000, ai_max_output_tokens = 2000, ai_max_turns = 50 where code = 'pro';

-- The tenant's override (null: the plan's); ai_monthly_token_budget has existed since 0001.
alter table tenants add column ai_monthly_cost_budget bigint check (ai_monthly_cost_budget >= 0);

-- Prices per million tokens, in micro-fils. A model without a row cannot be called.
create table ai_model_prices (
  model text primary key check (model ~ '^[A-Za-z0-9._:/-]{1,100}$'),
  provider text not null check (provider in ('builtin', 'openai', 'anthropic', 'test')),
  input_microfils_per_mtok bigint not null check (input_microfils_per_mtok >= 0),
  output_microfils_per_mtok bigint not null check (output_microfils_per_mtok >= 0),
  updated_at timestamptz not null default now()
);
create trigger ai_model_prices_touch before update on ai_model_prices for each row execute function app.touch_updated_at();
grant select on ai_model_prices to manara_app;
insert into ai_model_prices (model, provider, input_microfils_per_mtok, output_microfils_per_mtok) values
  ('manara-deterministic', 'builtin', 0, 0),
  -- USD list prices at 0.307 KWD per USD.
  ('gpt-4o-mini', 'openai', 46050000, 184200000),
  ('claude-3-5-haiku-latest', 'anthropic', 245600000, 1228000000);

create table ai_usage_log (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  reservation_id uuid not null,
  conversation_id text not null check (length(conversation_id) between 1 and 100),
  model text not null,
  -- The budget month the reservation was made in (Kuwait's calendar): what the counters sum.
  billed_month date not null check (extract(day from billed_month) = 1),
  input_tokens integer not null check (input_tokens >= 0),
  output_tokens integer not null check (output_tokens >= 0),
  cost_microfils bigint not null check (cost_microfils >= 0),
  latency_ms integer not null check (latency_ms >= 0),
  outcome text not null check (outcome in ('ok', 'error', 'timeout', 'disconnected')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, reservation_id)
);
create index ai_usage_log_month on ai_usage_log (tenant_id, billed_month, created_at);
select app.isolate_tenant_table('ai_usage_log');
-- Append-only for the runtime role.
grant select, insert on ai_usage_log to manara_app;

-- The current tenant's budgets (its override, else its plan's) and caps, for the gateway.
create function app.current_tenant_ai_plan()
  returns table (plan_code text, token_budget bigint, cost_budget bigint, max_input_chars integer, max_output_tokens integer, max_turns integer)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select p.code, coalesce(t.ai_monthly_token_budget, p.monthly_ai_token_budget),
    coalesce(t.ai_monthly_cost_budget, p.monthly_ai_cost_budget), p.ai_max_input_chars, p.ai_max_output_tokens, p.ai_max_turns
  from tenants t join plans p on p.code = t.plan_code
  where t.id = app.current_tenant_id() and t.status = 'active'
$$;
revoke all on function app.current_tenant_ai_plan() from public;
grant execute on function app.current_tenant_ai_plan() to manara_app;

-- Every tenant's usage in one month against its budget: the platform admin's view and the CLI's rebuild.
create function app.ai_usage_by_tenant(p_month date)
  returns table (tenant_id uuid, slug text, plan_code text, token_budget bigint, cost_budget bigint,
                 tokens bigint, cost_microfils bigint, calls bigint)
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  select t.id, t.slug, t.plan_code, coalesce(t.ai_monthly_token_budget, p.monthly_ai_token_budget),
    coalesce(t.ai_monthly_cost_budget, p.monthly_ai_cost_budget),
    coalesce(sum(u.input_tokens + u.output_tokens), 0)::bigint, coalesce(sum(u.cost_microfils), 0)::bigint, count(u.id)
  from tenants t join plans p on p.code = t.plan_code
  left join ai_usage_log u on u.tenant_id = t.id and u.billed_month = p_month
  group by t.id, p.id order by t.slug
$$;
revoke all on function app.ai_usage_by_tenant(date) from public;
grant execute on function app.ai_usage_by_tenant(date) to manara_app;
grant select (tenant_id, id, billed_month, input_tokens, output_tokens, cost_microfils) on ai_usage_log to manara_doors;
grant select (ai_monthly_token_budget, ai_monthly_cost_budget) on tenants to manara_doors;
grant select on plans to manara_doors;
alter function app.ai_usage_by_tenant(date) owner to manara_doors;

-- A platform admin's override of one tenant's budgets (null: back to the plan's). The caller checks
-- who may; the function touches only these two columns. Returns false for an unknown tenant.
create function app.set_tenant_ai_budget(p_tenant uuid, p_tokens bigint, p_cost bigint)
  returns boolean
  language sql volatile security definer
  set search_path = pg_catalog, public, pg_temp
as $$
  update tenants set ai_monthly_token_budget = p_tokens, ai_monthly_cost_budget = p_cost where id = p_tenant
  returning true
$$;
revoke all on function app.set_tenant_ai_budget(uuid, bigint, bigint) from public;
grant execute on function app.set_tenant_ai_budget(uuid, bigint, bigint) to manara_app;
grant update (ai_monthly_token_budget, ai_monthly_cost_budget) on tenants to manara_doors;
grant select (id) on tenants to manara_doors;
alter function app.set_tenant_ai_budget(uuid, bigint, bigint) owner to manara_doors;
