package graph

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/events"
)

// Subscriptions: each resolver checks access once, subscribes to this instance's broker with the
// caller's tenant, and forwards events carrying ids only. The objects are read by field resolvers
// when gqlgen sends each event, through the same tenant-scoped path as the queries, so a payload is
// always the current object (never a diff) and errors go through the one error presenter. Which
// transport carries the events is not theirs to know: live.Follow finds it in the context.

func liveKind(k events.Kind) model.LiveEventKind {
	switch k {
	case events.ReservationCreated:
		return model.LiveEventKindCreated
	case events.PaymentUpdated:
		return model.LiveEventKindPayment
	case events.Resync:
		return model.LiveEventKindResync
	}
	return model.LiveEventKindUpdated
}

// mayRead returns the caller if it may read the reservation (staff of its tenant or the holder of
// its customer token): the same check, and the same NOT_FOUND, as the reservation query.
func (r *Resolver) mayRead(ctx context.Context, reservationID uuid.UUID) (*auth.Principal, error) {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.Booking.Reservation(ctx, p, reservationID); err != nil {
		return nil, err
	}
	return p, nil
}

// reservationsFilter selects the caller's tenant's reservation changes; the staff member and
// service, when given, must exist in that tenant.
func (r *Resolver) reservationsFilter(ctx context.Context, p *auth.Principal, in *model.ReservationsChangedFilter) (events.Filter, error) {
	f := events.Filter{TenantID: p.TenantID, Kinds: []events.Kind{events.ReservationCreated, events.ReservationUpdated}}
	if in == nil {
		return f, nil
	}
	if in.StaffMemberID != nil {
		if _, err := r.Booking.StaffMemberByID(ctx, p.TenantID, *in.StaffMemberID); err != nil {
			return f, inField(err, "filter.staffMemberId")
		}
		f.StaffMemberID = *in.StaffMemberID
	}
	if in.ServiceID != nil {
		if _, err := r.Booking.ServiceByID(ctx, p.TenantID, *in.ServiceID); err != nil {
			return f, inField(err, "filter.serviceId")
		}
		f.ServiceID = *in.ServiceID
	}
	return f, nil
}

func inField(err error, field string) error {
	if ae, ok := apperr.As(err); ok && ae.Code == apperr.NotFound {
		return ae.WithField(field)
	}
	return err
}

// newestPayment is what a RESYNC of paymentUpdated sends: the reservation's latest attempt.
func (r *Resolver) newestPayment(ctx context.Context, reservationID uuid.UUID) (*models.Payment, error) {
	p, err := r.mayRead(ctx, reservationID)
	if err != nil {
		return nil, err
	}
	byReservation, err := r.Payments.PaymentsOf(ctx, p.TenantID, []uuid.UUID{reservationID})
	if err != nil {
		return nil, err
	}
	if list := byReservation[reservationID]; len(list) > 0 {
		return &list[0], nil
	}
	return nil, nil
}

// availabilityWatch is one availabilityChanged subscription.
type availabilityWatch struct {
	filter  events.Filter
	service uuid.UUID
	// A booking of any service with one of these staff members takes their time from this service.
	// A slice: a business has a handful, and a widget keeps its watch for hours.
	staff []uuid.UUID
}

// availabilityWatch checks the public subscription's arguments as the availability query does and
// selects the tenant's changes that can move the service's slots in the date range: reservations,
// and the working time of its staff members or the service itself.
func (r *Resolver) availabilityWatch(ctx context.Context, tenantSlug string, serviceID uuid.UUID, from, to models.Date) (*availabilityWatch, error) {
	for field, d := range map[string]models.Date{"from": from, "to": to} {
		if d.Year < 2000 || d.Year > 2100 {
			return nil, apperr.Invalid(field, "date must be between 2000 and 2100")
		}
	}
	if to.Before(from) {
		return nil, apperr.Invalid("to", "to must not be before from")
	}
	if from.AddDays(booking.MaxAvailabilityDays - 1).Before(to) {
		return nil, apperr.Invalid("to", "at most 62 days at a time")
	}
	services, err := r.Booking.PublicServices(ctx, tenantSlug)
	if err != nil {
		return nil, inField(err, "tenantSlug")
	}
	w := &availabilityWatch{service: serviceID}
	for _, s := range services {
		if s.ID == serviceID {
			w.filter.TenantID = s.TenantID
		}
	}
	if w.filter.TenantID == uuid.Nil {
		return nil, booking.ErrServiceNotFound.WithField("serviceId")
	}
	staff, err := r.Booking.PublicStaff(ctx, tenantSlug, &serviceID)
	if err != nil {
		return nil, err
	}
	w.staff = make([]uuid.UUID, 0, len(staff))
	for _, m := range staff {
		w.staff = append(w.staff, m.ID)
	}
	// The dates are the business's; a day more on each side covers every zone and the services'
	// buffers without reading the zone. A widget refetching once too often costs less than a
	// stale slot.
	w.filter.From = from.AddDays(-1).In(time.UTC)
	w.filter.To = to.AddDays(2).In(time.UTC)
	w.filter.Kinds = []events.Kind{events.ReservationCreated, events.ReservationUpdated, events.AvailabilityChanged}
	return w, nil
}

func (w *availabilityWatch) event(e *events.Event) (*model.AvailabilityEvent, bool) {
	out := &model.AvailabilityEvent{Kind: liveKind(e.Kind), ServiceID: w.service}
	if e.Kind == events.Resync {
		return out, true
	}
	if e.ServiceID != w.service && !slices.Contains(w.staff, e.StaffMemberID) {
		return nil, false
	}
	if !e.From.IsZero() {
		out.StartsAt, out.EndsAt = ptr(e.From), ptr(e.To)
	}
	return out, true
}
