-- Refunds whose notification never came are asked about too (GET transaction lists a sale's
-- refunds), with the same claiming as payments: SKIP LOCKED across instances, backoff per refund.

-- +goose Up
ALTER TABLE refunds ADD COLUMN next_check_at timestamptz, ADD COLUMN check_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX refunds_to_check_idx ON refunds (next_check_at) WHERE status IN ('REQUESTED', 'PENDING');

CREATE FUNCTION claim_refunds_to_reconcile(p_now timestamptz, p_min_age interval, p_limit integer)
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
REVOKE ALL ON FUNCTION claim_refunds_to_reconcile(timestamptz, interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_refunds_to_reconcile(timestamptz, interval, integer) TO slotpay_app;

-- +goose Down
DROP FUNCTION claim_refunds_to_reconcile(timestamptz, interval, integer);
DROP INDEX refunds_to_check_idx;
ALTER TABLE refunds DROP COLUMN next_check_at, DROP COLUMN check_attempts;
