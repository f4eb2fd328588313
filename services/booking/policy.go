package booking

import (
	"time"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
)

// This file is the cancellation and change policy: what a business (or one of its services) lets a
// customer do with a booked visit, and what a cancellation costs. The decisions are pure functions
// of the rules, the reservation and "now"; the paths that cancel, refund or reschedule ask them and
// never decide on their own.

// CancellationRules are the effective rules for one service: the business's, with the service's
// overrides applied (models.CancellationRules, models.CancellationOverrides).
type CancellationRules = models.CancellationRules

// EffectiveRules applies a service's overrides to the business's rules: each overridden field
// replaces the business's, the others follow it.
func EffectiveRules(business CancellationRules, o models.CancellationOverrides) CancellationRules {
	r := business
	set(&r.FreeCancellationHours, o.FreeCancellationHours)
	set(&r.LateCancellationFee, o.LateCancellationFee)
	set(&r.LateCancellationFeePercent, o.LateCancellationFeePercent)
	set(&r.LateCancellationFeeAmount, o.LateCancellationFeeAmount)
	set(&r.CustomerMayCancel, o.CustomerMayCancel)
	set(&r.CustomerCancelUntilHours, o.CustomerCancelUntilHours)
	set(&r.CustomerMayReschedule, o.CustomerMayReschedule)
	set(&r.CustomerRescheduleUntilHours, o.CustomerRescheduleUntilHours)
	return r
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// TermsInput is what the policy needs to know about one reservation.
type TermsInput struct {
	StartsAt time.Time
	// Price is the reservation's total price (minor units): a PERCENT fee is a share of it.
	Price int64
	// NetPaid is what the customer has paid and not had back (minor units); a refund is never more.
	NetPaid int64
	// HoldsSlot is true while the reservation is booked and not yet over (it may still be cancelled
	// or moved at all); false once it is cancelled, expired, declined, completed or a no-show.
	HoldsSlot bool
	// Request: the reservation is a request the business has not accepted yet. Its customer may
	// withdraw it until the start and gets everything back: the policy binds accepted bookings.
	Request bool
}

// CustomerTerms are the consequences of the policy for one reservation at one moment, as a customer
// sees them before confirming.
type CustomerTerms struct {
	// CanCancel: the customer may cancel it themselves now.
	CanCancel bool
	// CancellationDeadline is the last moment (exclusive) the customer may cancel; nil when
	// customers may not cancel this reservation at all.
	CancellationDeadline *time.Time
	// CanReschedule: the customer may move it themselves now.
	CanReschedule bool
	// RescheduleDeadline is the last moment (exclusive) the customer may move it; nil when never.
	RescheduleDeadline *time.Time
	// FreeCancellationUntil is the last moment (exclusive) a cancellation refunds everything paid.
	FreeCancellationUntil time.Time
	// RefundIfCancelledNow is what a cancellation now gives back (minor units, at most NetPaid).
	RefundIfCancelledNow int64
	// FeeIfCancelledNow is what a cancellation now keeps of what was paid (NetPaid - refund).
	FeeIfCancelledNow int64
}

// TermsAt applies rules to a reservation at now.
func TermsAt(rules CancellationRules, in TermsInput, now time.Time) CustomerTerms {
	netPaid := max(in.NetPaid, 0)
	t := CustomerTerms{FreeCancellationUntil: in.StartsAt.Add(-hours(rules.FreeCancellationHours))}
	switch {
	case in.HoldsSlot && in.Request:
		d := in.StartsAt
		t.CancellationDeadline = &d
		t.CanCancel = now.Before(d)
	case in.HoldsSlot && rules.CustomerMayCancel:
		d := in.StartsAt.Add(-hours(rules.CustomerCancelUntilHours))
		t.CancellationDeadline = &d
		t.CanCancel = now.Before(d)
	}
	if in.HoldsSlot && rules.CustomerMayReschedule {
		d := in.StartsAt.Add(-hours(rules.CustomerRescheduleUntilHours))
		t.RescheduleDeadline = &d
		t.CanReschedule = now.Before(d)
	}
	switch {
	case in.HoldsSlot && in.Request:
		t.RefundIfCancelledNow = netPaid
	case in.HoldsSlot:
		t.RefundIfCancelledNow = RefundOnCancellation(rules, in.StartsAt, in.Price, netPaid, now)
		t.FeeIfCancelledNow = netPaid - t.RefundIfCancelledNow
	}
	return t
}

// HoldsSlot reports whether r is booked and may still be cancelled or moved at all: REQUESTED, CONFIRMED, or
// PENDING_PAYMENT with its hold still running (a lapsed hold is as good as EXPIRED).
func HoldsSlot(r *models.Reservation, now time.Time) bool {
	switch r.Status {
	case models.StatusRequested, models.StatusConfirmed:
		return true
	case models.StatusPendingPayment:
		return !holdLapsed(r, now)
	}
	return false
}

// ReservationTerms is TermsAt for reservation r of a service with overrides, under its business's
// rules, of which netPaid is paid (payments.NetPaid): what Reservation.canCancel,
// refundIfCancelledNow and the others show, and what a customer's cancellation then does.
func ReservationTerms(business CancellationRules, overrides models.CancellationOverrides, r *models.Reservation, netPaid int64, now time.Time) CustomerTerms {
	return TermsAt(EffectiveRules(business, overrides),
		TermsInput{StartsAt: r.StartsAt, Price: r.PriceAmount, NetPaid: netPaid, HoldsSlot: HoldsSlot(r, now),
			Request: r.Status == models.StatusRequested}, now)
}

// RefundOnCancellation is what the policy gives back when a reservation starting at startsAt with
// this price, of which netPaid is paid, is cancelled at now: everything inside the free window,
// otherwise what is left after the late-cancellation fee (never below zero, never above netPaid).
func RefundOnCancellation(rules CancellationRules, startsAt time.Time, price, netPaid int64, now time.Time) int64 {
	netPaid = max(netPaid, 0)
	if now.Before(startsAt.Add(-hours(rules.FreeCancellationHours))) {
		return netPaid
	}
	var fee int64
	switch rules.LateCancellationFee {
	case models.LateFeePercent:
		fee = percentOf(price, rules.LateCancellationFeePercent)
	case models.LateFeeFixed:
		fee = rules.LateCancellationFeeAmount
	default: // NO_REFUND, and anything unknown keeps the money rather than give away what is not due
		fee = netPaid
	}
	return min(max(netPaid-fee, 0), netPaid)
}

// percentOf is pct % of amount in whole minor units, rounded half up (25 % of 1,99 zł is 50 gr).
func percentOf(amount int64, pct int) int64 {
	return (amount*int64(pct) + 50) / 100
}

func hours(h int) time.Duration { return time.Duration(h) * time.Hour }

// RulesInput changes cancellation rules; nil fields stay as they are. For a service, a set field
// overrides the business's and Reset first returns every field to the business's.
type RulesInput struct {
	FreeCancellationHours        *int
	LateCancellationFee          *models.LateCancellationFee
	LateCancellationFeePercent   *int
	LateCancellationFeeAmount    *int64
	CustomerMayCancel            *bool
	CustomerCancelUntilHours     *int
	CustomerMayReschedule        *bool
	CustomerRescheduleUntilHours *int
	Reset                        bool // services only
}

// maxPolicyHours is a year: no rule needs a longer window.
const maxPolicyHours = 8760

// validate reports every bad field at once, with paths under prefix (e.g. "cancellationRules").
func (in RulesInput) validate(prefix string) error {
	var problems apperr.Problems
	for _, h := range []struct {
		v     *int
		field string
	}{
		{in.FreeCancellationHours, "freeCancellationHours"},
		{in.CustomerCancelUntilHours, "customerCancelUntilHours"},
		{in.CustomerRescheduleUntilHours, "customerRescheduleUntilHours"},
	} {
		if h.v != nil {
			problems.Add(intIn(*h.v, 0, maxPolicyHours, prefix+"."+h.field))
		}
	}
	if in.LateCancellationFee != nil && !in.LateCancellationFee.Valid() {
		problems.Add(apperr.Input(prefix+".lateCancellationFee", apperr.NotAllowed, "unknown late-cancellation fee"))
	}
	if in.LateCancellationFeePercent != nil {
		problems.Add(intIn(*in.LateCancellationFeePercent, 0, 100, prefix+".lateCancellationFeePercent"))
	}
	if in.LateCancellationFeeAmount != nil && (*in.LateCancellationFeeAmount < 0 || *in.LateCancellationFeeAmount > 100_000_000) {
		problems.Add(apperr.Input(prefix+".lateCancellationFeeAmount", apperr.OutOfRange,
			"the fee must be between 0 and 100000000 minor units").With("min", 0).With("max", 100_000_000))
	}
	return problems.Err()
}

// applyTo sets the business's rules from in.
func (in RulesInput) applyTo(r *CancellationRules) {
	set(&r.FreeCancellationHours, in.FreeCancellationHours)
	set(&r.LateCancellationFee, in.LateCancellationFee)
	set(&r.LateCancellationFeePercent, in.LateCancellationFeePercent)
	set(&r.LateCancellationFeeAmount, in.LateCancellationFeeAmount)
	set(&r.CustomerMayCancel, in.CustomerMayCancel)
	set(&r.CustomerCancelUntilHours, in.CustomerCancelUntilHours)
	set(&r.CustomerMayReschedule, in.CustomerMayReschedule)
	set(&r.CustomerRescheduleUntilHours, in.CustomerRescheduleUntilHours)
}

// overrideOn sets a service's overrides from in (after clearing them all when in.Reset).
func (in RulesInput) overrideOn(o *models.CancellationOverrides) {
	if in.Reset {
		*o = models.CancellationOverrides{}
	}
	override(&o.FreeCancellationHours, in.FreeCancellationHours)
	override(&o.LateCancellationFee, in.LateCancellationFee)
	override(&o.LateCancellationFeePercent, in.LateCancellationFeePercent)
	override(&o.LateCancellationFeeAmount, in.LateCancellationFeeAmount)
	override(&o.CustomerMayCancel, in.CustomerMayCancel)
	override(&o.CustomerCancelUntilHours, in.CustomerCancelUntilHours)
	override(&o.CustomerMayReschedule, in.CustomerMayReschedule)
	override(&o.CustomerRescheduleUntilHours, in.CustomerRescheduleUntilHours)
}

func override[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// rulesColumns is the tenants columns of a business's rules, for an update.
func rulesColumns(r CancellationRules) map[string]any {
	return map[string]any{
		"free_cancellation_hours":         r.FreeCancellationHours,
		"late_cancellation_fee":           r.LateCancellationFee,
		"late_cancellation_fee_percent":   r.LateCancellationFeePercent,
		"late_cancellation_fee_amount":    r.LateCancellationFeeAmount,
		"customer_may_cancel":             r.CustomerMayCancel,
		"customer_cancel_until_hours":     r.CustomerCancelUntilHours,
		"customer_may_reschedule":         r.CustomerMayReschedule,
		"customer_reschedule_until_hours": r.CustomerRescheduleUntilHours,
	}
}
