-- Idempotency-Key claims under a short lease: a claim records the process that holds it and until when;
-- the request renews the lease while it runs. A claim whose process died (kill -9, a lost machine)
-- is taken over once its lease ended, seconds later instead of a minute.
alter table idempotency_keys
  add column owner text check (length(owner) <= 200),
  add column lease_until timestamptz;

-- A capture whose claim was taken over (its lease ended while it waited) must not commit: its last
-- statement then sets a state outside this list, so the whole transaction fails and rolls back.
alter table idempotency_keys drop constraint idempotency_keys_state_check;
alter table idempotency_keys add constraint idempotency_keys_state check (state in ('in_flight', 'completed'));
