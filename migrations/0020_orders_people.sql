-- Orders that ship and the people behind captures: products carry whether they ship, an order keeps
-- its delivery (a Kuwaiti address, or pickup where the tenant allows it), and phones become E.164.

-- A product that ships asks for a delivery address at checkout; projects never ship.
alter table catalog_items add column ships boolean not null default false;

-- {"method": "pickup"} or {"method": "delivery", "address": {governorate, area, block, street, building,
-- floor, flat, notes}}; validated by the API (docs/capture.md). Null: nothing in the order ships.
alter table orders add column delivery jsonb
  check (delivery is null or (jsonb_typeof(delivery) = 'object' and delivery ->> 'method' in ('pickup', 'delivery')));

-- Phones typed before E.164 (captures now store +96550001234): the forms that parse without doubt
-- become E.164 (Kuwait's 8 digits with or without 965/00965/+965, and +/00 international numbers);
-- anything else stays as typed, still found by its digits.
create function app.phone_e164(typed text) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  with d as (
    select regexp_replace(translate(typed, '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', '01234567890123456789'), '[\s().\-]', '', 'g') as t
  )
  select case
    when t ~ '^(\+|00)?965[124569][0-9]{7}$' then '+965' || right(t, 8)
    when t ~ '^[124569][0-9]{7}$' then '+965' || t
    when t ~ '^(\+|00)[1-9][0-9]{7,14}$' then '+' || regexp_replace(t, '^(\+|00)', '')
    else typed
  end
  from d
$$;
revoke all on function app.phone_e164(text) from public;
grant execute on function app.phone_e164(text) to manara_app;

-- Row security is forced on these tables (the owner too): each tenant's rows under its own setting.
do $$
declare t uuid;
begin
  for t in select id from tenants loop
    perform set_config('app.current_tenant', t::text, true);
    update orders set customer_phone = app.phone_e164(customer_phone) where customer_phone <> app.phone_e164(customer_phone);
    update donations set donor_phone = app.phone_e164(donor_phone) where donor_phone <> '' and donor_phone <> app.phone_e164(donor_phone);
    update pledges set donor_phone = app.phone_e164(donor_phone) where donor_phone <> app.phone_e164(donor_phone);
  end loop;
  perform set_config('app.current_tenant', '', true);
end $$;
