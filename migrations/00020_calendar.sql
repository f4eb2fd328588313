-- Calendar files and feeds (services/calendar).
--
-- reservations.calendar_sequence is the iCalendar SEQUENCE of the reservation's event: 0 when
-- booked, one more on every reschedule (booking.Reschedule, the one place a visit moves), so a
-- calendar that holds the event (by its UID, <reservation id>@<host>) takes the new time.
--
-- calendar_feeds are the secret subscription URLs: one per staff member (their visits) and one per
-- business (everyone's; staff_member_id NULL). The URL holds a random token; only its SHA-256 is
-- stored. A feed is revoked (revoked_at) rather than deleted, and rotating one revokes it and
-- issues another, so at most one live feed exists per staff member and per business. A feed is
-- fetched without any other credential, before a tenant is known: calendar_feed_by_token is the
-- narrow SECURITY DEFINER look-up of a live feed by its token's hash.

-- +goose Up
ALTER TABLE reservations ADD COLUMN calendar_sequence integer NOT NULL DEFAULT 0 CHECK (calendar_sequence >= 0);

CREATE TABLE calendar_feeds (
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  staff_member_id uuid,
  token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX calendar_feeds_one_live ON calendar_feeds
  (tenant_id, coalesce(staff_member_id, '00000000-0000-0000-0000-000000000000'::uuid)) WHERE revoked_at IS NULL;

ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendar_feeds
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

CREATE FUNCTION calendar_feed_by_token(p_hash bytea)
  RETURNS TABLE (tenant_id uuid, feed_id uuid, staff_member_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT f.tenant_id, f.id, f.staff_member_id FROM calendar_feeds f
        WHERE f.token_hash = p_hash AND f.revoked_at IS NULL $$;
REVOKE ALL ON FUNCTION calendar_feed_by_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION calendar_feed_by_token(bytea) TO slotpay_app;

-- +goose Down
DROP FUNCTION calendar_feed_by_token(bytea);
DROP TABLE calendar_feeds;
ALTER TABLE reservations DROP COLUMN calendar_sequence;
