package booking

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// This file is a reservation's cancellation: who may cancel when, and what it does with the money
// paid. The payments domain runs it (payments.Service.CancelReservation), because a cancellation's
// refund is created in the same transaction: it locks the reservation's payments, then the
// reservation (QueueReservationForPayment), reads the rules (QueueReservationRules), and calls
// Cancel, which decides (decideCancellation, pure) and queues the reservation's change; payments
// then reserves the refund Cancel returns through its one refund path.

// Sub-codes (extensions.reason) of a customer's cancellation refused by the policy.
const (
	// ReasonCancellationNotAllowed: the business does not let customers cancel this visit themselves.
	ReasonCancellationNotAllowed apperr.Reason = "CANCELLATION_NOT_ALLOWED"
	// ReasonCancellationDeadlinePassed: customers could cancel until CancellationDeadline, no longer.
	ReasonCancellationDeadlinePassed apperr.Reason = "CANCELLATION_DEADLINE_PASSED"
)

// Errors of a cancellation.
var (
	ErrCancellationNotAllowed = apperr.New(apperr.Conflict,
		"this business does not take cancellations online; contact the business").WithReason(ReasonCancellationNotAllowed)
	ErrCancellationDeadlinePassed = apperr.New(apperr.Conflict,
		"it is too late to cancel this reservation online; contact the business").WithReason(ReasonCancellationDeadlinePassed)
	ErrRefundChoiceStaffOnly = apperr.New(apperr.Forbidden, "only the business chooses the refund of a cancellation")
)

// RefundChoice is how much of what was paid a staff cancellation gives back.
type RefundChoice string

// Refund choices.
const (
	RefundFull   RefundChoice = "FULL"   // everything paid and not yet refunded (staff's default)
	RefundPolicy RefundChoice = "POLICY" // what the cancellation policy gives back now
	RefundNone   RefundChoice = "NONE"   // nothing
)

// Valid reports a known choice.
func (c RefundChoice) Valid() bool { return c == RefundFull || c == RefundPolicy || c == RefundNone }

// CancelRequest is a cancellation asked for by staff or by the reservation's customer.
type CancelRequest struct {
	Reason string
	// Refund is staff's choice ("" is FULL); a customer's cancellation always follows the policy.
	Refund RefundChoice
	// RefundAmount is, for staff, exactly how much to give back (minor units) instead of Refund.
	RefundAmount *int64
}

// Validate checks what needs no database, every problem at once: the reason's length, and that only
// staff choose the refund, one way at a time, never a negative amount. The amount's upper bound (what
// was paid) is checked once the payments are read.
func (req *CancelRequest) Validate(staff bool) error {
	if !staff && (req.Refund != "" || req.RefundAmount != nil) {
		return ErrRefundChoiceStaffOnly
	}
	var problems apperr.Problems
	var err error
	req.Reason, err = text(req.Reason, "reason", 500)
	problems.Add(err)
	if req.Refund != "" && !req.Refund.Valid() {
		problems.Add(apperr.Input("refund", apperr.NotAllowed, "unknown refund choice"))
	}
	if req.RefundAmount != nil {
		switch {
		case req.Refund != "":
			problems.Add(apperr.Input("refundAmount", apperr.Inconsistent, "give either refund or refundAmount, not both"))
		case *req.RefundAmount < 0:
			problems.Add(apperr.Input("refundAmount", apperr.OutOfRange, "the refund cannot be negative").With("min", 0))
		}
	}
	return problems.Err()
}

// errRefundAboveNetPaid is a chosen refund above what the reservation's payments hold.
func errRefundAboveNetPaid(netPaid int64) error {
	return apperr.Input("refundAmount", apperr.OutOfRange, fmt.Sprintf("the refund must be between 0 and %d, what was paid and not yet refunded", netPaid)).
		With("min", 0).With("max", int(netPaid))
}

// cancelDecision is what a cancellation does with the money: the refund due and the fee kept (minor
// units, refund + fee = net paid), and why (the refunds' reason and the history's).
type cancelDecision struct {
	refund, fee int64
	why         string
}

// decideCancellation decides a cancellation of r by a customer or staff at now, under the effective
// rules, of which netPaid is paid and not refunded: the state machine first (a lapsed hold is as good
// as EXPIRED), then for a customer the policy (CanCancel, else why not) and its refund; for staff a
// full refund unless they chose the policy's, none, or an amount up to netPaid.
func decideCancellation(by ActorKind, rules CancellationRules, r *models.Reservation, netPaid int64, req CancelRequest, now time.Time) (cancelDecision, error) {
	status := r.Status
	if holdLapsed(r, now) {
		status = models.StatusExpired
	}
	if !CanTransition(status, models.StatusCancelled, by) {
		if by == ActorCustomer && CanTransition(status, models.StatusCancelled, ActorStaff) {
			return cancelDecision{}, ErrCustomerCannotChange
		}
		return cancelDecision{}, ErrIllegalTransition
	}
	netPaid = max(netPaid, 0)
	var d cancelDecision
	switch {
	case by == ActorCustomer:
		request := status == models.StatusRequested
		terms := TermsAt(rules, TermsInput{StartsAt: r.StartsAt, Price: r.PriceAmount, NetPaid: netPaid, HoldsSlot: true, Request: request}, now)
		switch {
		case terms.CanCancel:
		case !rules.CustomerMayCancel && !request:
			return cancelDecision{}, ErrCancellationNotAllowed
		case !now.Before(r.StartsAt):
			return cancelDecision{}, ErrAlreadyStarted.WithReason(ReasonCancellationDeadlinePassed)
		default:
			return cancelDecision{}, ErrCancellationDeadlinePassed
		}
		d = cancelDecision{refund: terms.RefundIfCancelledNow, why: "cancelled by the customer: refund under the cancellation policy"}
		if request {
			d.why = "request withdrawn by the customer: refund in full"
		}
	case req.RefundAmount != nil:
		if *req.RefundAmount < 0 || *req.RefundAmount > netPaid {
			return cancelDecision{}, errRefundAboveNetPaid(netPaid)
		}
		d = cancelDecision{refund: *req.RefundAmount, why: "cancelled by staff: refund of the amount chosen"}
	case req.Refund == RefundPolicy:
		d = cancelDecision{refund: RefundOnCancellation(rules, r.StartsAt, r.PriceAmount, netPaid, now),
			why: "cancelled by staff: refund under the cancellation policy"}
	case req.Refund == RefundNone:
		d = cancelDecision{why: "cancelled by staff without a refund"}
	default:
		d = cancelDecision{refund: netPaid, why: "cancelled by staff: refund in full"}
	}
	d.fee = netPaid - d.refund
	return d, nil
}

// Cancellation is what Cancel did: the reservation as it is now, the refund due and the fee kept
// (minor units of its currency), the refunds' reason and who asked (nil: the customer), and the
// live update for the caller to publish with its own.
type Cancellation struct {
	Reservation  *models.Reservation
	Refund, Fee  int64
	RefundReason string
	RequestedBy  *uuid.UUID
	Event        events.Event
}

// Cancel cancels the reservation of view (locked by QueueReservationForPayment in tx) for p, under
// the effective rules, of which netPaid is paid (payments.NetPaid over the payments locked before
// it): it decides (decideCancellation) at the service's now, queues the reservation's change and its
// history row (the reason given, then what happens to the money), and returns the refund due for the
// caller to start in tx. Nothing is queued on error.
func (s *Service) Cancel(tx *database.Tx, view *PaymentView, p *auth.Principal, rules CancellationRules, netPaid int64, req CancelRequest) (*Cancellation, error) {
	if view == nil || view.locked == nil {
		return nil, errors.New("cancel: the reservation is not locked in this transaction")
	}
	by, actor := ActorCustomer, HistoryActorCustomer
	var requestedBy *uuid.UUID
	if p.IsStaff() {
		uid := p.UserID
		by, actor, requestedBy = ActorStaff, uid.String(), &uid
	}
	now := s.Now()
	r := view.locked
	d, err := decideCancellation(by, rules, r, netPaid, req, now)
	if err != nil {
		return nil, err
	}
	from := r.Status
	database.QueueUpdateRow(tx, "reservations", r.ID, map[string]any{"status": models.StatusCancelled, "cancel_reason": req.Reason, "updated_at": now})
	reason := req.Reason
	r.Status, r.CancelReason, r.UpdatedAt = models.StatusCancelled, &reason, now
	view.Status = r.Status
	h, ev := transition(r, &from, &r.PaymentStatus, actor, cancellationNote(req.Reason, d, max(netPaid, 0), r.Currency), events.ReservationUpdated, now)
	queueHistoryRow(tx, h)
	return &Cancellation{Reservation: r, Refund: d.refund, Fee: d.fee, RefundReason: d.why, RequestedBy: requestedBy, Event: ev}, nil
}

// maxHistoryReason is reservation_history.reason's limit (characters).
const maxHistoryReason = 500

// cancellationNote is the history's reason of a cancellation: the reason given, then (when money
// was paid) what happens to it. The money's part is kept whole; a long reason is shortened so that
// both fit the history's limit.
func cancellationNote(reason string, d cancelDecision, netPaid int64, currency string) string {
	if netPaid <= 0 {
		return reason
	}
	money := fmt.Sprintf("%s: %d %s refunded, %d %s kept", d.why, d.refund, currency, d.fee, currency)
	if reason == "" {
		return money
	}
	if room := maxHistoryReason - utf8.RuneCountInString(money) - utf8.RuneCountInString("…; "); utf8.RuneCountInString(reason) > room {
		reason = string([]rune(reason)[:max(room, 0)]) + "…"
	}
	return reason + "; " + money
}

// RulesRead is a reservation's service and its business's settings as they are now, read by
// QueueReservationRules: what its effective cancellation rules, an approval's hold and a
// customer's reschedule are decided from.
type RulesRead struct {
	business []models.BookingSettings
	service  []models.Service
}

// ServiceAndSettings are the service and settings once the round trip has run; ok is false when
// the reservation was not found in tx's tenant.
func (rr *RulesRead) ServiceAndSettings() (svc *models.Service, settings models.BookingSettings, ok bool) {
	if len(rr.business) != 1 || len(rr.service) != 1 {
		return nil, models.BookingSettings{}, false
	}
	return &rr.service[0], rr.business[0], true
}

// Rules are the effective rules once the round trip has run: the business's with the reservation's
// service's overrides; ok is false when the reservation was not found in tx's tenant.
func (rr *RulesRead) Rules() (rules CancellationRules, ok bool) {
	svc, settings, ok := rr.ServiceAndSettings()
	if !ok {
		return CancellationRules{}, false
	}
	return EffectiveRules(settings.CancellationRules, svc.CancellationOverrides), true
}

// QueueReservationRules queues the read of reservation reservationID's effective cancellation rules
// (its business's and its service's overrides) into tx's next round trip.
func QueueReservationRules(tx *database.Tx, reservationID uuid.UUID) *RulesRead {
	rr := &RulesRead{}
	database.QueueRows(tx, `SELECT `+database.Columns[models.BookingSettings]()+` FROM tenants WHERE id = $1`, nil, &rr.business)
	database.QueueRows(tx, `SELECT `+database.Columns[models.Service]()+` FROM services
		WHERE tenant_id = $1 AND id = (SELECT service_id FROM reservations WHERE tenant_id = $1 AND id = $2)`, []any{reservationID}, &rr.service)
	return rr
}
