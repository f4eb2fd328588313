-- Customers: one record per person per business, matched on every booking by normalised e-mail,
-- then by normalised phone, within the business only (services/customers holds the rules), and
-- linked from each reservation. A reservation keeps its own customer_name/email/phone: what was
-- typed at booking, which staff editing the customer record never rewrites.
--
-- email_normalized is the address trimmed and lower-cased (customers.NormalizeEmail); no provider
-- rules (Gmail's dots, plus-tags), which are not universal. phone_normalized is E.164 when the number
-- can be read as one (a number without a country code is Polish, +48), else its digits.
-- customers_normalize_phone below is the SQL twin of customers.NormalizePhone, used only by this
-- migration's backfill; TestNormalizePhoneMatchesTheMigration keeps the two in step.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE customers (
  tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                 uuid NOT NULL,
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email              text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  email_normalized   text NOT NULL CHECK (length(email_normalized) BETWEEN 3 AND 254),
  phone              text CHECK (length(phone) BETWEEN 1 AND 32),
  phone_normalized   text CHECK (length(phone_normalized) BETWEEN 1 AND 16),
  -- A BCP 47 tag (pl-PL), NULL when not known.
  locale             text CHECK (length(locale) BETWEEN 2 AND 35),
  -- Staff only, never shown to the customer.
  notes              text CHECK (length(notes) BETWEEN 1 AND 5000),
  marketing_email    boolean NOT NULL DEFAULT false,
  marketing_email_at timestamptz,
  marketing_sms      boolean NOT NULL DEFAULT false,
  marketing_sms_at   timestamptz,
  tags               text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 50),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK ((phone IS NULL) = (phone_normalized IS NULL)),
  CHECK (marketing_email OR marketing_email_at IS NULL),
  CHECK (marketing_sms OR marketing_sms_at IS NULL)
);
-- One record per address in a business: concurrent first bookings of one person meet on it (the
-- ON CONFLICT arbiter of the booking's upsert).
CREATE UNIQUE INDEX customers_email_key ON customers (tenant_id, email_normalized);
CREATE INDEX customers_phone_idx ON customers (tenant_id, phone_normalized) WHERE phone_normalized IS NOT NULL;
-- The list's order (name, then id) and its keyset.
CREATE INDEX customers_name_idx ON customers (tenant_id, lower(name), id);
-- Search by any part of a name, e-mail or phone.
CREATE INDEX customers_search_idx ON customers USING gin (
  (lower(name) || ' ' || email_normalized || ' ' || coalesce(phone_normalized, '')) gin_trgm_ops);

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customers
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE reservations ADD COLUMN customer_id uuid;

-- +goose StatementBegin
CREATE FUNCTION customers_normalize_phone(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  d text := regexp_replace(coalesce(p, ''), '[^0-9]', '', 'g');
  plus boolean := btrim(coalesce(p, '')) LIKE '+%';
BEGIN
  IF d = '' THEN
    RETURN NULL;
  END IF;
  IF NOT plus AND d LIKE '00%' THEN
    d := substr(d, 3);
    plus := true;
  END IF;
  IF plus THEN
    IF length(d) BETWEEN 8 AND 15 AND d NOT LIKE '0%' THEN
      RETURN '+' || d;
    END IF;
    RETURN left(d, 16);
  END IF;
  IF length(d) = 9 AND d NOT LIKE '0%' THEN
    RETURN '+48' || d;
  END IF;
  IF length(d) = 11 AND d LIKE '48%' AND substr(d, 3, 1) <> '0' THEN
    RETURN '+' || d;
  END IF;
  RETURN left(d, 16);
END
$$;
-- +goose StatementEnd

-- Backfill: one customer per business and normalised e-mail of the reservations so far, named and
-- reached as in the latest of them. Matching by phone is left to new bookings: two addresses that
-- share a phone were two records before and stay two (staff may merge them).
INSERT INTO customers (tenant_id, id, name, email, email_normalized, phone, phone_normalized, created_at, updated_at)
SELECT DISTINCT ON (r.tenant_id, lower(btrim(r.customer_email)))
  r.tenant_id, gen_random_uuid(), r.customer_name, btrim(r.customer_email), lower(btrim(r.customer_email)),
  nullif(btrim(r.customer_phone), ''), customers_normalize_phone(nullif(btrim(r.customer_phone), '')),
  min(r.created_at) OVER (PARTITION BY r.tenant_id, lower(btrim(r.customer_email))), now()
FROM reservations r
ORDER BY r.tenant_id, lower(btrim(r.customer_email)), r.created_at DESC, r.id;

UPDATE reservations r SET customer_id = c.id
FROM customers c
WHERE c.tenant_id = r.tenant_id AND c.email_normalized = lower(btrim(r.customer_email));

ALTER TABLE reservations ALTER COLUMN customer_id SET NOT NULL,
  ADD CONSTRAINT reservations_customer_fkey FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id);
-- A customer's visits, newest first.
CREATE INDEX reservations_customer_idx ON reservations (tenant_id, customer_id, starts_at DESC, id DESC);

REVOKE ALL ON FUNCTION customers_normalize_phone(text) FROM PUBLIC;

-- +goose Down
DROP INDEX reservations_customer_idx;
ALTER TABLE reservations DROP COLUMN customer_id;
DROP FUNCTION customers_normalize_phone(text);
DROP TABLE customers;
