package graph

import (
	"context"
	"errors"
	"github.com/slotpay/slotpay/services/calendar"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/payments"
)

// Conversions between the booking schema and the booking service, kept out of the generated
// resolver file.

func (r *Resolver) staffTransition(ctx context.Context, id uuid.UUID, to models.ReservationStatus, reason string) (*models.Reservation, error) {
	p, err := auth.Staff(ctx)
	if err != nil {
		return nil, err
	}
	return r.withRelations(ctx)(r.Booking.ChangeStatus(ctx, p, id, booking.Transition{To: to, Reason: reason}))
}

func serviceInput(in model.ServiceInput) booking.ServiceInput {
	out := booking.ServiceInput{Name: in.Name, Description: in.Description, Category: in.Category,
		DurationMinutes: in.DurationMinutes, Currency: in.Currency, BufferBeforeMinutes: in.BufferBeforeMinutes,
		BufferAfterMinutes: in.BufferAfterMinutes, Capacity: in.Capacity, PaymentPolicy: in.PaymentPolicy,
		HoldMinutes: in.HoldMinutes, RequiresConfirmation: in.RequiresConfirmation,
		FollowBusinessConfirmation: deref(in.FollowBusinessConfirmation), Active: in.Active, DepositKind: in.DepositKind,
		CancellationRules: rulesInput(in.CancellationRules)}
	if in.PriceAmount != nil {
		out.PriceAmount = ptr(int64(*in.PriceAmount))
	}
	if in.DepositValue != nil {
		out.DepositValue = ptr(int64(*in.DepositValue))
	}
	return out
}

// rulesInput converts cancellation-rule changes; nil stays nil (nothing to change).
func rulesInput(in *model.CancellationRulesInput) *booking.RulesInput {
	if in == nil {
		return nil
	}
	out := &booking.RulesInput{FreeCancellationHours: in.FreeCancellationHours, LateCancellationFee: in.LateCancellationFee,
		LateCancellationFeePercent: in.LateCancellationFeePercent, CustomerMayCancel: in.CustomerMayCancel,
		CustomerCancelUntilHours: in.CustomerCancelUntilHours, CustomerMayReschedule: in.CustomerMayReschedule,
		CustomerRescheduleUntilHours: in.CustomerRescheduleUntilHours, Reset: deref(in.Reset)}
	if in.LateCancellationFeeAmount != nil {
		out.LateCancellationFeeAmount = ptr(int64(*in.LateCancellationFeeAmount))
	}
	return out
}

// serviceRules is a service's effective cancellation rules: its business's with its overrides.
func (r *Resolver) serviceRules(ctx context.Context, svc *models.Service) (*models.RulesView, error) {
	t, err := r.loaders(ctx).Business.Load(ctx, svc.TenantID)
	if err != nil {
		return nil, err
	}
	return &models.RulesView{CancellationRules: booking.EffectiveRules(t.CancellationRules, svc.CancellationOverrides), Currency: svc.Currency}, nil
}

func staffInput(in model.StaffMemberInput) booking.StaffInput {
	out := booking.StaffInput{Name: in.Name, UserID: in.UserID, UnlinkUser: deref(in.UnlinkUser), Active: in.Active}
	if in.ServiceIds != nil {
		out.ServiceIDs = &in.ServiceIds
	}
	return out
}

var weekdays = map[model.Weekday]time.Weekday{
	model.WeekdayMonday: time.Monday, model.WeekdayTuesday: time.Tuesday, model.WeekdayWednesday: time.Wednesday,
	model.WeekdayThursday: time.Thursday, model.WeekdayFriday: time.Friday, model.WeekdaySaturday: time.Saturday,
	model.WeekdaySunday: time.Sunday,
}

func goWeekday(w model.Weekday) time.Weekday {
	if d, ok := weekdays[w]; ok {
		return d
	}
	return -1
}

func graphWeekday(d time.Weekday) model.Weekday {
	for w, gd := range weekdays {
		if gd == d {
			return w
		}
	}
	return ""
}

// availabilityModel groups slots by date in the requested zone, listing every date asked for (days
// without slots too), so a calendar can be drawn straight from it.
func availabilityModel(a *booking.Availability, from, to models.Date) *model.Availability {
	out := &model.Availability{TimeZone: a.Location.String()}
	index := map[models.Date]*model.AvailabilityDay{}
	for d := from; !to.Before(d); d = d.AddDays(1) {
		day := &model.AvailabilityDay{Date: d, Slots: []*model.AvailableSlot{}}
		index[d] = day
		out.Days = append(out.Days, day)
	}
	for _, s := range a.Slots {
		local := s.StartsAt.In(a.Location)
		day, ok := index[models.DateOf(local)]
		if !ok {
			continue
		}
		day.Slots = append(day.Slots, &model.AvailableSlot{StartsAt: s.StartsAt, EndsAt: s.EndsAt,
			LocalStart: local.Format("15:04"), Staff: pointers(s.Staff)})
	}
	return out
}

// termsFields are the Reservation fields the cancellation policy computes (reservationTerms); they
// need the reservation's service and payments, which attachRelations then reads with the others.
var termsFields = []string{"canCancel", "cancellationDeadline", "canReschedule", "rescheduleDeadline",
	"freeCancellationUntil", "refundIfCancelledNow", "feeIfCancelledNow"}

// reservationTerms is what the cancellation policy says of obj now (the server's clock): under its
// business's rules (the response's Business loader: one read per response), its service's overrides
// and its payments (attached with it), net of their refunds (the response's Refunds loader, asked for
// the settled payments only). A page costs a bounded number of reads, never one per row.
func (r *Resolver) reservationTerms(ctx context.Context, obj *models.Reservation) (booking.CustomerTerms, error) {
	if obj.Service == nil || obj.Payments == nil {
		return booking.CustomerTerms{}, errors.New("reservation terms: the service and payments were not attached")
	}
	business, err := r.loaders(ctx).Business.Load(ctx, obj.TenantID)
	if err != nil {
		return booking.CustomerTerms{}, err
	}
	var settled []tenantKey
	for _, pay := range obj.Payments {
		if pay.Status.Settled() {
			settled = append(settled, tenantKey{TenantID: pay.TenantID, ID: pay.ID})
		}
	}
	refunds := make(map[uuid.UUID][]models.Refund, len(settled))
	if len(settled) > 0 {
		lists, err := r.paymentLoaders(ctx).Refunds.LoadAll(ctx, settled)
		if err != nil {
			return booking.CustomerTerms{}, err
		}
		for i, k := range settled {
			refunds[k.ID] = lists[i]
		}
	}
	return booking.ReservationTerms(business.CancellationRules, obj.Service.CancellationOverrides, obj,
		payments.NetPaid(obj.Payments, refunds), r.Booking.Now()), nil
}

func calendarFeed(f calendar.Feed) *model.CalendarFeed {
	return &model.CalendarFeed{ID: f.ID, StaffMemberID: f.StaffMemberID, CreatedAt: f.CreatedAt}
}
