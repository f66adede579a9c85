-- An owner or admin withdraws an invitation before it is accepted: the row stays (and its audit row),
-- the token stops working.
alter table tenant_invitations add column revoked_at timestamptz;
alter table tenant_invitations add column revoked_by uuid references users (id);
alter table tenant_invitations add constraint tenant_invitations_revoked_by_whom check ((revoked_at is null) = (revoked_by is null));
create index tenant_invitations_revoked_by on tenant_invitations (revoked_by);
