package booking

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
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
		return nil, apperr.Invalid("to", "to must not be before from")
	}
	if q.From.AddDays(MaxAvailabilityDays - 1).Before(q.To) {
		return nil, apperr.Invalid("to", "at most 62 days at a time")
	}
	out := &Availability{}
	err = s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		now := s.Now()
		var settings models.BookingSettings
		if err := tx.First(&settings, "id = ?", tenantID).Error; err != nil {
			return err
		}
		loc, err := loadLocation(settings.TimeZone)
		if err != nil {
			return err
		}
		if requested == nil {
			requested = loc
		}
		out.Location = requested
		svc, err := loadService(tx, q.ServiceID, "serviceId")
		if err != nil {
			return err
		}
		var staff []models.StaffMember
		if q.StaffMemberID != nil {
			m, err := checkStaffFor(tx, *q.StaffMemberID, svc.ID, "staffMemberId")
			if err != nil {
				return err
			}
			staff = []models.StaffMember{*m}
		} else if staff, err = bookableStaff(tx, svc.ID, nil); err != nil {
			return err
		}
		window := TimeRange{From: q.From.In(requested), To: q.To.AddDays(1).In(requested)}
		spec := specOf(svc)
		schedules, err := loadSchedules(tx, staff,
			TimeRange{From: window.From.Add(-spec.BufferBefore - 24*time.Hour), To: window.To.Add(spec.Duration + spec.BufferAfter + 24*time.Hour)},
			loc, now)
		if err != nil {
			return err
		}
		rules := Rules{Location: loc, Step: time.Duration(settings.SlotStepMinutes) * time.Minute, Now: now,
			MinNotice: time.Duration(settings.MinNoticeMinutes) * time.Minute,
			Horizon:   time.Duration(settings.BookingHorizonDays) * 24 * time.Hour}
		out.Slots = ComputeSlots(rules, spec, schedules, window.From, window.To)
		rows := make(map[uuid.UUID]*models.StaffMember, len(staff))
		for i := range staff {
			rows[staff[i].ID] = &staff[i]
		}
		for i := range out.Slots {
			for j := range out.Slots[i].Staff {
				free := &out.Slots[i].Staff[j]
				free.TenantID, free.StaffMember = tenantID, rows[free.StaffMemberID]
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("availability", err)
	}
	return out, nil
}

// pageCursor is the keyset position after which a page starts.
type pageCursor struct {
	StartsAt time.Time
	ID       uuid.UUID
}

// EncodeCursor makes the opaque cursor of a reservation.
func EncodeCursor(r *models.Reservation) string {
	return base64.RawURLEncoding.EncodeToString([]byte("r1|" + r.StartsAt.UTC().Format(time.RFC3339Nano) + "|" + r.ID.String()))
}

func decodeCursor(s string) (pageCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pageCursor{}, err
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] != "r1" {
		return pageCursor{}, errors.New("bad cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil {
		return pageCursor{}, err
	}
	id, err := uuid.Parse(parts[2])
	if err != nil {
		return pageCursor{}, err
	}
	return pageCursor{StartsAt: t, ID: id}, nil
}
