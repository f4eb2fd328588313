package payments

import (
	"context"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
)

// RefundInFull is booking.Refunder's: for a reservation that ends without its visit (a declined
// request), inside the transaction that ends it and before the reservation is locked, it locks the
// reservation's payments (the lock order of every payment path: payments, then the reservation),
// queues an automatic refund of what each settled imoje payment has not refunded yet (refunds in
// flight count as refunded) — the same refund, spacing and reconciliation as the automatic refunds
// of money that arrived for a cancelled or expired reservation — and makes the reservation's open
// payments due for reconciliation now, which cancels their payment links since the reservation has
// ended (reconcile). The refunds returned are sent with SendRefunds once tx has committed.
func (s *Service) RefundInFull(tx *database.Tx, reservationID uuid.UUID, why string) ([]uuid.UUID, error) {
	var pays []models.Payment
	refunds := map[uuid.UUID][]models.Refund{}
	queueReservationPayments(tx, reservationID, &pays, refunds)
	if err := tx.Send(); err != nil {
		return nil, err
	}
	// All that was paid and not given back: the cancellation's spread, of everything.
	var ids, open []uuid.UUID
	for _, part := range spreadRefund(NetPaid(pays, refunds), pays, refunds) {
		ref := s.ownRefund(part.payment, part.amount, "automatic: "+why, nil)
		s.queueReserveRefund(tx, &ref, part.payment.PaymentMethodID)
		ids = append(ids, ref.ID)
	}
	for i := range pays {
		switch pays[i].Status {
		case models.PaymentStateCreated, models.PaymentStateUnknown, models.PaymentStatePending, models.PaymentStateSuperseded:
			open = append(open, pays[i].ID)
		}
	}
	if len(open) > 0 {
		tx.Queue(`UPDATE payments SET next_check_at = $3 WHERE tenant_id = $1 AND id = ANY($2)`, open, s.now())
	}
	return ids, nil
}

// SendRefunds sends refunds recorded by RefundInFull once their transaction has committed, off the
// caller's request; reconciliation sends any that a stopped process never sent.
func (s *Service) SendRefunds(ctx context.Context, tenantID uuid.UUID, refundIDs ...uuid.UUID) {
	s.sendLater(ctx, tenantID, refundIDs...)
}
