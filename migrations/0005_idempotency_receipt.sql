-- A completed Idempotency-Key points at the capture it made, by that capture's receipt token, and a
-- replay reads the receipt again. The key is completed by the capture's own last statement (whose
-- COMMIT is pipelined behind it), so it is completed exactly when the record exists.
alter table idempotency_keys add column receipt_token text;
alter table idempotency_keys drop column response_body;
