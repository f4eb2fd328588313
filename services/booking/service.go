// Package booking holds what a business sells and when: services, staff members and their
// schedules, availability, and reservations with their lifecycle. Double booking is made impossible
// by the database (see migrations/00002_booking.sql); this package validates input, computes
// availability, drives the reservation state machine and translates the database's refusals into
// its sentinels. Every tenant's read and write runs in a database.Tx (InTenant); the pure decisions
// (CanTransition, ComputeSlots and Check, applyPaymentPolicy, holdLapsed) have table tests beside them.
package booking

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/metrics"
	"github.com/slotpay/slotpay/services/tenancy"
)

// Errors of this domain.
var (
	ErrSlotUnavailable      = apperr.New(apperr.SlotUnavailable, "this time is no longer available")
	ErrServiceNotFound      = apperr.New(apperr.NotFound, "service not found")
	ErrServiceNotBookable   = apperr.New(apperr.BadUserInput, "this service is not offered any more").WithReason(apperr.NotAllowed)
	ErrStaffNotFound        = apperr.New(apperr.NotFound, "staff member not found")
	ErrStaffNotBookable     = apperr.New(apperr.BadUserInput, "this staff member does not take bookings").WithReason(apperr.NotAllowed)
	ErrStaffNotPerforming   = apperr.New(apperr.BadUserInput, "this staff member does not perform this service").WithReason(apperr.Inconsistent)
	ErrReservationNotFound  = apperr.New(apperr.NotFound, "reservation not found")
	ErrTimeOffNotFound      = apperr.New(apperr.NotFound, "time off not found")
	ErrIllegalTransition    = apperr.New(apperr.Conflict, "this change is not possible in the reservation's current status")
	ErrIdempotencyMismatch  = apperr.New(apperr.Conflict, "this idempotency key was already used for a different reservation")
	ErrNotStarted           = apperr.New(apperr.Conflict, "the reservation has not started yet")
	ErrAlreadyStarted       = apperr.New(apperr.Conflict, "the reservation has already started; contact the business")
	ErrUserAlreadyLinked    = apperr.New(apperr.Conflict, "this account is already linked to another staff member")
	ErrUserNotMember        = apperr.New(apperr.BadUserInput, "this account is not a member of the business").WithReason(apperr.NotAllowed)
	ErrScheduleOverlap      = apperr.New(apperr.BadUserInput, "working intervals overlap").WithReason(apperr.Inconsistent)
	ErrStartInPast          = apperr.New(apperr.BadUserInput, "the start time is in the past").WithReason(apperr.OutOfRange)
	ErrStartTooSoon         = apperr.New(apperr.BadUserInput, "the start time is sooner than the business's minimum notice").WithReason(apperr.OutOfRange)
	ErrStartTooFar          = apperr.New(apperr.BadUserInput, "the start time is beyond the business's booking horizon").WithReason(apperr.OutOfRange)
	ErrOutsideWorkingHours  = apperr.New(apperr.BadUserInput, "the start time is outside working hours").WithReason(apperr.OutOfRange)
	ErrMisaligned           = apperr.New(apperr.BadUserInput, "the start time is not on the slot grid").WithReason(apperr.NotAllowed)
	ErrNoStaffForService    = apperr.New(apperr.SlotUnavailable, "no staff member is free at this time")
	ErrCustomerCannotChange = apperr.New(apperr.Forbidden, "only the business can make this change")
)

// CustomerTokens issues the customer access token of a reservation (auth.Tokens implements it).
type CustomerTokens interface {
	IssueCustomer(tenantID, reservationID uuid.UUID, exp time.Time) (string, error)
}

// Service implements the booking rules.
type Service struct {
	data   *database.DB
	tokens CustomerTokens
	now    func() time.Time
	log    *slog.Logger
	// customerTokenTTL is how long after a reservation ends its customer link keeps working.
	customerTokenTTL time.Duration
	metrics          *metrics.Metrics
	// refunder gives back the money of declined requests (UseRefunder).
	refunder Refunder
}

// Options tune the service; Now lets tests control the clock.
type Options struct {
	Now              func() time.Time
	Logger           *slog.Logger
	CustomerTokenTTL time.Duration
	// Metrics counts holds the background expiry ends (nil: not counted).
	Metrics *metrics.Metrics
}

// NewService builds the booking service on the application's database.
func NewService(data *database.DB, tokens CustomerTokens, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CustomerTokenTTL == 0 {
		o.CustomerTokenTTL = 30 * 24 * time.Hour
	}
	return &Service{data: data, tokens: tokens, now: o.Now, log: o.Logger, customerTokenTTL: o.CustomerTokenTTL,
		metrics: o.Metrics}
}

// Now is the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now().UTC() }

// tenantIDBySlug resolves a public slug (no login) through the foundation's SECURITY DEFINER
// look-up; an unknown slug is NOT_FOUND.
func (s *Service) tenantIDBySlug(ctx context.Context, slug string) (uuid.UUID, error) {
	var id *string
	if err := s.data.Gorm().WithContext(ctx).Raw(`SELECT public_tenant_id_by_slug(?)::text`, strings.TrimSpace(slug)).Scan(&id).Error; err != nil {
		return uuid.Nil, wrap("tenant by slug", err)
	}
	if id == nil {
		return uuid.Nil, tenancy.ErrTenantNotFound
	}
	parsed, err := uuid.Parse(*id)
	if err != nil {
		return uuid.Nil, wrap("tenant by slug", err)
	}
	return parsed, nil
}

// wrap is apperr.Op: unexpected errors get the operation's name, client-visible ones pass.
func wrap(op string, err error) error { return apperr.Op(op, err) }

// notFound turns gorm's "no row" into a domain sentinel.
func notFound(err error, sentinel *apperr.Error, field string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if field != "" {
			return sentinel.WithField(field).Wrap(err)
		}
		return sentinel.Wrap(err)
	}
	return err
}

// translateBookingConflict turns the database's refusals of a booking into SLOT_UNAVAILABLE: the
// overlap exclusion (another occupation of the staff member), the seats check (the class is full).
func translateBookingConflict(err error) error {
	if ok, name := database.IsCode(err, database.CodeExclusionViolation); ok && name == "occupations_no_overlap" {
		return ErrSlotUnavailable.Wrap(err)
	}
	if ok, name := database.IsCode(err, database.CodeCheckViolation); ok && name == "occupations_seats_check" {
		return ErrSlotUnavailable.Wrap(err)
	}
	return err
}
