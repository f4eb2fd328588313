package payments

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/imoje"
)

// Outcomes of applying what imoje says (also stored with each notification).
const (
	OutcomeApplied      = "APPLIED"
	OutcomeNoChange     = "NO_CHANGE"
	OutcomeStale        = "STALE"
	OutcomeUnknownOrder = "UNKNOWN_ORDER"
	OutcomeMismatch     = "MISMATCH"
)

// saleTarget maps an imoje transaction status onto our payment state.
func saleTarget(status string) models.PaymentState {
	switch status {
	case imoje.StatusSettled:
		return models.PaymentStatePaid
	case imoje.StatusRejected, imoje.StatusError, imoje.StatusCancelled:
		return models.PaymentStateFailed
	}
	return models.PaymentStatePending
}

// isLink reports a payment made through a payment link: the payer may try several transactions on
// imoje's page, so a rejected attempt does not end the payment.
func isLink(p *models.Payment) bool {
	return p.ImojePaymentID != nil || p.Channel == ChannelCard || p.Channel == ChannelChoose
}

// findPayment locks the payment an imoje transaction belongs to: by our order id, else by imoje's
// transaction id. Only the tenant's own payments are searched (the transaction is tenant-scoped).
func findPayment(tx *gorm.DB, tenantID uuid.UUID, orderID, transactionID, linkID string) (*models.Payment, error) {
	var pay models.Payment
	q := tx.Clauses(lockUpdate).Where("tenant_id = ?", tenantID)
	switch id, err := uuid.Parse(orderID); {
	case err == nil:
		q = q.Where("id = ?", id)
	default:
		tid, terr := uuid.Parse(transactionID)
		lid, lerr := uuid.Parse(linkID)
		switch {
		case terr == nil:
			q = q.Where("imoje_transaction_id = ?", tid)
		case lerr == nil:
			q = q.Where("imoje_payment_id = ?", lid)
		default:
			return nil, nil
		}
	}
	err := q.First(&pay).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &pay, err
}

// saleDecision is what imoje's word about a sale does to a payment: the outcome and its detail, the
// payment's columns to update (nil: none) and, when the payment's status moves, its new status,
// which the reservation's payment status then follows.
type saleDecision struct {
	outcome, detail string
	updates         map[string]any
	moved           bool
	target          models.PaymentState
}

// decideSale applies the sale rules to a locked payment, forward only: a later PENDING never undoes
// PAID, final states never change, and PAID — the only state that means money arrived — wins over a
// FAILED or CANCELLED we recorded ourselves. Shop, amount and currency must match the payment. Both
// the gorm path (applySale) and the webhook's pipelined path (applySaleNotification) execute it.
func (s *Service) decideSale(pay *models.Payment, serviceID uuid.UUID, t *imoje.Transaction) saleDecision {
	if !strings.EqualFold(t.ServiceID, serviceID.String()) || t.Amount != pay.Amount || !strings.EqualFold(t.Currency, pay.Currency) {
		return saleDecision{outcome: OutcomeMismatch, detail: fmt.Sprintf("transaction %s: service %s amount %d %s does not match payment %d %s",
			t.ID, t.ServiceID, t.Amount, t.Currency, pay.Amount, pay.Currency)}
	}
	target := saleTarget(t.Status)
	updates := map[string]any{}
	txID, perr := uuid.Parse(t.ID)
	if perr == nil && pay.ImojeTransactionID == nil {
		updates["imoje_transaction_id"] = txID
	}
	if t.StatusCode != "" {
		updates["failure_code"] = t.StatusCode
		updates["failure_message"] = truncate(t.StatusCodeDescription, 500)
	}
	if target == models.PaymentStateFailed && isLink(pay) {
		// One failed attempt on imoje's page; the link stays open for another.
		target = models.PaymentStatePending
	}
	cur := pay.Status
	switch {
	case target == cur:
		if len(updates) == 0 {
			return saleDecision{outcome: OutcomeNoChange}
		}
		updates["imoje_status"] = t.Status
		updates["updated_at"] = s.now()
		return saleDecision{outcome: OutcomeNoChange, updates: updates}
	case cur == models.PaymentStatePaid:
		return saleDecision{outcome: OutcomeStale, detail: "payment already PAID; imoje said " + t.Status}
	case target == models.PaymentStatePaid:
	case cur.Final(), target.Rank() < cur.Rank():
		return saleDecision{outcome: OutcomeStale, detail: fmt.Sprintf("payment is %s; imoje said %s", cur, t.Status)}
	}
	now := s.now()
	updates["status"] = target
	updates["imoje_status"] = t.Status
	updates["updated_at"] = now
	if target == models.PaymentStatePaid {
		updates["paid_at"] = now
		updates["next_check_at"] = nil
	}
	return saleDecision{outcome: OutcomeApplied, updates: updates, moved: true, target: target}
}

// reservationPaymentStatus is the reservation's payment status that follows a payment's state.
func reservationPaymentStatus(target models.PaymentState) models.PaymentStatus {
	switch target {
	case models.PaymentStatePaid:
		return models.PaymentPaid
	case models.PaymentStateFailed:
		return models.PaymentFailed
	}
	return models.PaymentPending
}

// applySale executes decideSale in tx: the payment's update, then the reservation's payment status
// and status in the same transaction, with history and a live event.
func (s *Service) applySale(tx *gorm.DB, pay *models.Payment, serviceID uuid.UUID, t *imoje.Transaction, source string) (string, string, error) {
	d := s.decideSale(pay, serviceID, t)
	if d.updates != nil {
		if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).Updates(d.updates).Error; err != nil {
			return "", "", err
		}
	}
	if !d.moved {
		return d.outcome, d.detail, nil
	}
	pay.Status = d.target
	detail := ""
	if err := s.reservationFollows(tx, pay, reservationPaymentStatus(d.target), saleReason(source, t), &detail); err != nil {
		return "", "", err
	}
	return OutcomeApplied, detail, nil
}

func saleReason(source string, t *imoje.Transaction) string {
	return "imoje " + source + ": " + t.Status + codeSuffix(t.StatusCode)
}

func codeSuffix(code string) string {
	if code == "" {
		return ""
	}
	return " (" + code + ")"
}

// reservationFollows moves the reservation's payment status (PAID also confirms it) and publishes
// the payment's change. A payment that arrives for a reservation that already ended is kept and
// flagged: the money must be refunded.
func (s *Service) reservationFollows(tx *gorm.DB, pay *models.Payment, ps models.PaymentStatus, reason string, detail *string) error {
	view, err := s.booking.ReservationForPaymentTx(tx, pay.TenantID, pay.ReservationID)
	if err != nil {
		return err
	}
	if reservationMustFollow(view, ps) {
		if _, err := s.booking.ApplyPaymentStatusLockedTx(tx, view, ps, "system", reason); err != nil {
			return err
		}
	}
	*detail = s.paidTooLate(pay, view, ps)
	return events.Publish(tx, paymentEvent(pay))
}

// reservationMustFollow: the reservation takes the payment's status, except that a failure never
// overwrites money that arrived (PAID, or refunds of it).
func reservationMustFollow(view *booking.PaymentView, ps models.PaymentStatus) bool {
	return view.PaymentStatus != ps && !(ps == models.PaymentFailed && (view.PaymentStatus == models.PaymentPaid ||
		view.PaymentStatus == models.PaymentPartiallyRefunded || view.PaymentStatus == models.PaymentRefunded))
}

// paidTooLate flags money for a reservation that already ended (expired, cancelled…): it is kept
// and must be refunded. It returns the detail stored with the notification ("" when all is well).
func (s *Service) paidTooLate(pay *models.Payment, view *booking.PaymentView, ps models.PaymentStatus) string {
	if ps != models.PaymentPaid || view.Status == models.StatusPendingPayment || view.Status == models.StatusConfirmed {
		return ""
	}
	s.o.Log.Warn("payment settled for a reservation that is no longer active", "tenant_id", pay.TenantID.String(),
		"payment_id", pay.ID.String(), "reservation_status", string(view.Status))
	return "paid after the reservation became " + string(view.Status) + ": refund needed"
}

func paymentEvent(pay *models.Payment) events.Event {
	return events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: pay.ID}
}

// applyLinkClosed handles a payment link that expired or was cancelled (a payment-only notification).
func (s *Service) applyLinkClosed(tx *gorm.DB, pay *models.Payment, status string) (string, string, error) {
	if status != imoje.StatusCancelled && status != "expired" {
		return OutcomeNoChange, "payment link is " + status, nil
	}
	if pay.Status.Final() {
		return OutcomeStale, "payment is already " + string(pay.Status), nil
	}
	now := s.now()
	if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).
		Updates(map[string]any{"status": models.PaymentStateCancelled, "imoje_status": status, "updated_at": now, "next_check_at": nil}).Error; err != nil {
		return "", "", err
	}
	pay.Status = models.PaymentStateCancelled
	detail := ""
	return OutcomeApplied, detail, s.reservationFollows(tx, pay, models.PaymentFailed, "imoje payment link "+status, &detail)
}

// refundTarget maps an imoje refund status onto ours.
func refundTarget(status string) string {
	switch status {
	case imoje.StatusSettled:
		return "SETTLED"
	case imoje.StatusRejected, imoje.StatusError, imoje.StatusCancelled:
		return "FAILED"
	}
	return "PENDING"
}

// applyRefund applies imoje's word about a refund. A refund we did not ask for (made in imoje's
// panel) is recorded too; one we asked for but whose id we have not stored yet is recognised by its
// payment and amount.
func (s *Service) applyRefund(tx *gorm.DB, tenantID, serviceID uuid.UUID, t *imoje.Transaction) (string, string, *uuid.UUID, error) {
	refundID, err := uuid.Parse(t.ID)
	if err != nil {
		return OutcomeUnknownOrder, "refund id is not a UUID", nil, nil
	}
	// Lock order everywhere: payment, then refund, then reservation.
	var ref models.Refund
	pay, err := findPayment(tx, tenantID, t.OrderID, "", "")
	if err != nil {
		return "", "", nil, err
	}
	if pay == nil {
		// Not our order id: the refund may still be one we know by imoje's id.
		if err := tx.First(&ref, "tenant_id = ? AND imoje_refund_id = ?", tenantID, refundID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return OutcomeUnknownOrder, "refund of an unknown order " + t.OrderID, nil, nil
		} else if err != nil {
			return "", "", nil, err
		}
		var p models.Payment
		if err := tx.Clauses(lockUpdate).First(&p, "tenant_id = ? AND id = ?", tenantID, ref.PaymentID).Error; err != nil {
			return "", "", nil, err
		}
		pay = &p
	}
	err = tx.Clauses(lockUpdate).First(&ref, "tenant_id = ? AND payment_id = ? AND imoje_refund_id = ?", tenantID, pay.ID, refundID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// Our own request whose answer we have not recorded yet, or a refund made in the panel.
		err = tx.Clauses(lockUpdate).Where("tenant_id = ? AND payment_id = ? AND imoje_refund_id IS NULL AND amount = ? AND status = 'REQUESTED'",
			tenantID, pay.ID, t.Amount).Order("created_at").First(&ref).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			now := s.now()
			ref = models.Refund{TenantID: tenantID, ID: uuid.New(), PaymentID: pay.ID, Amount: t.Amount, Status: "PENDING",
				Reason: "refund made in imoje's panel", NotBefore: now, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&ref).Error; err != nil {
				return "", "", nil, err
			}
		} else if err != nil {
			return "", "", nil, err
		}
		if err := tx.Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", tenantID, ref.ID).Update("imoje_refund_id", refundID).Error; err != nil {
			return "", "", nil, err
		}
	} else if err != nil {
		return "", "", nil, err
	}
	if !strings.EqualFold(t.ServiceID, serviceID.String()) || t.Amount != ref.Amount || !strings.EqualFold(t.Currency, pay.Currency) {
		return OutcomeMismatch, "refund amount, currency or shop does not match", &pay.ID, nil
	}
	outcome, detail, err := s.moveRefund(tx, pay, &ref, refundTarget(t.Status), t.StatusCodeDescription)
	return outcome, detail, &pay.ID, err
}

// moveRefund moves a locked refund forward; a SETTLED refund adds to the payment's refunded amount
// once, and the reservation becomes PARTIALLY_REFUNDED or REFUNDED.
func (s *Service) moveRefund(tx *gorm.DB, pay *models.Payment, ref *models.Refund, target, message string) (string, string, error) {
	rank := map[string]int{"REQUESTED": 0, "PENDING": 1, "SETTLED": 2, "FAILED": 2}
	if ref.Status == target {
		return OutcomeNoChange, "", nil
	}
	if rank[ref.Status] == 2 || rank[target] < rank[ref.Status] {
		return OutcomeStale, "refund is already " + ref.Status, nil
	}
	now := s.now()
	upd := map[string]any{"status": target, "updated_at": now}
	if target == "FAILED" && message != "" {
		upd["failure_message"] = truncate(message, 500)
	}
	if err := tx.Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", ref.TenantID, ref.ID).Updates(upd).Error; err != nil {
		return "", "", err
	}
	ref.Status = target
	if target != "SETTLED" {
		return OutcomeApplied, "", events.Publish(tx, events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: pay.ID})
	}
	refunded := pay.RefundedAmount + ref.Amount
	if refunded > pay.Amount {
		return OutcomeMismatch, "refunds would exceed the payment", nil
	}
	if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).
		Updates(map[string]any{"refunded_amount": refunded, "updated_at": now}).Error; err != nil {
		return "", "", err
	}
	pay.RefundedAmount = refunded
	ps := models.PaymentPartiallyRefunded
	if refunded == pay.Amount {
		ps = models.PaymentRefunded
	}
	detail := ""
	return OutcomeApplied, detail, s.reservationFollows(tx, pay, ps, fmt.Sprintf("refund of %d settled", ref.Amount), &detail)
}
