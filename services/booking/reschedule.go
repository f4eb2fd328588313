package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// RescheduleInput moves a reservation to another start and, optionally, another staff member.
type RescheduleInput struct {
	StartsAt time.Time
	// StaffMemberID nil keeps the reservation's staff member.
	StaffMemberID *uuid.UUID
	// ServiceID (staff only) changes the visit's service, and its price to the new service's; nil
	// keeps both.
	ServiceID *uuid.UUID
	Reason    string
}

// ErrServiceChangeStaffOnly refuses a customer's change of a reservation's service.
var ErrServiceChangeStaffOnly = apperr.New(apperr.Forbidden, "only the business can change the service of a visit").WithField("serviceId")

// ErrServiceCurrency refuses a service change to a service priced in another currency.
var ErrServiceCurrency = apperr.Input("serviceId", apperr.Inconsistent, "the new service is priced in another currency")

// normalize checks what needs no database, every problem at once.
func (in *RescheduleInput) normalize() error {
	var problems apperr.Problems
	var err error
	in.Reason, err = text(in.Reason, "reason", 500)
	problems.Add(err)
	problems.Add(checkStart(in.StartsAt))
	in.StartsAt = in.StartsAt.UTC()
	return problems.Err()
}

// Reschedule moves a reservation that holds a slot (REQUESTED, PENDING_PAYMENT, CONFIRMED) and has
// not started to another start and optionally another staff member, on behalf of staff or its
// customer, in one transaction: the new slot is checked with the booking rules (the same code as a
// booking: notice, horizon, grid, working hours, time off, the staff member performs the service),
// the new occupation is claimed and the old one released (the reservations_occupy trigger moves the
// seat; the exclusion constraint and the seats check still refuse a taken slot: SLOT_UNAVAILABLE).
// The reservation keeps its id, payments, price, status and a PENDING_PAYMENT hold's deadline; the
// history records from and to which time and staff member it moved, and both ranges are published.
func (s *Service) Reschedule(ctx context.Context, p *auth.Principal, id uuid.UUID, in RescheduleInput) (*models.Reservation, error) {
	tenantID, err := scope(p, id)
	if err != nil {
		return nil, err
	}
	actor := HistoryActorCustomer
	if p.IsStaff() {
		actor = p.UserID.String()
	}
	if err := in.normalize(); err != nil {
		return nil, err
	}
	if in.ServiceID != nil && !p.IsStaff() {
		return nil, ErrServiceChangeStaffOnly
	}
	var r *models.Reservation
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		var err error
		r, err = s.reschedule(tx, p, id, in, actor)
		return err
	})
	if err != nil {
		return nil, wrap("reschedule reservation", translateBookingConflict(err))
	}
	return r, nil
}

func (s *Service) reschedule(tx *database.Tx, p *auth.Principal, id uuid.UUID, in RescheduleInput, actor string) (*models.Reservation, error) {
	db := tx.Gorm()
	now := s.Now()
	r, err := lockReservation(db, id)
	if err != nil {
		return nil, asField(err, "id")
	}
	if err := expireIfOverdue(db, r, now); err != nil {
		return nil, err
	}
	switch {
	case !r.Status.Active():
		return nil, ErrIllegalTransition
	case !now.Before(r.StartsAt):
		return nil, ErrAlreadyStarted
	}
	if !p.IsStaff() {
		if err := customerMayReschedule(tx, r, now); err != nil {
			return nil, err
		}
	}
	staffID := r.StaffMemberID
	if in.StaffMemberID != nil {
		staffID = *in.StaffMemberID
	}
	serviceID := r.ServiceID
	if in.ServiceID != nil {
		serviceID = *in.ServiceID
	}
	var reads bookingReads
	queueBookingReads(tx, serviceID, &staffID, in.StartsAt, in.StartsAt, now, &reads)
	if err := tx.Send(); err != nil {
		return nil, err
	}
	reads.busy = withoutSeatOf(reads.busy, r)
	bk, _, err := reads.slot(in.StartsAt, true, "id", now)
	if err != nil {
		return nil, err
	}
	moved := *r
	moved.StaffMemberID, moved.StartsAt, moved.EndsAt = staffID, in.StartsAt, in.StartsAt.Add(bk.service.Duration())
	moved.UpdatedAt = now
	if serviceID != r.ServiceID {
		if bk.service.Currency != r.Currency {
			return nil, ErrServiceCurrency
		}
		reprice(&moved, bk.service)
	}
	queueClaim(tx, &moved, bk.service, now)
	if err := tx.Send(); err != nil {
		return nil, err
	}
	// A hold and a request's deadline keep their time, but never outlast the new start.
	moved.HoldExpiresAt, moved.DecisionDeadline = notAfter(r.HoldExpiresAt, moved.StartsAt), notAfter(r.DecisionDeadline, moved.StartsAt)
	// Calendars holding the visit's event (by its UID) take the new time from a higher SEQUENCE.
	moved.CalendarSequence = r.CalendarSequence + 1
	tx.Queue(`UPDATE reservations SET occupation_id = $3, staff_member_id = $4, starts_at = $5, ends_at = $6, updated_at = $7,
			hold_expires_at = $8, decision_deadline = $9, service_id = $10, price_amount = $11, payment_status = $12,
			calendar_sequence = calendar_sequence + 1
		WHERE tenant_id = $1 AND id = $2`, r.ID, moved.OccupationID, moved.StaffMemberID, moved.StartsAt, moved.EndsAt, now,
		moved.HoldExpiresAt, moved.DecisionDeadline, moved.ServiceID, moved.PriceAmount, moved.PaymentStatus).
		Exec(func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("move reservation: %d rows, want 1", tag.RowsAffected())
			}
			return nil
		})
	reason := in.Reason
	if reason == "" {
		reason = "rescheduled"
	}
	if moved.PriceAmount != r.PriceAmount {
		reason = fmt.Sprintf("%s (price %d → %d %s)", reason, r.PriceAmount, moved.PriceAmount, r.Currency)
	}
	h, ev := transition(&moved, &r.Status, &r.PaymentStatus, actor, reason, events.ReservationUpdated, now)
	h.FromStartsAt, h.ToStartsAt = &r.StartsAt, &moved.StartsAt
	h.FromStaffMemberID, h.ToStaffMemberID = &r.StaffMemberID, &moved.StaffMemberID
	queueHistoryRow(tx, h)
	// The old range is free again: widgets showing it refetch (the reservation's own event carries
	// the new range).
	freed := events.Event{Kind: events.AvailabilityChanged, TenantID: r.TenantID, ServiceID: r.ServiceID,
		StaffMemberID: r.StaffMemberID, From: r.StartsAt, To: r.EndsAt}
	return &moved, events.Publish(tx, ev, freed)
}

// reprice gives moved the price of svc, its new service; what was paid stays, so a higher price
// leaves a balance due (PARTIALLY_PAID once something was paid) and a lower one an overpayment
// (Balance.Overpaid) for staff to give back. The deposit stays as booked.
func reprice(moved *models.Reservation, svc *models.Service) {
	moved.ServiceID, moved.PriceAmount = svc.ID, svc.PriceAmount
	if status, ok := moved.Balance().MoneyStatus(); ok {
		moved.PaymentStatus = status
		return
	}
	// Nothing was paid: whether anything is to be paid follows the new service.
	switch {
	case svc.PriceAmount == 0 || svc.PaymentPolicy == models.PaymentPolicyNone:
		moved.PaymentStatus = models.PaymentNotRequired
	case moved.PaymentStatus == models.PaymentNotRequired:
		moved.PaymentStatus = models.PaymentUnpaid
	}
}

// notAfter is t, or limit when t is later (nil stays nil).
func notAfter(t *time.Time, limit time.Time) *time.Time {
	if t == nil || !t.After(limit) {
		return t
	}
	return &limit
}

// withoutSeatOf drops r's own seat from what is busy: a reservation moving within or next to its own
// time does not stand in its own way (the database frees the old seat before taking the new one).
func withoutSeatOf(busy []busyRow, r *models.Reservation) []busyRow {
	out := busy[:0:0]
	for _, b := range busy {
		if b.StaffMemberID == r.StaffMemberID && b.ServiceID == r.ServiceID && b.StartsAt.Equal(r.StartsAt) && b.EndsAt.Equal(r.EndsAt) {
			if b.Seats--; b.Seats == 0 {
				continue
			}
		}
		out = append(out, b)
	}
	return out
}

// Refusals of a customer's reschedule by the business's change policy (CONFLICT, with
// extensions.reason NOT_ALLOWED: never by the customer; OUT_OF_RANGE: no longer).
var (
	ErrCustomerCannotReschedule = apperr.New(apperr.Conflict, "this business does not let customers move their visits; contact the business").
					WithReason(apperr.NotAllowed)
	ErrRescheduleDeadlinePassed = apperr.New(apperr.Conflict, "it is too late to move this visit yourself; contact the business").
					WithReason(apperr.OutOfRange)
)

// customerMayReschedule is the business's change policy for a customer moving locked reservation
// r at now (TermsAt of the service's effective rules); staff are not bound by it.
func customerMayReschedule(tx *database.Tx, r *models.Reservation, now time.Time) error {
	svc, settings, err := serviceAndSettings(tx, r)
	if err != nil {
		return err
	}
	terms := TermsAt(EffectiveRules(settings.CancellationRules, svc.CancellationOverrides),
		TermsInput{StartsAt: r.StartsAt, Price: r.PriceAmount, HoldsSlot: HoldsSlot(r, now)}, now)
	switch {
	case terms.RescheduleDeadline == nil:
		return ErrCustomerCannotReschedule
	case !terms.CanReschedule:
		return ErrRescheduleDeadlinePassed
	}
	return nil
}

// serviceAndSettings reads r's service and business settings as they are now, in one round trip of
// tx (QueueReservationRules, the cancellation's read).
func serviceAndSettings(tx *database.Tx, r *models.Reservation) (*models.Service, models.BookingSettings, error) {
	read := QueueReservationRules(tx, r.ID)
	if err := tx.Send(); err != nil {
		return nil, models.BookingSettings{}, err
	}
	svc, settings, ok := read.ServiceAndSettings()
	if !ok {
		return nil, settings, ErrReservationNotFound
	}
	return svc, settings, nil
}
