-- Booking: services, staff members and their schedules, reservations that can never double-book, and
-- the expiry of unpaid holds.
--
-- Every table here is tenant-owned and follows the foundation's isolation pattern: tenant_id on every
-- row, foreign keys that include tenant_id (so a row can never point into another tenant), and RLS
-- enabled and forced with one policy on app_tenant_id().
--
-- No double booking is a property of the schema, not of the application:
--   * A reservation never holds time by itself. It attaches to an occupation: "staff member M is busy
--     with service S from starts_at to ends_at", whose blocked range includes the service's buffers.
--   * occupations.seats_taken counts the attached reservations in an active status (PENDING_PAYMENT,
--     CONFIRMED). A trigger on reservations keeps it exact on every insert and status change, in the
--     same statement, so no code path can forget it.
--   * CHECK (seats_taken <= capacity) caps a group class; the row lock taken by the increment
--     serialises concurrent bookers of one class, so the (capacity+1)-th of any number of concurrent
--     attempts fails.
--   * An exclusion constraint forbids two occupied (seats_taken > 0) occupations of one staff member
--     whose blocked ranges overlap. Ranges are [) so back-to-back slots touch without overlapping.
--   * One occupation per (staff member, service, start, end): people booking the same group class
--     share a row (the unique index is the ON CONFLICT arbiter), anything else that overlaps is refused.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Booking settings of a tenant. Durations in minutes; schedules are wall-clock times in tenants.time_zone.
ALTER TABLE tenants
  ADD COLUMN min_notice_minutes   integer NOT NULL DEFAULT 60  CHECK (min_notice_minutes BETWEEN 0 AND 43200),
  ADD COLUMN booking_horizon_days integer NOT NULL DEFAULT 90  CHECK (booking_horizon_days BETWEEN 1 AND 730),
  ADD COLUMN slot_step_minutes    integer NOT NULL DEFAULT 15  CHECK (slot_step_minutes BETWEEN 5 AND 240),
  ADD COLUMN default_hold_minutes integer NOT NULL DEFAULT 15  CHECK (default_hold_minutes BETWEEN 1 AND 1440);

CREATE TABLE services (
  tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id                     uuid NOT NULL,
  name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description            text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  category               text CHECK (category IS NULL OR length(category) BETWEEN 1 AND 100),
  duration_minutes       integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
  price_amount           bigint NOT NULL CHECK (price_amount BETWEEN 0 AND 100000000),
  currency               char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  buffer_before_minutes  integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 240),
  buffer_after_minutes   integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 240),
  capacity               integer NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 1000),
  payment_policy         text NOT NULL DEFAULT 'NONE' CHECK (payment_policy IN ('NONE', 'OPTIONAL', 'REQUIRED')),
  -- Minutes a customer has to pay under REQUIRED; NULL takes tenants.default_hold_minutes.
  hold_minutes           integer CHECK (hold_minutes IS NULL OR hold_minutes BETWEEN 1 AND 1440),
  active                 boolean NOT NULL DEFAULT true,
  -- Archived services are never deleted, so past reservations keep pointing at them.
  archived_at            timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE staff_members (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- The member account of this worker, if any: a STAFF member edits only the schedule linked to it.
  user_id      uuid,
  active       boolean NOT NULL DEFAULT true,
  archived_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (user_id)
);
CREATE UNIQUE INDEX staff_members_user_key ON staff_members (tenant_id, user_id) WHERE user_id IS NOT NULL;

-- Which services a staff member performs.
CREATE TABLE staff_services (
  tenant_id        uuid NOT NULL,
  staff_member_id  uuid NOT NULL,
  service_id       uuid NOT NULL,
  PRIMARY KEY (tenant_id, staff_member_id, service_id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX staff_services_service_idx ON staff_services (tenant_id, service_id);

-- Weekly working hours: local wall-clock minutes since midnight (0-1440) on a weekday (0 = Sunday,
-- as Go's time.Weekday), in the tenant's time zone. Several intervals a day, never overlapping.
CREATE TABLE weekly_intervals (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  staff_member_id  uuid NOT NULL,
  weekday          smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
  start_minute     integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute       integer NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id) ON DELETE CASCADE,
  CHECK (start_minute < end_minute),
  EXCLUDE USING gist (tenant_id WITH =, staff_member_id WITH =, weekday WITH =,
                      int4range(start_minute, end_minute) WITH &&)
);

-- Exceptions by local date: the rows of a date replace that weekday's hours. A row without minutes
-- is a day off (and is then the date's only row).
CREATE TABLE schedule_exceptions (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  staff_member_id  uuid NOT NULL,
  date             date NOT NULL,
  start_minute     integer CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute       integer CHECK (end_minute BETWEEN 1 AND 1440),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id) ON DELETE CASCADE,
  CHECK ((start_minute IS NULL) = (end_minute IS NULL) AND (start_minute IS NULL OR start_minute < end_minute)),
  EXCLUDE USING gist (tenant_id WITH =, staff_member_id WITH =, date WITH =,
                      int4range(coalesce(start_minute, 0), coalesce(end_minute, 1440)) WITH &&)
);

-- Time off: absolute instants (holidays, sick leave), subtracted from any working hours.
CREATE TABLE time_off (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  staff_member_id  uuid NOT NULL,
  starts_at        timestamptz NOT NULL,
  ends_at          timestamptz NOT NULL,
  reason           text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id) ON DELETE CASCADE,
  CHECK (starts_at < ends_at)
);
CREATE INDEX time_off_staff_idx ON time_off (tenant_id, staff_member_id, starts_at);

-- What a staff member is busy with (see the header). blocked_from/blocked_to include the buffers.
CREATE TABLE occupations (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  staff_member_id  uuid NOT NULL,
  service_id       uuid NOT NULL,
  starts_at        timestamptz NOT NULL,
  ends_at          timestamptz NOT NULL,
  blocked_from     timestamptz NOT NULL,
  blocked_to       timestamptz NOT NULL,
  capacity         integer NOT NULL CHECK (capacity >= 1),
  seats_taken      integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id),
  FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
  CHECK (starts_at < ends_at AND blocked_from <= starts_at AND ends_at <= blocked_to),
  CONSTRAINT occupations_seats_check CHECK (seats_taken BETWEEN 0 AND capacity),
  CONSTRAINT occupations_no_overlap EXCLUDE USING gist (
    tenant_id WITH =, staff_member_id WITH =, tstzrange(blocked_from, blocked_to, '[)') WITH &&
  ) WHERE (seats_taken > 0)
);
CREATE UNIQUE INDEX occupations_slot_key ON occupations (tenant_id, staff_member_id, service_id, starts_at, ends_at);

CREATE TABLE reservations (
  tenant_id          uuid NOT NULL,
  id                 uuid NOT NULL,
  service_id         uuid NOT NULL,
  staff_member_id    uuid NOT NULL,
  occupation_id      uuid NOT NULL,
  starts_at          timestamptz NOT NULL,
  ends_at            timestamptz NOT NULL,
  status             text NOT NULL CHECK (status IN ('PENDING_PAYMENT', 'CONFIRMED', 'CANCELLED', 'COMPLETED', 'NO_SHOW', 'EXPIRED')),
  payment_status     text NOT NULL CHECK (payment_status IN ('NOT_REQUIRED', 'UNPAID', 'PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED')),
  price_amount       bigint NOT NULL CHECK (price_amount >= 0),
  currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  hold_expires_at    timestamptz,
  customer_name      text NOT NULL CHECK (length(customer_name) BETWEEN 1 AND 200),
  customer_email     text NOT NULL CHECK (length(customer_email) BETWEEN 3 AND 254),
  customer_phone     text NOT NULL DEFAULT '' CHECK (length(customer_phone) <= 32),
  note               text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
  source             text NOT NULL CHECK (source IN ('PUBLIC', 'STAFF')),
  created_by         uuid,
  cancel_reason      text,
  idempotency_key    text CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
  -- SHA-256 of the request's content, so a reused key with different content is recognised.
  request_hash       bytea,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
  FOREIGN KEY (tenant_id, staff_member_id) REFERENCES staff_members (tenant_id, id),
  FOREIGN KEY (tenant_id, occupation_id) REFERENCES occupations (tenant_id, id),
  CHECK (starts_at < ends_at),
  CHECK (status <> 'PENDING_PAYMENT' OR hold_expires_at IS NOT NULL)
);
CREATE UNIQUE INDEX reservations_idempotency_key ON reservations (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX reservations_starts_idx ON reservations (tenant_id, starts_at, id);
CREATE INDEX reservations_occupation_idx ON reservations (tenant_id, occupation_id);
CREATE INDEX reservations_staff_idx ON reservations (tenant_id, staff_member_id, starts_at);
CREATE INDEX reservations_due_holds_idx ON reservations (hold_expires_at) WHERE status = 'PENDING_PAYMENT';

-- One row per transition of a reservation's status or payment status. actor is a user id, 'customer'
-- or 'system'.
CREATE TABLE reservation_history (
  tenant_id            uuid NOT NULL,
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  -- Orders rows written in one instant (the clock may not move between two transitions).
  seq                  bigint GENERATED ALWAYS AS IDENTITY,
  reservation_id       uuid NOT NULL,
  from_status          text,
  to_status            text NOT NULL,
  from_payment_status  text,
  to_payment_status    text NOT NULL,
  actor                text NOT NULL CHECK (length(actor) BETWEEN 1 AND 64),
  reason               text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX reservation_history_reservation_idx ON reservation_history (tenant_id, reservation_id, seq);

-- seats_taken follows the reservations' statuses (see the header). Entering the active set adds a
-- seat, which is where capacity (CHECK) and overlap (exclusion, when the row becomes occupied) are
-- enforced; leaving it frees the seat. An occupation left with no seat stays as an inert row that a
-- later booking of the same slot revives.
-- +goose StatementBegin
CREATE FUNCTION reservations_occupy() RETURNS trigger
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
CREATE TRIGGER reservations_occupy AFTER INSERT OR UPDATE OF status, occupation_id ON reservations
  FOR EACH ROW EXECUTE FUNCTION reservations_occupy();

-- Expires one locked, overdue hold: status, history and a live-update event (same JSON as
-- services/events.Event). Called by the two functions below only.
-- +goose StatementBegin
CREATE FUNCTION booking_expire_hold(p_tenant uuid, p_id uuid, p_now timestamptz) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  r reservations%ROWTYPE;
BEGIN
  UPDATE reservations SET status = 'EXPIRED', updated_at = p_now
    WHERE tenant_id = p_tenant AND id = p_id AND status = 'PENDING_PAYMENT'
    RETURNING * INTO r;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO reservation_history (tenant_id, reservation_id, from_status, to_status,
      from_payment_status, to_payment_status, actor, reason, created_at)
    VALUES (r.tenant_id, r.id, 'PENDING_PAYMENT', 'EXPIRED', r.payment_status, r.payment_status,
      'system', 'payment hold expired', p_now);
  PERFORM pg_notify('slotpay_events', json_build_object(
    'k', 'RESERVATION_UPDATED', 't', r.tenant_id, 'r', r.id, 's', r.service_id, 'm', r.staff_member_id,
    'f', to_char(r.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'u', to_char(r.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text);
END
$$;
-- +goose StatementEnd

-- Expires the overdue holds of one staff member whose occupations overlap [p_from, p_to). Runs
-- inside a booking transaction, under its tenant's RLS scope, just before the new occupation is
-- claimed, so an expired hold never blocks a slot even when the worker is late. It waits for rows
-- locked by others (no SKIP LOCKED): a hold skipped here could still block the insert that follows.
-- +goose StatementBegin
CREATE FUNCTION booking_expire_overlapping_holds(p_tenant uuid, p_staff uuid, p_from timestamptz,
    p_to timestamptz, p_now timestamptz) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  due record;
  n integer := 0;
BEGIN
  FOR due IN
    SELECT r.tenant_id, r.id FROM reservations r
      JOIN occupations o ON o.tenant_id = r.tenant_id AND o.id = r.occupation_id
      WHERE r.tenant_id = p_tenant AND r.staff_member_id = p_staff
        AND r.status = 'PENDING_PAYMENT' AND r.hold_expires_at <= p_now
        AND o.blocked_from < p_to AND o.blocked_to > p_from
      ORDER BY r.id
      FOR UPDATE OF r
  LOOP
    PERFORM booking_expire_hold(due.tenant_id, due.id, p_now);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
-- +goose StatementEnd

-- The background expiry across all tenants (SECURITY DEFINER: the worker has no tenant scope).
-- SKIP LOCKED lets any number of instances run it at once without waiting for or repeating each
-- other's work; a hold locked by a booking or a payment in flight is left for the next round.
-- +goose StatementBegin
CREATE FUNCTION booking_expire_due_holds(p_now timestamptz, p_limit integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  due record;
  n integer := 0;
BEGIN
  FOR due IN
    SELECT r.tenant_id, r.id FROM reservations r
      WHERE r.status = 'PENDING_PAYMENT' AND r.hold_expires_at <= p_now
      ORDER BY r.hold_expires_at
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
  LOOP
    PERFORM booking_expire_hold(due.tenant_id, due.id, p_now);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
-- +goose StatementEnd

-- Public (no login) look-ups for the booking widget go through RLS like everything else: the
-- application resolves the slug with public_tenant_id_by_slug and then scopes the transaction.

ALTER TABLE services ENABLE ROW LEVEL SECURITY;
ALTER TABLE services FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON services
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE staff_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_members
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE staff_services ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_services FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON staff_services
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE weekly_intervals ENABLE ROW LEVEL SECURITY;
ALTER TABLE weekly_intervals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON weekly_intervals
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE schedule_exceptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedule_exceptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON schedule_exceptions
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE time_off ENABLE ROW LEVEL SECURITY;
ALTER TABLE time_off FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON time_off
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE occupations ENABLE ROW LEVEL SECURITY;
ALTER TABLE occupations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON occupations
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reservations
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE reservation_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservation_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reservation_history
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- Tables get the application's grants from the foundation's default privileges; functions are
-- restricted explicitly (default privileges grant EXECUTE to PUBLIC as well).
REVOKE ALL ON FUNCTION reservations_occupy(), booking_expire_hold(uuid, uuid, timestamptz),
  booking_expire_overlapping_holds(uuid, uuid, timestamptz, timestamptz, timestamptz),
  booking_expire_due_holds(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION booking_expire_hold(uuid, uuid, timestamptz),
  booking_expire_overlapping_holds(uuid, uuid, timestamptz, timestamptz, timestamptz),
  booking_expire_due_holds(timestamptz, integer) TO slotpay_app;

-- +goose Down
DROP FUNCTION booking_expire_due_holds(timestamptz, integer),
  booking_expire_overlapping_holds(uuid, uuid, timestamptz, timestamptz, timestamptz),
  booking_expire_hold(uuid, uuid, timestamptz);
DROP TABLE reservation_history, reservations, occupations, time_off, schedule_exceptions,
  weekly_intervals, staff_services, staff_members, services;
DROP FUNCTION reservations_occupy();
ALTER TABLE tenants DROP COLUMN min_notice_minutes, DROP COLUMN booking_horizon_days,
  DROP COLUMN slot_step_minutes, DROP COLUMN default_hold_minutes;
