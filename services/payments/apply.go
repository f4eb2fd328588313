package payments

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

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
// reservation's payment status follows it (and why), the money that paid the reservation (paid:
// the payment's amount when it settles for it), the other payments that leave the
// reservation's active slot, whether slotpay refunds the whole amount itself, and a history note
// on the reservation when money arrived that does not change it.
type saleDecision struct {
	outcome, detail string
	updates         map[string]any
	moved           bool
	target          models.PaymentState
	follow          bool
	paid            int64
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
// Money is never turned away. A payment pays what was due when it started (the deposit, the
// balance, or the whole price): the first payment of that amount that settles pays it, and the
// reservation's other unsettled payments are superseded (refunded if they settle too). A
// settlement for a reservation already paid in full, or paid further since the payment started
// (another payment for the same due amount settled first, or staff recorded it paid), is recorded
// as DUPLICATE and refunded; a balance after a deposit is not a duplicate. One for a cancelled or
// expired reservation is recorded as PAID and refunded. Either refund is automatic
// unless the payment method says staff decide (autoRefund false: the money is kept and flagged).
//
// applySale executes it, for notifications and reconciliation alike.
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
	paidBy := duplicateOf(pay, c)
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
		if o.Status != models.PaymentStatePaid { // an earlier stage's payment (the deposit) stays paid
			d.supersede = append(d.supersede, o.ID)
		}
	}
	// The money pays the reservation: its amounts and status follow, whatever its status says.
	d.follow, d.paid = true, pay.Amount
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

// ended reports reservations whose money must go back: cancelled, expired or declined. A COMPLETED
// or NO_SHOW reservation keeps a late payment (the slot was held for the customer).
func ended(s models.ReservationStatus) bool {
	return s == models.StatusCancelled || s == models.StatusExpired || s == models.StatusDeclined
}

// duplicateOf says why a settlement of pay pays nothing the reservation owes ("" when it pays):
// another payment of the same stage (started with as much paid as pay, or more) settled, the
// reservation was paid in full, or it was paid further since pay started.
func duplicateOf(pay *models.Payment, c saleContext) string {
	for _, o := range c.others {
		if o.Status == models.PaymentStatePaid && o.PaidBefore >= pay.PaidBefore {
			return "payment " + o.ID.String()
		}
	}
	if paidStatus(c.view.PaymentStatus) {
		return "its payment status " + string(c.view.PaymentStatus)
	}
	if c.view.Balance.Paid > pay.PaidBefore {
		return fmt.Sprintf("%d paid since this payment started", c.view.Balance.Paid-pay.PaidBefore)
	}
	return ""
}

// paidStatus reports a reservation paid in full (or refunds of it).
func paidStatus(ps models.PaymentStatus) bool {
	return ps == models.PaymentPaid || ps == models.PaymentPartiallyRefunded || ps == models.PaymentRefunded
}

// moneyArrived reports a payment status that money made (PARTIALLY_PAID and up).
func moneyArrived(ps models.PaymentStatus) bool {
	return ps == models.PaymentPartiallyPaid || paidStatus(ps)
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

// reservationMustFollow: the reservation takes the payment's status, except that an attempt's
// failure or start never overwrites money that arrived (a deposit, the price, or refunds of it).
func reservationMustFollow(view *booking.PaymentView, ps models.PaymentStatus) bool {
	return view.PaymentStatus != ps && !((ps == models.PaymentFailed || ps == models.PaymentPending) && moneyArrived(view.PaymentStatus))
}

var activeStates = []string{string(models.PaymentStateCreated), string(models.PaymentStateUnknown), string(models.PaymentStatePending), string(models.PaymentStatePaid)}

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

func paymentEvent(pay *models.Payment) events.Event {
	return events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: pay.ID}
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

// decideLinkClosed decides a payment link that expired or was cancelled (a payment-only
// notification, or reconciliation finding the link inactive): the outcome, its detail, and whether
// the payment becomes CANCELLED.
func decideLinkClosed(pay *models.Payment, linkID, status string) (outcome, detail string, cancel bool) {
	if pay.ImojePaymentID != nil && linkID != "" && !strings.EqualFold(linkID, pay.ImojePaymentID.String()) {
		return OutcomeMismatch, fmt.Sprintf("payment link %s is not payment %s's link %s", linkID, pay.ID, pay.ImojePaymentID), false
	}
	if status != imoje.StatusCancelled && status != "expired" {
		return OutcomeNoChange, "payment link is " + status, false
	}
	if pay.Status.Final() {
		return OutcomeStale, "payment is already " + string(pay.Status), false
	}
	return OutcomeApplied, "", true
}

// refundMismatch is why imoje's word t about a refund of pay does not fit it (ref: the refund we
// have for it, nil when none): another shop, currency or (for a refund we know) amount. "" fits.
func refundMismatch(serviceID uuid.UUID, pay *models.Payment, ref *models.Refund, t *imoje.Transaction) string {
	if !strings.EqualFold(t.ServiceID, serviceID.String()) || (ref != nil && t.Amount != ref.Amount) || !strings.EqualFold(t.Currency, pay.Currency) {
		return "refund amount, currency or shop does not match"
	}
	return ""
}

// decideRefundMove decides a refund's move to target, forward only: the same status again changes
// nothing, a final refund never changes, and a refund settling that would take back more than was
// paid moves nothing (MISMATCH). move reports whether the refund moves.
func decideRefundMove(pay *models.Payment, ref *models.Refund, target string) (outcome, detail string, move bool) {
	if ref.Status == target {
		return OutcomeNoChange, "", false
	}
	if refundStays(ref.Status, target) {
		return OutcomeStale, "refund is already " + ref.Status, false
	}
	if target == "SETTLED" && overRefund(pay, ref.Amount) {
		return OutcomeMismatch, "refunds would exceed the payment", false
	}
	return OutcomeApplied, "", true
}

// refundStays reports a refund status that target does not move: the same, a final one, or a
// later one (imoje's word arrived out of order).
func refundStays(cur, target string) bool {
	return cur == target || refundRank[cur] == 2 || refundRank[target] < refundRank[cur]
}

// refundAmount is what a refund request of pay takes back: amount, or (nil) all that is left; never
// more than paid minus refunded minus inFlight (refunds still in progress count as refunded).
func refundAmount(pay *models.Payment, inFlight int64, amount *int64) (int64, error) {
	available := pay.Amount - pay.RefundedAmount - inFlight
	want := available
	if amount != nil {
		want = *amount
	}
	if want > available || want <= 0 {
		return 0, ErrRefundTooLarge.WithField("amount")
	}
	return want, nil
}
