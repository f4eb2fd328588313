-- Manual approval and rescheduling.
--
-- Approval: a business (tenants.requires_confirmation), or one service overriding it
-- (services.requires_confirmation, NULL follows the business), takes bookings as requests: status
-- REQUESTED, which holds its slot like PENDING_PAYMENT and CONFIRMED, until staff approve (CONFIRMED,
-- or PENDING_PAYMENT with a fresh hold), decline (DECLINED), or the decision deadline passes
-- (reservations.decision_deadline = min(created + tenants.approval_deadline_hours, start); the
-- background round declines it).
--
-- Reschedule: a reservation moves to another occupation (another time or staff member) in one
-- UPDATE. reservations_occupy no longer refuses a move: it frees the old occupation's seat and takes
-- one on the new, in that order, so a move into a range overlapping the reservation's own old range
-- is not refused by the exclusion constraint against itself, while a move onto anyone else's time
-- still is (occupations_no_overlap), and a full class still refuses a seat (occupations_seats_check).
-- History rows say from and to which time and staff member a reservation moved.

-- +goose Up
ALTER TABLE tenants
  ADD COLUMN requires_confirmation   boolean NOT NULL DEFAULT false,
  ADD COLUMN approval_deadline_hours integer NOT NULL DEFAULT 24 CHECK (approval_deadline_hours BETWEEN 1 AND 720);

ALTER TABLE services ADD COLUMN requires_confirmation boolean;

ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW', 'EXPIRED', 'DECLINED'));
ALTER TABLE reservations
  ADD COLUMN decision_deadline timestamptz,
  ADD COLUMN decline_reason    text CHECK (length(decline_reason) <= 500),
  ADD CONSTRAINT reservations_requested_deadline CHECK (status <> 'REQUESTED' OR decision_deadline IS NOT NULL);
CREATE INDEX reservations_due_requests_idx ON reservations (decision_deadline) WHERE status = 'REQUESTED';

ALTER TABLE reservation_history
  ADD COLUMN from_starts_at       timestamptz,
  ADD COLUMN to_starts_at         timestamptz,
  ADD COLUMN from_staff_member_id uuid,
  ADD COLUMN to_staff_member_id   uuid;

-- seats_taken follows the reservations' statuses and occupations (see 00002's header): REQUESTED,
-- PENDING_PAYMENT and CONFIRMED hold a seat. Entering that set takes a seat, leaving it frees one,
-- and moving to another occupation while in it frees the old seat first, then takes the new one.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reservations_occupy() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  was_active boolean := TG_OP = 'UPDATE' AND OLD.status IN ('REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED');
  is_active  boolean := NEW.status IN ('REQUESTED', 'PENDING_PAYMENT', 'CONFIRMED');
BEGIN
  IF was_active AND (NOT is_active OR NEW.occupation_id <> OLD.occupation_id) THEN
    UPDATE occupations SET seats_taken = seats_taken - 1, updated_at = now()
      WHERE tenant_id = OLD.tenant_id AND id = OLD.occupation_id;
  END IF;
  IF is_active AND (NOT was_active OR NEW.occupation_id <> OLD.occupation_id) THEN
    UPDATE occupations SET seats_taken = seats_taken + 1, updated_at = now()
      WHERE tenant_id = NEW.tenant_id AND id = NEW.occupation_id;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The requests whose decision deadline has passed, across all tenants (SECURITY DEFINER: the
-- background round has no tenant scope). It only lists them: each is then declined in its tenant's
-- transaction, which locks it (SKIP LOCKED) and checks again that it is still a due request, so
-- several instances never decline one twice. SKIP LOCKED here skips requests being decided now.
-- +goose StatementBegin
CREATE FUNCTION booking_due_requests(p_now timestamptz, p_limit integer)
  RETURNS TABLE (tenant_id uuid, reservation_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT r.tenant_id, r.id FROM reservations r
     WHERE r.status = 'REQUESTED' AND r.decision_deadline <= p_now
     ORDER BY r.decision_deadline
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION booking_due_requests(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION booking_due_requests(timestamptz, integer) TO slotpay_app;

-- +goose Down
DROP FUNCTION booking_due_requests(timestamptz, integer);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reservations_occupy() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  was_active boolean := TG_OP = 'UPDATE' AND OLD.status IN ('PENDING_PAYMENT', 'CONFIRMED');
  is_active  boolean := NEW.status IN ('PENDING_PAYMENT', 'CONFIRMED');
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.occupation_id <> OLD.occupation_id THEN
    RAISE EXCEPTION 'a reservation cannot move to another occupation' USING ERRCODE = 'check_violation';
  END IF;
  IF is_active AND NOT was_active THEN
    UPDATE occupations SET seats_taken = seats_taken + 1, updated_at = now()
      WHERE tenant_id = NEW.tenant_id AND id = NEW.occupation_id;
  ELSIF was_active AND NOT is_active THEN
    UPDATE occupations SET seats_taken = seats_taken - 1, updated_at = now()
      WHERE tenant_id = NEW.tenant_id AND id = NEW.occupation_id;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER TABLE reservation_history
  DROP COLUMN from_starts_at, DROP COLUMN to_starts_at, DROP COLUMN from_staff_member_id, DROP COLUMN to_staff_member_id;
DROP INDEX reservations_due_requests_idx;
ALTER TABLE reservations DROP CONSTRAINT reservations_requested_deadline,
  DROP COLUMN decision_deadline, DROP COLUMN decline_reason;
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
  CHECK (status IN ('PENDING_PAYMENT', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW', 'EXPIRED'));
ALTER TABLE services DROP COLUMN requires_confirmation;
ALTER TABLE tenants DROP COLUMN requires_confirmation, DROP COLUMN approval_deadline_hours;
