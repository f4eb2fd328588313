package booking

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/tenancy"
)

// MaxAvailabilityDays is the longest range one availability query may cover.
const MaxAvailabilityDays = 62

// AvailabilityQuery asks for the bookable slots of a service between two local dates (inclusive) of
// TimeZone (the business's zone when empty), optionally for one staff member.
type AvailabilityQuery struct {
	TenantSlug    string
	ServiceID     uuid.UUID
	From, To      models.Date
	StaffMemberID *uuid.UUID
	TimeZone      string
}

// Availability is the answer: slots in time order, each with the staff free for it.
type Availability struct {
	Location *time.Location
	Slots    []Slot
}

// Availability computes bookable slots (no login).
func (s *Service) Availability(ctx context.Context, q AvailabilityQuery) (*Availability, error) {
	tenantID, err := s.tenantIDBySlug(ctx, strings.TrimSpace(q.TenantSlug))
	if err != nil {
		return nil, asField(err, "tenantSlug")
	}
	var requested *time.Location
	if q.TimeZone != "" {
		if requested, err = tenancy.ValidateTimeZone(q.TimeZone, "timeZone"); err != nil {
			return nil, err
		}
	}
	if err := validDate(q.From, "from"); err != nil {
		return nil, err
	}
	if err := validDate(q.To, "to"); err != nil {
		return nil, err
	}
	if q.To.Before(q.From) {
		return nil, apperr.Input("to", apperr.Inconsistent, "to must not be before from")
	}
	if q.From.AddDays(MaxAvailabilityDays - 1).Before(q.To) {
		return nil, apperr.Input("to", apperr.OutOfRange, "at most 62 days at a time")
	}
	now := s.Now()
	var reads bookingReads
	// Read around the requested dates in UTC; scheduleMargin covers any zone.
	from, to := q.From.In(time.UTC), q.To.AddDays(1).In(time.UTC)
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		reads = bookingReads{}
		queueBookingReads(tx, q.ServiceID, q.StaffMemberID, from, to, now, &reads)
		return nil
	})
	out := &Availability{}
	if err == nil {
		err = s.slots(&reads, q, tenantID, requested, now, out)
	}
	if err != nil {
		return nil, wrap("availability", err)
	}
	return out, nil
}

// slots computes the availability from what was read.
func (s *Service) slots(reads *bookingReads, q AvailabilityQuery, tenantID uuid.UUID, requested *time.Location, now time.Time, out *Availability) error {
	bk, err := reads.settingsAndService("serviceId")
	if err != nil {
		return err
	}
	if requested == nil {
		requested = bk.loc
	}
	out.Location = requested
	if err := reads.staffAndSchedules(bk, q.StaffMemberID != nil, "staffMemberId"); err != nil {
		return err
	}
	window := TimeRange{From: q.From.In(requested), To: q.To.AddDays(1).In(requested)}
	settings := bk.settings
	rules := Rules{Location: bk.loc, Step: time.Duration(settings.SlotStepMinutes) * time.Minute, Now: now,
		MinNotice: time.Duration(settings.MinNoticeMinutes) * time.Minute,
		Horizon:   time.Duration(settings.BookingHorizonDays) * 24 * time.Hour}
	out.Slots = ComputeSlots(rules, specOf(bk.service), bk.schedules, window.From, window.To)
	rows := make(map[uuid.UUID]*models.StaffMember, len(bk.staff))
	for i := range bk.staff {
		rows[bk.staff[i].ID] = &bk.staff[i]
	}
	for i := range out.Slots {
		for j := range out.Slots[i].Staff {
			free := &out.Slots[i].Staff[j]
			free.TenantID, free.StaffMember = tenantID, rows[free.StaffMemberID]
		}
	}
	return nil
}
