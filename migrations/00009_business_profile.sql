-- A business's public profile: address, contact, logo and cancellation policy, shown to customers by
-- slug and on their reservation. NULL means "not given" (never an empty string). The caps repeat the
-- application's validation (services/tenancy), so no other writer can store more.

-- +goose Up
ALTER TABLE tenants
  ADD COLUMN address_line1       text CHECK (length(address_line1) BETWEEN 1 AND 200),
  ADD COLUMN address_line2       text CHECK (length(address_line2) BETWEEN 1 AND 200),
  ADD COLUMN city                text CHECK (length(city) BETWEEN 1 AND 100),
  ADD COLUMN postal_code         text CHECK (length(postal_code) BETWEEN 1 AND 20),
  ADD COLUMN country             char(2) CHECK (country ~ '^[A-Z]{2}$'),
  ADD COLUMN contact_email       text CHECK (length(contact_email) BETWEEN 3 AND 254),
  ADD COLUMN phone               text CHECK (length(phone) BETWEEN 1 AND 32),
  ADD COLUMN logo_url            text CHECK (logo_url LIKE 'https://%' AND length(logo_url) <= 2048),
  ADD COLUMN cancellation_policy text CHECK (length(cancellation_policy) BETWEEN 1 AND 4000);

-- +goose Down
ALTER TABLE tenants
  DROP COLUMN address_line1, DROP COLUMN address_line2, DROP COLUMN city, DROP COLUMN postal_code,
  DROP COLUMN country, DROP COLUMN contact_email, DROP COLUMN phone, DROP COLUMN logo_url,
  DROP COLUMN cancellation_policy;
