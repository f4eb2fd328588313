-- Metrics: what reconciliation has yet to do, across all businesses, for /metrics.
--
-- The application role sees one tenant at a time (RLS); a scrape needs totals over all of them, so
-- this narrow SECURITY DEFINER function returns counts and one age, never a row, an id or a tenant.
-- "Due" is claim_payments_to_reconcile's and claim_refunds_to_reconcile's own condition (00006):
-- open, at least p_min_age old, and past next_check_at; "open" payments are those awaiting imoje's
-- word (the partial index payments_to_check_idx covers them).

-- +goose Up
CREATE FUNCTION metrics_reconciliation_backlog(p_now timestamptz, p_min_age interval)
  RETURNS TABLE (due_payments bigint, due_refunds bigint, open_payments bigint, oldest_open_seconds double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT
      count(*) FILTER (WHERE p.created_at <= p_now - p_min_age AND coalesce(p.next_check_at, '-infinity') <= p_now),
      (SELECT count(*) FROM refunds r
        WHERE r.status IN ('REQUESTED', 'PENDING')
          AND r.created_at <= p_now - p_min_age
          AND coalesce(r.next_check_at, '-infinity') <= p_now),
      count(*),
      coalesce(extract(epoch FROM p_now - min(p.created_at))::double precision, 0)
    FROM payments p
    WHERE p.status IN ('CREATED', 'UNKNOWN', 'PENDING', 'SUPERSEDED')
  $$;

REVOKE ALL ON FUNCTION metrics_reconciliation_backlog(timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION metrics_reconciliation_backlog(timestamptz, interval) TO slotpay_app;

-- +goose Down
DROP FUNCTION metrics_reconciliation_backlog(timestamptz, interval);
