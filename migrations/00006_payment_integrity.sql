-- Payment integrity (issue 11).
--
--   * UNKNOWN: imoje was asked to create the payment and did not answer (timeout, crash): the
--     payment may be in progress at imoje, so it stays the reservation's active payment until imoje
--     says otherwise or its lifetime (valid_to, what slotpay sent imoje as validTo) has passed.
--   * SUPERSEDED: an UNKNOWN (or unsettled) payment replaced by a newer one; no longer active, still
--     asked about, and refunded if it settles after all.
--   * DUPLICATE: money that arrived for a reservation already paid by another payment; recorded,
--     then refunded (automatically, unless the payment method says staff decide).
--   * reconciliation's first check and backoff follow its minimum age (configurable), so fresh
--     payments are looked at within a minute.

-- +goose Up
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
  CHECK (status IN ('CREATED', 'UNKNOWN', 'PENDING', 'PAID', 'FAILED', 'CANCELLED', 'SUPERSEDED', 'DUPLICATE'));
ALTER TABLE payments ADD COLUMN valid_to timestamptz;

DROP INDEX payments_one_active;
CREATE UNIQUE INDEX payments_one_active ON payments (tenant_id, reservation_id) WHERE status IN ('CREATED', 'UNKNOWN', 'PENDING', 'PAID');
DROP INDEX payments_to_check_idx;
CREATE INDEX payments_to_check_idx ON payments (next_check_at) WHERE status IN ('CREATED', 'UNKNOWN', 'PENDING', 'SUPERSEDED');

-- Refunds slotpay starts by itself (duplicate charges, money for a cancelled or expired reservation).
ALTER TABLE refunds ADD COLUMN automatic boolean NOT NULL DEFAULT false;
-- false: such money is kept and flagged for staff, who refund it with refundPayment.
ALTER TABLE payment_methods ADD COLUMN auto_refund_unwanted boolean NOT NULL DEFAULT true;

CREATE OR REPLACE FUNCTION claim_payments_to_reconcile(p_now timestamptz, p_min_age interval, p_limit integer)
  RETURNS TABLE (tenant_id uuid, payment_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE payments p
       SET next_check_at = p_now + least(interval '1 hour', p_min_age * power(2, p.check_attempts)),
           check_attempts = p.check_attempts + 1
     WHERE (p.tenant_id, p.id) IN (
       SELECT q.tenant_id, q.id FROM payments q
        WHERE q.status IN ('CREATED', 'UNKNOWN', 'PENDING', 'SUPERSEDED')
          AND q.created_at <= p_now - p_min_age
          AND coalesce(q.next_check_at, '-infinity') <= p_now
        ORDER BY q.next_check_at NULLS FIRST
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING p.tenant_id, p.id
  $$;

CREATE OR REPLACE FUNCTION claim_refunds_to_reconcile(p_now timestamptz, p_min_age interval, p_limit integer)
  RETURNS TABLE (tenant_id uuid, refund_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE refunds r
       SET next_check_at = p_now + least(interval '1 hour', p_min_age * power(2, r.check_attempts)),
           check_attempts = r.check_attempts + 1
     WHERE (r.tenant_id, r.id) IN (
       SELECT q.tenant_id, q.id FROM refunds q
        WHERE q.status IN ('REQUESTED', 'PENDING')
          AND q.created_at <= p_now - p_min_age
          AND coalesce(q.next_check_at, '-infinity') <= p_now
        ORDER BY q.next_check_at NULLS FIRST
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING r.tenant_id, r.id
  $$;

-- +goose Down
CREATE OR REPLACE FUNCTION claim_refunds_to_reconcile(p_now timestamptz, p_min_age interval, p_limit integer)
  RETURNS TABLE (tenant_id uuid, refund_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE refunds r
       SET next_check_at = p_now + least(interval '1 hour', interval '1 minute' * power(2, r.check_attempts)),
           check_attempts = r.check_attempts + 1
     WHERE (r.tenant_id, r.id) IN (
       SELECT q.tenant_id, q.id FROM refunds q
        WHERE q.status IN ('REQUESTED', 'PENDING')
          AND q.created_at <= p_now - p_min_age
          AND coalesce(q.next_check_at, '-infinity') <= p_now
        ORDER BY q.next_check_at NULLS FIRST
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING r.tenant_id, r.id
  $$;
CREATE OR REPLACE FUNCTION claim_payments_to_reconcile(p_now timestamptz, p_min_age interval, p_limit integer)
  RETURNS TABLE (tenant_id uuid, payment_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE payments p
       SET next_check_at = p_now + least(interval '1 hour', interval '1 minute' * power(2, p.check_attempts)),
           check_attempts = p.check_attempts + 1
     WHERE (p.tenant_id, p.id) IN (
       SELECT q.tenant_id, q.id FROM payments q
        WHERE q.status IN ('CREATED', 'PENDING')
          AND q.created_at <= p_now - p_min_age
          AND coalesce(q.next_check_at, '-infinity') <= p_now
        ORDER BY q.next_check_at NULLS FIRST
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING p.tenant_id, p.id
  $$;
ALTER TABLE payment_methods DROP COLUMN auto_refund_unwanted;
ALTER TABLE refunds DROP COLUMN automatic;
DROP INDEX payments_to_check_idx;
CREATE INDEX payments_to_check_idx ON payments (next_check_at) WHERE status IN ('CREATED', 'PENDING');
DROP INDEX payments_one_active;
CREATE UNIQUE INDEX payments_one_active ON payments (tenant_id, reservation_id) WHERE status IN ('CREATED', 'PENDING', 'PAID');
ALTER TABLE payments DROP COLUMN valid_to;
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('CREATED', 'PENDING', 'PAID', 'FAILED', 'CANCELLED'));
