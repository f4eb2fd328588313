-- Deposits and balances (issue 15, item 5).
--
--   * A service may ask for a deposit instead of the full price up front: deposit_kind FIXED
--     (deposit_value in minor units, 1 to below the price) or PERCENT (deposit_value 1..99 of the
--     price). Only a service paid online (payment_policy OPTIONAL or REQUIRED) has one; the
--     application validates it with field paths, these checks repeat the bounds it can state alone.
--   * A reservation snapshots its deposit at booking (deposit_amount, whole minor units; NULL: no
--     deposit), so later service edits never change it, and carries its money: paid_amount (settled
--     online payments that paid it, plus what staff recorded as paid at the venue) and
--     refunded_amount (settled refunds of those payments). Both move in the same statement as the
--     payment status (booking.MovePaymentStatus), so a page of reservations reads them with the rows.
--     A DUPLICATE payment's money and its refunds are not the reservation's: they stay on the payment.
--   * PARTIALLY_PAID: part of the price paid (e.g. the deposit), the balance still due.
--   * A reservation may now have several PAID payments (a deposit, then the balance): at most one
--     payment is in flight (CREATED, UNKNOWN, PENDING). payments.paid_before is what the reservation
--     had been paid when the payment started; a payment that settles after more was paid since (a
--     second charge for the same due amount) is a DUPLICATE and refunded.
--   * Existing reservations: no deposit; paid_amount and refunded_amount from their payments (a
--     reservation marked paid by staff has no payment row: its price was paid).

-- +goose Up
ALTER TABLE services
  ADD COLUMN deposit_kind  text NOT NULL DEFAULT 'NONE' CHECK (deposit_kind IN ('NONE', 'FIXED', 'PERCENT')),
  ADD COLUMN deposit_value bigint NOT NULL DEFAULT 0,
  ADD CONSTRAINT services_deposit_check CHECK (
    (deposit_kind = 'NONE' AND deposit_value = 0)
    OR (deposit_kind = 'PERCENT' AND deposit_value BETWEEN 1 AND 99)
    OR (deposit_kind = 'FIXED' AND deposit_value > 0 AND deposit_value < price_amount));

ALTER TABLE reservations
  ADD COLUMN deposit_amount  bigint CHECK (deposit_amount > 0),
  ADD COLUMN paid_amount     bigint NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
  ADD COLUMN refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
  ADD CONSTRAINT reservations_refunded_check CHECK (refunded_amount <= paid_amount);
ALTER TABLE reservations DROP CONSTRAINT reservations_payment_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_payment_status_check
  CHECK (payment_status IN ('NOT_REQUIRED', 'UNPAID', 'PENDING', 'PARTIALLY_PAID', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED'));

ALTER TABLE payments ADD COLUMN paid_before bigint NOT NULL DEFAULT 0 CHECK (paid_before >= 0);
-- The index keeps its name (errors and tests name it); it now covers the payments in flight only.
DROP INDEX payments_one_active;
CREATE UNIQUE INDEX payments_one_active ON payments (tenant_id, reservation_id) WHERE status IN ('CREATED', 'UNKNOWN', 'PENDING');

WITH paid AS (
  SELECT tenant_id, reservation_id, sum(amount) AS paid, sum(refunded_amount) AS refunded
  FROM payments WHERE status = 'PAID' GROUP BY tenant_id, reservation_id)
UPDATE reservations r SET
  paid_amount = coalesce(p.paid, r.price_amount),
  refunded_amount = coalesce(p.refunded, 0)
FROM reservations r2 LEFT JOIN paid p ON p.tenant_id = r2.tenant_id AND p.reservation_id = r2.id
WHERE r2.tenant_id = r.tenant_id AND r2.id = r.id
  AND (p.paid IS NOT NULL OR r.payment_status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'));

-- +goose Down
DROP INDEX payments_one_active;
-- Keep the latest PAID payment of a reservation active; earlier ones (deposits) cannot be, alone.
UPDATE payments p SET status = 'SUPERSEDED' WHERE p.status = 'PAID' AND EXISTS (
  SELECT 1 FROM payments q WHERE q.tenant_id = p.tenant_id AND q.reservation_id = p.reservation_id
    AND q.status IN ('CREATED', 'UNKNOWN', 'PENDING', 'PAID') AND (q.created_at, q.id) > (p.created_at, p.id));
CREATE UNIQUE INDEX payments_one_active ON payments (tenant_id, reservation_id) WHERE status IN ('CREATED', 'UNKNOWN', 'PENDING', 'PAID');
ALTER TABLE payments DROP COLUMN paid_before;

UPDATE reservations SET payment_status = 'PENDING' WHERE payment_status = 'PARTIALLY_PAID';
ALTER TABLE reservations DROP CONSTRAINT reservations_payment_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_payment_status_check
  CHECK (payment_status IN ('NOT_REQUIRED', 'UNPAID', 'PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED'));
ALTER TABLE reservations DROP CONSTRAINT reservations_refunded_check,
  DROP COLUMN deposit_amount, DROP COLUMN paid_amount, DROP COLUMN refunded_amount;

ALTER TABLE services DROP CONSTRAINT services_deposit_check, DROP COLUMN deposit_kind, DROP COLUMN deposit_value;
