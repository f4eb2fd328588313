-- "My bookings" by magic link (services/mybookings): a customer gives a business's booking page
-- their e-mail and receives a link that opens a session listing their reservations there.
--
-- A link is single use and short-lived: only the SHA-256 of its random token is stored, used_at is
-- set by the one UPDATE that redeems it (so two concurrent redemptions cannot both succeed), and
-- redeeming one spends every other open link of that customer. The customer is the business's
-- customer record (customers, matched by normalised e-mail as bookings match them).

-- +goose Up
CREATE TABLE my_bookings_links (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  customer_id uuid NOT NULL,
  token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE,
  CHECK (expires_at > created_at)
);
CREATE INDEX my_bookings_links_customer_idx ON my_bookings_links (tenant_id, customer_id) WHERE used_at IS NULL;

ALTER TABLE my_bookings_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE my_bookings_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON my_bookings_links
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- +goose Down
DROP TABLE my_bookings_links;
