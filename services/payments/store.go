package payments

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/imoje"
)

// This file is the payments domain's store: it applies what the pure decisions (decideSale,
// decideLinkClosed, decideRefundMove) return, in the caller's database.Tx. Lock order everywhere:
// payments, then refunds, then their reservation, then the shop's row.

func isUnique(err error) (bool, string) { return database.IsCode(err, database.CodeUniqueViolation) }

// requestHash fingerprints an operation's content, so a reused idempotency key with other content
// is recognised.
func requestHash(v any) []byte {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return sum[:]
}

var lockUpdate = clause.Locking{Strength: "UPDATE"}

// findPayment locks the payment an imoje transaction belongs to: by our order id, else by imoje's
// transaction id, else by its payment link. nil when there is none in tx's tenant.
func findPayment(tx *database.Tx, orderID, transactionID, linkID string) (*models.Payment, error) {
	var pay models.Payment
	q := tx.Gorm().Clauses(lockUpdate)
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

// saleRead is what queueSaleLocks reads once its round trip has run: the payment (nil when there is
// none), the reservation's other active payments and the reservation, all locked.
type saleRead struct {
	pay    *models.Payment
	others []models.Payment
	view   *booking.PaymentView
}

// queueSaleLocks queues the locks decideSale needs about payment paymentID: the payment and its
// reservation's other active payments (one of them may be superseded), in id order so that two
// settlements of one reservation never deadlock, then the reservation.
func queueSaleLocks(tx *database.Tx, paymentID uuid.UUID) *saleRead {
	l := &saleRead{}
	tx.Queue(`SELECT `+database.Columns[models.Payment]()+` FROM payments
		WHERE tenant_id = $1 AND (id = $2 OR (status = ANY($3)
		  AND reservation_id = (SELECT reservation_id FROM payments WHERE tenant_id = $1 AND id = $2)))
		ORDER BY id FOR UPDATE`, paymentID, activeStates).Query(func(rows pgx.Rows) error {
		var got []models.Payment
		err := database.CollectInto(&got)(rows)
		for i := range got {
			if got[i].ID == paymentID {
				l.pay = &got[i]
			} else {
				l.others = append(l.others, got[i])
			}
		}
		return err
	})
	booking.QueueReservationForPayment(tx, uuid.Nil, paymentID, &l.view)
	return l
}

// applySale decides imoje's word t about the sale read by queueSaleLocks (in tx, already sent) and
// queues what it does: the superseded payments, the payment's update, the reservation's payment
// status and status (or a history note), a refund reserved when one is due, and the live events in
// one statement. source ("notification", "reconciliation") goes into the reservation's history.
func (s *Service) applySale(tx *database.Tx, l *saleRead, c saleContext, t *imoje.Transaction, source string) (applied, error) {
	switch {
	case l.pay == nil:
		return applied{outcome: OutcomeUnknownOrder, detail: "no payment for order " + t.OrderID}, nil
	case l.view == nil:
		return applied{}, fmt.Errorf("payment %s: its reservation was not found", l.pay.ID)
	}
	pay := l.pay
	c.view, c.others = l.view, l.others
	now := s.now()
	d := decideSale(now, pay, c, t)
	a := applied{outcome: d.outcome, detail: d.detail, paymentID: &pay.ID}
	if len(d.supersede) > 0 {
		// Before the payment's own update: the reservation's one active slot changes hands.
		tx.Queue(`UPDATE payments SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = ANY($2)`,
			d.supersede, models.PaymentStateSuperseded, now)
	}
	if d.updates != nil {
		database.QueueUpdateRow(tx, "payments", pay.ID, d.updates)
	}
	if !d.moved {
		return a, nil
	}
	pay.Status = d.target
	var publish []events.Event
	if d.follow {
		reason := strings.Replace(d.reason, "imoje ", "imoje "+source+": ", 1)
		move := booking.PaymentMove{Status: reservationPaymentStatus(d.target), Paid: d.paid}
		ev, changed, err := s.booking.MovePaymentStatus(tx, c.view, move, booking.HistoryActorSystem, reason)
		if err != nil {
			return applied{}, err
		}
		if changed {
			publish = append(publish, ev)
		}
	}
	if d.note != "" {
		ev, err := s.booking.PaymentNote(tx, c.view, booking.HistoryActorSystem, d.note)
		if err != nil {
			return applied{}, err
		}
		publish = append(publish, ev)
	}
	if d.refund {
		ref := s.automaticRefund(pay, d.detail)
		s.queueReserveRefund(tx, &ref, pay.PaymentMethodID)
		a.refunds = append(a.refunds, ref.ID)
	}
	publish = append(publish, paymentEvent(pay))
	for _, id := range d.supersede {
		publish = append(publish, events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: id})
	}
	return a, events.Publish(tx, publish...)
}

// reservationFollows moves the reservation's payment status or money (move) and publishes the
// payment's change. Only a payment that paid the reservation (or its refunds) moves it; a duplicate
// payment's leave it as it is (another payment paid it, and its money is not the reservation's).
func (s *Service) reservationFollows(tx *database.Tx, pay *models.Payment, move booking.PaymentMove, reason string) error {
	publish := []events.Event{paymentEvent(pay)}
	if pay.Status == models.PaymentStateDuplicate {
		return events.Publish(tx, publish...)
	}
	view, err := lockedView(tx, pay.ReservationID)
	if err != nil {
		return err
	}
	if move.Paid == 0 && move.Refunded == 0 && !reservationMustFollow(view, move.Status) {
		return events.Publish(tx, publish...)
	}
	return s.moveView(tx, view, move, booking.HistoryActorSystem, reason, publish...)
}

// moveReservation moves reservation reservationID's payment status (read locked now) and publishes
// the change with also, in one statement.
func (s *Service) moveReservation(tx *database.Tx, reservationID uuid.UUID, ps models.PaymentStatus, actor, reason string, also ...events.Event) error {
	view, err := lockedView(tx, reservationID)
	if err != nil {
		return err
	}
	return s.moveView(tx, view, booking.PaymentMove{Status: ps}, actor, reason, also...)
}

// moveView moves a locked reservation's payment status or money and publishes the change with also.
func (s *Service) moveView(tx *database.Tx, view *booking.PaymentView, move booking.PaymentMove, actor, reason string, also ...events.Event) error {
	ev, changed, err := s.booking.MovePaymentStatus(tx, view, move, actor, reason)
	if err != nil {
		return err
	}
	if changed {
		also = append([]events.Event{ev}, also...)
	}
	return events.Publish(tx, also...)
}

// lockedView reads reservation reservationID for a payment decision, locked until tx ends
// (booking.QueueReservationForPayment, sent now).
func lockedView(tx *database.Tx, reservationID uuid.UUID) (*booking.PaymentView, error) {
	var view *booking.PaymentView
	booking.QueueReservationForPayment(tx, reservationID, uuid.Nil, &view)
	if err := tx.Send(); err != nil {
		return nil, err
	}
	if view == nil {
		return nil, booking.ErrReservationNotFound
	}
	return view, nil
}

// applyLinkClosed applies decideLinkClosed to a locked payment.
func (s *Service) applyLinkClosed(tx *database.Tx, pay *models.Payment, linkID, status string) (applied, error) {
	outcome, detail, cancel := decideLinkClosed(pay, linkID, status)
	a := applied{outcome: outcome, detail: detail, paymentID: &pay.ID}
	if !cancel {
		return a, nil
	}
	database.QueueUpdateRow(tx, "payments", pay.ID,
		map[string]any{"status": models.PaymentStateCancelled, "imoje_status": status, "updated_at": s.now(), "next_check_at": nil})
	wasActive := pay.Status.Active()
	pay.Status = models.PaymentStateCancelled
	if !wasActive {
		return a, events.Publish(tx, paymentEvent(pay))
	}
	return a, s.reservationFollows(tx, pay, booking.PaymentMove{Status: models.PaymentFailed}, "imoje payment link "+status)
}

// applyRefund applies imoje's word about a refund. A refund we did not ask for (made in imoje's
// panel) is recorded too; one we asked for but whose id we have not stored yet is recognised by its
// payment and amount. Every check comes before any write: a refund of another shop, currency or
// amount, or one that would take back more than was paid, is a mismatch and moves nothing.
func (s *Service) applyRefund(tx *database.Tx, serviceID uuid.UUID, t *imoje.Transaction) (applied, error) {
	refundID, err := uuid.Parse(t.ID)
	if err != nil {
		return applied{outcome: OutcomeUnknownOrder, detail: "refund id is not a UUID"}, nil
	}
	pay, err := refundedPayment(tx, t.OrderID, refundID)
	if err != nil || pay == nil {
		return applied{outcome: OutcomeUnknownOrder, detail: "refund of an unknown order " + t.OrderID}, err
	}
	ref, known, err := lockRefund(tx, pay, refundID, t.Amount)
	if err != nil {
		return applied{}, err
	}
	a := applied{paymentID: &pay.ID}
	if known && ref.PaymentID != pay.ID {
		a.outcome, a.detail = OutcomeMismatch, fmt.Sprintf("refund %s is payment %s's, not %s's", refundID, ref.PaymentID, pay.ID)
		return a, nil
	}
	var have *models.Refund
	if ref.ID != uuid.Nil {
		have = ref
	}
	if detail := refundMismatch(serviceID, pay, have, t); detail != "" {
		a.outcome, a.detail = OutcomeMismatch, detail
		return a, nil
	}
	target := refundTarget(t.Status)
	if have == nil || !refundStays(ref.Status, target) {
		if target != "FAILED" && overRefund(pay, t.Amount) {
			a.outcome, a.detail = OutcomeMismatch, fmt.Sprintf("refund %s of %d would take back more than the payment has left (%d of %d refunded)",
				t.ID, t.Amount, pay.RefundedAmount, pay.Amount)
			return a, nil
		}
		if err := s.recordImojeRefund(tx, pay, ref, known, refundID, t.Amount); err != nil {
			return applied{}, err
		}
	}
	a.outcome, a.detail, err = s.moveRefund(tx, pay, ref, target, t.StatusCodeDescription)
	return a, err
}

// refundedPayment locks the payment a refund belongs to: by our order id, else by the refund we
// know by imoje's id. nil when neither is ours.
func refundedPayment(tx *database.Tx, orderID string, refundID uuid.UUID) (*models.Payment, error) {
	pay, err := findPayment(tx, orderID, "", "")
	if err != nil || pay != nil {
		return pay, err
	}
	// Not our order id: the refund may still be one we know by imoje's id.
	var ref models.Refund
	err = tx.Gorm().First(&ref, "imoje_refund_id = ?", refundID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p models.Payment
	return &p, tx.Gorm().Clauses(lockUpdate).First(&p, "id = ?", ref.PaymentID).Error
}

// lockRefund locks the refund imoje's refund refundID is: by imoje's id (known), else our own
// request of that amount whose answer we have not recorded yet. A zero Refund when there is none
// (a refund made in imoje's panel).
func lockRefund(tx *database.Tx, pay *models.Payment, refundID uuid.UUID, amount int64) (*models.Refund, bool, error) {
	var ref models.Refund
	err := tx.Gorm().Clauses(lockUpdate).First(&ref, "imoje_refund_id = ?", refundID).Error
	if err == nil || !errors.Is(err, gorm.ErrRecordNotFound) {
		return &ref, err == nil, err
	}
	ref = models.Refund{}
	err = tx.Gorm().Clauses(lockUpdate).Where("payment_id = ? AND imoje_refund_id IS NULL AND amount = ? AND status = 'REQUESTED'",
		pay.ID, amount).Order("created_at").First(&ref).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = nil
	}
	return &ref, false, err
}

// recordImojeRefund stores imoje's id on our refund, or records a refund made in imoje's panel.
func (s *Service) recordImojeRefund(tx *database.Tx, pay *models.Payment, ref *models.Refund, known bool, refundID uuid.UUID, amount int64) error {
	switch {
	case ref.ID == uuid.Nil:
		now := s.now()
		*ref = models.Refund{TenantID: pay.TenantID, ID: uuid.New(), PaymentID: pay.ID, Amount: amount, Status: "PENDING", ImojeRefundID: &refundID,
			Reason: "refund made in imoje's panel", NotBefore: now, CreatedAt: now, UpdatedAt: now}
		return tx.Gorm().Create(ref).Error
	case !known:
		return tx.Gorm().Model(&models.Refund{}).Where("id = ?", ref.ID).Update("imoje_refund_id", refundID).Error
	}
	return nil
}

// moveRefund moves a locked refund forward (decideRefundMove); a SETTLED refund adds to the
// payment's refunded amount once, and (unless the payment is a DUPLICATE, whose money was never the
// reservation's) to the reservation's, which becomes PARTIALLY_REFUNDED or REFUNDED.
func (s *Service) moveRefund(tx *database.Tx, pay *models.Payment, ref *models.Refund, target, message string) (string, string, error) {
	outcome, detail, move := decideRefundMove(pay, ref, target)
	if !move {
		return outcome, detail, nil
	}
	now := s.now()
	upd := map[string]any{"status": target, "updated_at": now}
	if target == "FAILED" && message != "" {
		upd["failure_message"] = truncate(message, 500)
	}
	database.QueueUpdateRow(tx, "refunds", ref.ID, upd)
	ref.Status = target
	if target != "SETTLED" {
		return outcome, "", events.Publish(tx, paymentEvent(pay))
	}
	refunded := pay.RefundedAmount + ref.Amount
	database.QueueUpdateRow(tx, "payments", pay.ID, map[string]any{"refunded_amount": refunded, "updated_at": now})
	pay.RefundedAmount = refunded
	return outcome, "", s.reservationFollows(tx, pay, booking.PaymentMove{Refunded: ref.Amount}, fmt.Sprintf("refund of %d settled", ref.Amount))
}
