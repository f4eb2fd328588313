-- Text messages (services/sms): each business's SMS settings, and customers' opt-out.
--
-- sms_settings is one row per business that has set anything; no row means SMS off. The business's
-- own SMSAPI token is sealed like the imoje secrets (AES-256-GCM, SLOTPAY_CREDENTIAL_KEYS, bound to
-- the tenant and the field "sms.smsapiToken"); only its last four characters are kept readable. A
-- business without a token of its own sends through the platform's account (SLOTPAY_SMSAPI_TOKEN)
-- when there is one.
--
-- A customer who opted out gets no text message from that business (transactional ones included:
-- e-mail still goes). sms_opted_out_at says since when, sms_opt_out_source who asked: STAFF (the
-- customer asked the business) or CUSTOMER (through their booking's link).

-- +goose Up
CREATE TABLE sms_settings (
  tenant_id     uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  enabled       boolean NOT NULL DEFAULT false,
  -- SMSAPI's rule for an alphanumeric sender: at most 11 of a-z A-Z 0-9 - . and space.
  sender_name   text CHECK (sender_name ~ '^[A-Za-z0-9. -]{1,11}$'),
  token_sealed  text CHECK (length(token_sealed) BETWEEN 1 AND 2000),
  token_hint    text CHECK (length(token_hint) BETWEEN 1 AND 16),
  -- Polish letters sent without diacritics (GSM-7: 160 characters a part instead of 70).
  transliterate boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((token_sealed IS NULL) = (token_hint IS NULL))
);

ALTER TABLE sms_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE sms_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sms_settings
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE customers
  ADD COLUMN sms_opted_out_at timestamptz,
  ADD COLUMN sms_opt_out_source text CHECK (sms_opt_out_source IN ('STAFF', 'CUSTOMER')),
  ADD CONSTRAINT customers_sms_opt_out_check CHECK ((sms_opted_out_at IS NULL) = (sms_opt_out_source IS NULL));

-- +goose Down
ALTER TABLE customers DROP CONSTRAINT customers_sms_opt_out_check,
  DROP COLUMN sms_opt_out_source, DROP COLUMN sms_opted_out_at;
DROP TABLE sms_settings;
