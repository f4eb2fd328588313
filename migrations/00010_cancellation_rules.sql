-- A business's cancellation and change rules, and a service's overrides of them.
--
-- free_cancellation_hours: a cancellation at least this many hours before the start refunds
--   everything paid; a later one keeps the late-cancellation fee.
-- late_cancellation_fee: NO_REFUND (everything paid is kept), PERCENT (that percentage of the
--   reservation's price, at most what was paid) or FIXED (that amount, at most what was paid).
-- customer_may_cancel / customer_cancel_until_hours: whether customers may cancel themselves, and
--   until how many hours before the start; after that only staff can.
-- customer_may_reschedule / customer_reschedule_until_hours: the same for moving a visit.
--
-- A service's column left NULL follows the business's; the rule is computed in
-- services/booking/policy.go. The CHECKs repeat the application's validation.

-- +goose Up
ALTER TABLE tenants
  ADD COLUMN free_cancellation_hours         integer NOT NULL DEFAULT 24 CHECK (free_cancellation_hours BETWEEN 0 AND 8760),
  ADD COLUMN late_cancellation_fee           text    NOT NULL DEFAULT 'NO_REFUND'
    CHECK (late_cancellation_fee IN ('NO_REFUND', 'PERCENT', 'FIXED')),
  ADD COLUMN late_cancellation_fee_percent   integer NOT NULL DEFAULT 0 CHECK (late_cancellation_fee_percent BETWEEN 0 AND 100),
  ADD COLUMN late_cancellation_fee_amount    bigint  NOT NULL DEFAULT 0 CHECK (late_cancellation_fee_amount BETWEEN 0 AND 100000000),
  ADD COLUMN customer_may_cancel             boolean NOT NULL DEFAULT true,
  ADD COLUMN customer_cancel_until_hours     integer NOT NULL DEFAULT 0 CHECK (customer_cancel_until_hours BETWEEN 0 AND 8760),
  ADD COLUMN customer_may_reschedule         boolean NOT NULL DEFAULT true,
  ADD COLUMN customer_reschedule_until_hours integer NOT NULL DEFAULT 24 CHECK (customer_reschedule_until_hours BETWEEN 0 AND 8760);

ALTER TABLE services
  ADD COLUMN free_cancellation_hours         integer CHECK (free_cancellation_hours BETWEEN 0 AND 8760),
  ADD COLUMN late_cancellation_fee           text    CHECK (late_cancellation_fee IN ('NO_REFUND', 'PERCENT', 'FIXED')),
  ADD COLUMN late_cancellation_fee_percent   integer CHECK (late_cancellation_fee_percent BETWEEN 0 AND 100),
  ADD COLUMN late_cancellation_fee_amount    bigint  CHECK (late_cancellation_fee_amount BETWEEN 0 AND 100000000),
  ADD COLUMN customer_may_cancel             boolean,
  ADD COLUMN customer_cancel_until_hours     integer CHECK (customer_cancel_until_hours BETWEEN 0 AND 8760),
  ADD COLUMN customer_may_reschedule         boolean,
  ADD COLUMN customer_reschedule_until_hours integer CHECK (customer_reschedule_until_hours BETWEEN 0 AND 8760);

-- +goose Down
ALTER TABLE services
  DROP COLUMN free_cancellation_hours, DROP COLUMN late_cancellation_fee, DROP COLUMN late_cancellation_fee_percent,
  DROP COLUMN late_cancellation_fee_amount, DROP COLUMN customer_may_cancel, DROP COLUMN customer_cancel_until_hours,
  DROP COLUMN customer_may_reschedule, DROP COLUMN customer_reschedule_until_hours;
ALTER TABLE tenants
  DROP COLUMN free_cancellation_hours, DROP COLUMN late_cancellation_fee, DROP COLUMN late_cancellation_fee_percent,
  DROP COLUMN late_cancellation_fee_amount, DROP COLUMN customer_may_cancel, DROP COLUMN customer_cancel_until_hours,
  DROP COLUMN customer_may_reschedule, DROP COLUMN customer_reschedule_until_hours;
