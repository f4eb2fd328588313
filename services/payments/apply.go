package payments

import (
	"errors"
	"fmt"
	"strings"
	"time"

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

// saleContext is what decideSale knows besides the payment and imoje's transaction: the shop the
// notification came from, the payment link it names (if any), the payment's reservation (locked),
// the reservation's other active payments (locked) and what the business does with unwanted money.
type saleContext struct {
	serviceID  uuid.UUID
	linkID     string
	view       *booking.PaymentView
	others     []models.Payment
	autoRefund bool
	// transactionOf is the other payment that already has the notification's transaction id, if
	// any (the id is unique per tenant).
	transactionOf *uuid.UUID
}

// saleDecision is what imoje's word about a sale does: the outcome and its detail, the payment's
// columns to update (nil: none) and, when the payment's status moves, its new status; whether the
// reservation's payment status follows it (and why), the other payments that leave the
// reservation's active slot, whether slotpay refunds the whole amount itself, and a history note
// on the reservation when money arrived that does not change it.
type saleDecision struct {
	outcome, detail string
	updates         map[string]any
	moved           bool
	target          models.PaymentState
	follow          bool
	reason          string
	supersede       []uuid.UUID
	refund          bool
	note            string
}

// decideSale applies the sale rules to a locked payment, forward only: a later PENDING never undoes
// PAID, final states never change, and settled — the only state that means money arrived — wins
// over a FAILED or CANCELLED we recorded ourselves. Shop, amount and currency must match the
// payment, and so must the transaction (or payment link) once imoje's id for it is known: a
// notification naming our order with another transaction is a mismatch and moves nothing.
//
// Money is never turned away. The reservation is paid by the first payment that settles; the
// reservation's other unsettled payments are superseded (refunded if they settle too). A
// settlement for a reservation already paid is recorded as DUPLICATE and refunded; one for a
// cancelled or expired reservation is recorded as PAID and refunded. Either refund is automatic
// unless the payment method says staff decide (autoRefund false: the money is kept and flagged).
//
// Both the gorm path (applySale) and the webhook's pipelined path (applySaleNotification) execute it.
func decideSale(now time.Time, pay *models.Payment, c saleContext, t *imoje.Transaction) saleDecision {
	if !strings.EqualFold(t.ServiceID, c.serviceID.String()) || t.Amount != pay.Amount || !strings.EqualFold(t.Currency, pay.Currency) {
		return saleDecision{outcome: OutcomeMismatch, detail: fmt.Sprintf("transaction %s: service %s amount %d %s does not match payment %d %s",
			t.ID, t.ServiceID, t.Amount, t.Currency, pay.Amount, pay.Currency)}
	}
	link := isLink(pay)
	switch {
	case !link && pay.ImojeTransactionID != nil && !strings.EqualFold(t.ID, pay.ImojeTransactionID.String()):
		return saleDecision{outcome: OutcomeMismatch, detail: fmt.Sprintf("transaction %s is not payment %s's transaction %s", t.ID, pay.ID, pay.ImojeTransactionID)}
	case link && pay.ImojePaymentID != nil && c.linkID != "" && !strings.EqualFold(c.linkID, pay.ImojePaymentID.String()):
		return saleDecision{outcome: OutcomeMismatch, detail: fmt.Sprintf("payment link %s is not payment %s's link %s", c.linkID, pay.ID, pay.ImojePaymentID)}
	case c.transactionOf != nil:
		return saleDecision{outcome: OutcomeMismatch, detail: fmt.Sprintf("transaction %s is payment %s's, not %s's", t.ID, c.transactionOf, pay.ID)}
	}
	target := saleTarget(t.Status)
	cur := pay.Status
	updates := map[string]any{}
	if txID, err := uuid.Parse(t.ID); err == nil && !cur.Settled() &&
		(pay.ImojeTransactionID == nil || (link && target == models.PaymentStatePaid && *pay.ImojeTransactionID != txID)) {
		// A link's payer may try several transactions: the one that settles is the one to refund.
		updates["imoje_transaction_id"] = txID
	}
	if linkID, err := uuid.Parse(c.linkID); err == nil && link && pay.ImojePaymentID == nil {
		updates["imoje_payment_id"] = linkID // the link whose creation imoje never answered
	}
	if t.StatusCode != "" {
		updates["failure_code"] = t.StatusCode
		updates["failure_message"] = truncate(t.StatusCodeDescription, 500)
	}
	if target == models.PaymentStateFailed && link {
		// One failed attempt on imoje's page; the link stays open for another.
		target = models.PaymentStatePending
	}
	learned := func(outcome, detail string) saleDecision {
		if len(updates) == 0 {
			return saleDecision{outcome: outcome, detail: detail}
		}
		updates["imoje_status"] = t.Status
		updates["updated_at"] = now
		return saleDecision{outcome: outcome, detail: detail, updates: updates}
	}
	switch {
	case cur.Settled():
		if target == models.PaymentStatePaid {
			return learned(OutcomeNoChange, "")
		}
		return saleDecision{outcome: OutcomeStale, detail: "payment already " + string(cur) + "; imoje said " + t.Status}
	case target == models.PaymentStatePaid:
		return settle(now, pay, c, t, updates)
	case target == cur:
		return learned(OutcomeNoChange, "")
	case cur == models.PaymentStateSuperseded && target == models.PaymentStatePending:
		// Replaced by a newer payment: it stays out of the reservation's way until imoje ends it.
		return learned(OutcomeNoChange, "payment was superseded; imoje said "+t.Status)
	case cur.Final(), target.Rank() < cur.Rank():
		return saleDecision{outcome: OutcomeStale, detail: fmt.Sprintf("payment is %s; imoje said %s", cur, t.Status)}
	}
	updates["status"] = target
	updates["imoje_status"] = t.Status
	updates["updated_at"] = now
	if target.Final() {
		updates["next_check_at"] = nil
	}
	d := saleDecision{outcome: OutcomeApplied, updates: updates, moved: true, target: target, reason: saleReason(t)}
	// Only the reservation's active payment moves the reservation: a superseded one that fails
	// does not fail the payment that replaced it.
	d.follow = cur.Active() && reservationMustFollow(c.view, reservationPaymentStatus(target))
	return d
}

// settle decides a settlement (see decideSale).
func settle(now time.Time, pay *models.Payment, c saleContext, t *imoje.Transaction, updates map[string]any) saleDecision {
	d := saleDecision{outcome: OutcomeApplied, updates: updates, moved: true, target: models.PaymentStatePaid, reason: saleReason(t)}
	updates["imoje_status"] = t.Status
	updates["updated_at"] = now
	updates["paid_at"] = now
	updates["next_check_at"] = nil
	paidBy := ""
	for _, o := range c.others {
		if o.Status == models.PaymentStatePaid {
			paidBy = "payment " + o.ID.String()
		}
	}
	if paidBy == "" && paidStatus(c.view.PaymentStatus) {
		paidBy = "its payment status " + string(c.view.PaymentStatus)
	}
	then := "refunded automatically"
	if !c.autoRefund {
		then = "refund it (kept for staff)"
	}
	if paidBy != "" {
		d.target = models.PaymentStateDuplicate
		d.refund = c.autoRefund && pay.RefundedAmount < pay.Amount
		d.detail = fmt.Sprintf("duplicate payment: the reservation was already paid (%s); %s", paidBy, then)
		d.note = fmt.Sprintf("payment %s of %d %s settled although the reservation was already paid: duplicate, %s", pay.ID, pay.Amount, pay.Currency, then)
		updates["status"] = d.target
		return d
	}
	updates["status"] = d.target
	for _, o := range c.others {
		d.supersede = append(d.supersede, o.ID)
	}
	d.follow = reservationMustFollow(c.view, models.PaymentPaid)
	if ended(c.view.Status) {
		d.refund = c.autoRefund && pay.RefundedAmount < pay.Amount
		d.detail = "paid after the reservation became " + string(c.view.Status) + ": " + then
		d.reason += "; the reservation is " + string(c.view.Status) + ": " + then
		if !d.follow {
			d.note = d.reason
		}
	}
	return d
}

// ended reports reservations whose money must go back: cancelled or expired. A COMPLETED or NO_SHOW
// reservation keeps a late payment (the slot was held for the customer).
func ended(s models.ReservationStatus) bool {
	return s == models.StatusCancelled || s == models.StatusExpired
}

func paidStatus(ps models.PaymentStatus) bool {
	return ps == models.PaymentPaid || ps == models.PaymentPartiallyRefunded || ps == models.PaymentRefunded
}

// reservationPaymentStatus is the reservation's payment status that follows a payment's state.
func reservationPaymentStatus(target models.PaymentState) models.PaymentStatus {
	switch target {
	case models.PaymentStatePaid:
		return models.PaymentPaid
	case models.PaymentStateFailed, models.PaymentStateCancelled:
		return models.PaymentFailed
	}
	return models.PaymentPending
}

// reservationMustFollow: the reservation takes the payment's status, except that a failure never
// overwrites money that arrived (PAID, or refunds of it).
func reservationMustFollow(view *booking.PaymentView, ps models.PaymentStatus) bool {
	return view.PaymentStatus != ps && !(ps == models.PaymentFailed && paidStatus(view.PaymentStatus))
}

// saleContextTx reads what decideSale needs besides the payment, in tx, after the payment's lock:
// the reservation's other active payments (locked: one of them may be superseded), the reservation
// (locked), the payment method's refund setting, and which other payment already has the
// transaction's id.
func (s *Service) saleContextTx(tx *gorm.DB, pay *models.Payment, serviceID uuid.UUID, t *imoje.Transaction, linkID string) (saleContext, error) {
	c := saleContext{serviceID: serviceID, linkID: linkID}
	// Lock order everywhere: payments, then their reservation.
	if err := tx.Clauses(lockUpdate).Where("tenant_id = ? AND reservation_id = ? AND id <> ? AND status IN ?", pay.TenantID,
		pay.ReservationID, pay.ID, activeStates).Order("id").Find(&c.others).Error; err != nil {
		return c, err
	}
	var err error
	if c.view, err = s.booking.ReservationForPaymentTx(tx, pay.TenantID, pay.ReservationID); err != nil {
		return c, err
	}
	if err := tx.Model(&models.PaymentMethod{}).Select("auto_refund_unwanted").
		Where("tenant_id = ? AND id = ?", pay.TenantID, pay.PaymentMethodID).Scan(&c.autoRefund).Error; err != nil {
		return c, err
	}
	if txID, perr := uuid.Parse(t.ID); perr == nil {
		var owner []uuid.UUID
		if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND imoje_transaction_id = ? AND id <> ?", pay.TenantID, txID, pay.ID).
			Pluck("id", &owner).Error; err != nil {
			return c, err
		}
		if len(owner) > 0 {
			c.transactionOf = &owner[0]
		}
	}
	return c, nil
}

var activeStates = []string{string(models.PaymentStateCreated), string(models.PaymentStateUnknown), string(models.PaymentStatePending), string(models.PaymentStatePaid)}

// applySale executes decideSale in tx: the superseded payments, the payment's update, the
// reservation's payment status and status (or a history note), a refund reserved when one is due,
// and the live events, in one transaction. It returns the refund to send once tx commits.
func (s *Service) applySale(tx *gorm.DB, pay *models.Payment, serviceID uuid.UUID, t *imoje.Transaction, linkID, source string) (string, string, *uuid.UUID, error) {
	c, err := s.saleContextTx(tx, pay, serviceID, t, linkID)
	if err != nil {
		return "", "", nil, err
	}
	d := decideSale(s.now(), pay, c, t)
	if len(d.supersede) > 0 {
		if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND id IN ?", pay.TenantID, d.supersede).
			Updates(map[string]any{"status": models.PaymentStateSuperseded, "updated_at": s.now()}).Error; err != nil {
			return "", "", nil, err
		}
	}
	if d.updates != nil {
		if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).Updates(d.updates).Error; err != nil {
			return "", "", nil, err
		}
	}
	if !d.moved {
		return d.outcome, d.detail, nil, nil
	}
	pay.Status = d.target
	reason := strings.Replace(d.reason, "imoje ", "imoje "+source+": ", 1)
	if d.follow {
		if _, err := s.booking.ApplyPaymentStatusLockedTx(tx, c.view, reservationPaymentStatus(d.target), booking.HistoryActorSystem, reason); err != nil {
			return "", "", nil, err
		}
	}
	if d.note != "" {
		if err := s.booking.PaymentNoteLockedTx(tx, c.view, booking.HistoryActorSystem, d.note); err != nil {
			return "", "", nil, err
		}
	}
	var refundID *uuid.UUID
	if d.refund {
		ref := s.automaticRefund(pay, d.detail)
		sql, args := s.reserveRefund(&ref, pay.PaymentMethodID)
		if err := tx.Exec(sql, args...).Error; err != nil {
			return "", "", nil, err
		}
		refundID = &ref.ID
	}
	if d.detail != "" && d.note == "" && !d.follow {
		s.o.Log.Warn("imoje payment needs attention", "tenant_id", pay.TenantID.String(), "payment_id", pay.ID.String(), "detail", d.detail)
	}
	evs := []events.Event{paymentEvent(pay)}
	for _, id := range d.supersede {
		evs = append(evs, events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: id})
	}
	for _, ev := range evs {
		if err := events.PublishGorm(tx, ev); err != nil {
			return "", "", nil, err
		}
	}
	return d.outcome, d.detail, refundID, nil
}

// saleReason is the reservation history's reason for a move imoje reported; the appliers put where
// it came from after "imoje".
func saleReason(t *imoje.Transaction) string {
	return "imoje " + t.Status + codeSuffix(t.StatusCode)
}

func codeSuffix(code string) string {
	if code == "" {
		return ""
	}
	return " (" + code + ")"
}

// reservationFollows moves the reservation's payment status (PAID also confirms it) and publishes
// the payment's change. Only a payment that holds the reservation's active slot (or its refunds)
// moves it.
func (s *Service) reservationFollows(tx *gorm.DB, pay *models.Payment, ps models.PaymentStatus, reason string) error {
	if pay.Status == models.PaymentStateDuplicate {
		return events.PublishGorm(tx, paymentEvent(pay))
	}
	view, err := s.booking.ReservationForPaymentTx(tx, pay.TenantID, pay.ReservationID)
	if err != nil {
		return err
	}
	if reservationMustFollow(view, ps) {
		if _, err := s.booking.ApplyPaymentStatusLockedTx(tx, view, ps, booking.HistoryActorSystem, reason); err != nil {
			return err
		}
	}
	return events.PublishGorm(tx, paymentEvent(pay))
}

func paymentEvent(pay *models.Payment) events.Event {
	return events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: pay.ID}
}

// applyLinkClosed handles a payment link that expired or was cancelled (a payment-only notification).
func (s *Service) applyLinkClosed(tx *gorm.DB, pay *models.Payment, linkID, status string) (string, string, error) {
	if pay.ImojePaymentID != nil && linkID != "" && !strings.EqualFold(linkID, pay.ImojePaymentID.String()) {
		return OutcomeMismatch, fmt.Sprintf("payment link %s is not payment %s's link %s", linkID, pay.ID, pay.ImojePaymentID), nil
	}
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
	wasActive := pay.Status.Active()
	pay.Status = models.PaymentStateCancelled
	if !wasActive {
		return OutcomeApplied, "", events.PublishGorm(tx, paymentEvent(pay))
	}
	return OutcomeApplied, "", s.reservationFollows(tx, pay, models.PaymentFailed, "imoje payment link "+status)
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

// refundRank orders refund states; 2 is final.
var refundRank = map[string]int{"REQUESTED": 0, "PENDING": 1, "SETTLED": 2, "FAILED": 2}

// overRefund reports a refund of amount that would take more back than the payment has left.
func overRefund(pay *models.Payment, amount int64) bool {
	return pay.RefundedAmount+amount > pay.Amount
}

// applyRefund applies imoje's word about a refund. A refund we did not ask for (made in imoje's
// panel) is recorded too; one we asked for but whose id we have not stored yet is recognised by its
// payment and amount. Every check comes before any write: a refund of another shop, currency or
// amount, or one that would take back more than was paid, is a mismatch and moves nothing.
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
	known := true
	err = tx.Clauses(lockUpdate).First(&ref, "tenant_id = ? AND imoje_refund_id = ?", tenantID, refundID).Error
	if err == nil && ref.PaymentID != pay.ID {
		return OutcomeMismatch, fmt.Sprintf("refund %s is payment %s's, not %s's", refundID, ref.PaymentID, pay.ID), &pay.ID, nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		known = false
		// Our own request whose answer we have not recorded yet, or (none found) a refund made in
		// the panel.
		ref = models.Refund{}
		err = tx.Clauses(lockUpdate).Where("tenant_id = ? AND payment_id = ? AND imoje_refund_id IS NULL AND amount = ? AND status = 'REQUESTED'",
			tenantID, pay.ID, t.Amount).Order("created_at").First(&ref).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			err = nil
		}
	}
	if err != nil {
		return "", "", nil, err
	}
	if !strings.EqualFold(t.ServiceID, serviceID.String()) || (ref.ID != uuid.Nil && t.Amount != ref.Amount) || !strings.EqualFold(t.Currency, pay.Currency) {
		return OutcomeMismatch, "refund amount, currency or shop does not match", &pay.ID, nil
	}
	target := refundTarget(t.Status)
	if ref.ID != uuid.Nil && (ref.Status == target || refundRank[ref.Status] == 2 || refundRank[target] < refundRank[ref.Status]) {
		return s.moveRefundChecked(tx, pay, &ref, target, t.StatusCodeDescription)
	}
	if target != "FAILED" && overRefund(pay, t.Amount) {
		return OutcomeMismatch, fmt.Sprintf("refund %s of %d would take back more than the payment has left (%d of %d refunded)",
			t.ID, t.Amount, pay.RefundedAmount, pay.Amount), &pay.ID, nil
	}
	switch {
	case ref.ID == uuid.Nil:
		now := s.now()
		ref = models.Refund{TenantID: tenantID, ID: uuid.New(), PaymentID: pay.ID, Amount: t.Amount, Status: "PENDING", ImojeRefundID: &refundID,
			Reason: "refund made in imoje's panel", NotBefore: now, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&ref).Error; err != nil {
			return "", "", nil, err
		}
	case !known:
		if err := tx.Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", tenantID, ref.ID).Update("imoje_refund_id", refundID).Error; err != nil {
			return "", "", nil, err
		}
	}
	return s.moveRefundChecked(tx, pay, &ref, target, t.StatusCodeDescription)
}

func (s *Service) moveRefundChecked(tx *gorm.DB, pay *models.Payment, ref *models.Refund, target, message string) (string, string, *uuid.UUID, error) {
	outcome, detail, err := s.moveRefund(tx, pay, ref, target, message)
	return outcome, detail, &pay.ID, err
}

// moveRefund moves a locked refund forward; a SETTLED refund adds to the payment's refunded amount
// once, and the reservation becomes PARTIALLY_REFUNDED or REFUNDED (a duplicate payment's refunds
// leave the reservation as it is: it was paid by another payment). A refund that would take back
// more than was paid moves nothing.
func (s *Service) moveRefund(tx *gorm.DB, pay *models.Payment, ref *models.Refund, target, message string) (string, string, error) {
	if ref.Status == target {
		return OutcomeNoChange, "", nil
	}
	if refundRank[ref.Status] == 2 || refundRank[target] < refundRank[ref.Status] {
		return OutcomeStale, "refund is already " + ref.Status, nil
	}
	if target == "SETTLED" && overRefund(pay, ref.Amount) {
		return OutcomeMismatch, "refunds would exceed the payment", nil
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
		return OutcomeApplied, "", events.PublishGorm(tx, paymentEvent(pay))
	}
	refunded := pay.RefundedAmount + ref.Amount
	if err := tx.Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).
		Updates(map[string]any{"refunded_amount": refunded, "updated_at": now}).Error; err != nil {
		return "", "", err
	}
	pay.RefundedAmount = refunded
	ps := models.PaymentPartiallyRefunded
	if refunded == pay.Amount {
		ps = models.PaymentRefunded
	}
	return OutcomeApplied, "", s.reservationFollows(tx, pay, ps, fmt.Sprintf("refund of %d settled", ref.Amount))
}
