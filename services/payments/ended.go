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
	if err := tx.Gorm().Clauses(lockUpdate).Where("reservation_id = ?", reservationID).Order("id").Find(&pays).Error; err != nil {
		return nil, err
	}
	if len(pays) == 0 {
		return nil, nil
	}
	var inFlight []struct {
		PaymentID uuid.UUID
		Amount    int64
	}
	if err := tx.Gorm().Model(&models.Refund{}).Select("payment_id, coalesce(sum(amount), 0) AS amount").
		Where("payment_id IN (SELECT id FROM payments WHERE reservation_id = ?) AND status IN ('REQUESTED', 'PENDING')", reservationID).
		Group("payment_id").Scan(&inFlight).Error; err != nil {
		return nil, err
	}
	flying := make(map[uuid.UUID]int64, len(inFlight))
	for _, f := range inFlight {
		flying[f.PaymentID] = f.Amount
	}
	var refunds, open []uuid.UUID
	for i := range pays {
		pay := &pays[i]
		switch pay.Status {
		case models.PaymentStatePaid:
			if pay.ImojeTransactionID == nil {
				continue
			}
			amount, err := refundAmount(pay, flying[pay.ID], nil)
			if err != nil {
				continue // nothing left to give back
			}
			ref := s.automaticRefund(pay, why)
			ref.Amount = amount
			s.queueReserveRefund(tx, &ref, pay.PaymentMethodID)
			refunds = append(refunds, ref.ID)
		case models.PaymentStateCreated, models.PaymentStateUnknown, models.PaymentStatePending, models.PaymentStateSuperseded:
			open = append(open, pay.ID)
		}
	}
	if len(open) > 0 {
		tx.Queue(`UPDATE payments SET next_check_at = $3 WHERE tenant_id = $1 AND id = ANY($2)`, open, s.now())
	}
	return refunds, nil
}

// SendRefunds sends refunds recorded by RefundInFull once their transaction has committed, off the
// caller's request; reconciliation sends any that a stopped process never sent.
func (s *Service) SendRefunds(ctx context.Context, tenantID uuid.UUID, refundIDs ...uuid.UUID) {
	s.sendLater(ctx, tenantID, refundIDs...)
}
