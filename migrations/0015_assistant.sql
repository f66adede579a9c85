-- The storefront assistant (docs/assistant.md): the tenant's FAQs, its assistant settings, and visitors'
-- conversations with their messages. Every table is a tenant table under the one forced policy.

create table faqs (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  question_ar text not null check (question_ar <> '' and length(question_ar) <= 300),
  question_en text not null default '' check (length(question_en) <= 300),
  answer_ar text not null check (answer_ar <> '' and length(answer_ar) <= 4000),
  answer_en text not null default '' check (length(answer_en) <= 4000),
  category text not null default 'general' check (length(category) between 1 and 60),
  published boolean not null default true,
  position integer not null default 0 check (position between 0 and 100000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Each language on its own, folded as the catalog's search is (0003): the question weighs more than the answer.
  search_ar tsvector generated always as (
    setweight(to_tsvector('simple', app.fold_arabic(question_ar)), 'A')
    || setweight(to_tsvector('simple', app.fold_arabic(answer_ar)), 'C')
    || setweight(to_tsvector('arabic', app.fold_arabic(question_ar || ' ' || answer_ar)), 'D')
  ) stored,
  search_en tsvector generated always as (
    setweight(to_tsvector('simple', lower(question_en)), 'A')
    || setweight(to_tsvector('simple', lower(answer_en)), 'C')
    || setweight(to_tsvector('english', question_en || ' ' || answer_en), 'D')
  ) stored,
  primary key (tenant_id, id)
);
create index faqs_order on faqs (tenant_id, position, created_at);
create index faqs_search_ar on faqs using gin (search_ar);
create index faqs_search_en on faqs using gin (search_en);
create trigger faqs_touch before update on faqs for each row execute function app.touch_updated_at();

-- A question's words -> any of them (a question is not a search: one word in common can be enough),
-- as folded prefixes, Arabic stems or English stems. Ranking decides, and the assistant's own check
-- of how many words matched decides whether a passage answers at all.
create function app.assistant_query(words text[]) returns tsquery
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select case when cardinality(words) = 0 then null else
    to_tsquery('simple', (select string_agg(quote_literal(app.fold_arabic(w)) || ':*', ' | ') from unnest(words) w))
    || to_tsquery('arabic', (select string_agg(quote_literal(app.fold_arabic(w)), ' | ') from unnest(words) w))
    || to_tsquery('english', (select string_agg(quote_literal(lower(w)), ' | ') from unnest(words) w))
  end
$$;
revoke all on function app.assistant_query(text[]) from public;
grant execute on function app.assistant_query(text[]) to manara_app;

create table assistant_settings (
  tenant_id uuid not null primary key references tenants (id) on delete cascade,
  enabled boolean not null default true,
  tone text not null default 'warm' check (tone in ('warm', 'formal')),
  handoff_emails text[] not null default '{}' check (cardinality(handoff_emails) <= 10),
  handoff_telegram boolean not null default true,
  updated_at timestamptz not null default now()
);
create trigger assistant_settings_touch before update on assistant_settings for each row execute function app.touch_updated_at();

create table ai_conversations (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  visit_id uuid,
  locale text not null default 'ar' check (locale in ('ar', 'en')),
  status text not null default 'open' check (status in ('open', 'answered', 'handed_off', 'declined', 'closed', 'resolved')),
  visitor_email text check (length(visitor_email) <= 254),
  -- sha256 of the visitor's token, hex: the token itself is never stored.
  visitor_token_hash text not null check (visitor_token_hash ~ '^[0-9a-f]{64}$'),
  turns integer not null default 0 check (turns >= 0),
  handoff_reason text check (handoff_reason in ('asked', 'guardrail', 'turn-cap', 'unknown')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_message_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, visit_id) references visits (tenant_id, id) on delete set null (visit_id)
);
-- The staff's list: newest activity first, by status.
create index ai_conversations_recent on ai_conversations (tenant_id, last_message_at desc, id desc);
create index ai_conversations_status on ai_conversations (tenant_id, status, last_message_at desc, id desc);
create index ai_conversations_visit on ai_conversations (tenant_id, visit_id);
create trigger ai_conversations_touch before update on ai_conversations for each row execute function app.touch_updated_at();

create table ai_messages (
  tenant_id uuid not null references tenants (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  conversation_id uuid not null,
  role text not null check (role in ('visitor', 'assistant', 'staff')),
  body text not null check (length(body) <= 20000),
  citations jsonb not null default '[]' check (jsonb_typeof(citations) = 'array'),
  outcome text check (outcome in ('answered', 'handed_off', 'declined', 'replaced')),
  replaced_reason text check (length(replaced_reason) <= 4000),
  member_id uuid,
  created_at timestamptz not null default clock_timestamp(),
  primary key (tenant_id, id),
  foreign key (tenant_id, conversation_id) references ai_conversations (tenant_id, id) on delete cascade,
  check ((outcome = 'replaced') = (replaced_reason is not null)),
  check ((role = 'staff') = (member_id is not null))
);
create index ai_messages_conversation on ai_messages (tenant_id, conversation_id, created_at);

select app.isolate_tenant_table(t)
from unnest(array['faqs', 'assistant_settings', 'ai_conversations', 'ai_messages']::regclass[]) t;
grant select, insert, update, delete on faqs to manara_app;
grant select, insert, update on assistant_settings, ai_conversations to manara_app;
-- Messages are a record: written once, never changed.
grant select, insert on ai_messages to manara_app;
