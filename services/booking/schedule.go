package booking

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// This file holds staff schedules: weekly hours, date exceptions and time off. OWNER and ADMIN edit
// any staff member's; a STAFF member only the one linked to their account.

// ClockInterval is a local working interval, "HH:MM" to "HH:MM" (end may be "24:00").
type ClockInterval struct {
	Start string
	End   string
}

// WeeklyInput is one interval of the weekly schedule.
type WeeklyInput struct {
	Weekday time.Weekday
	ClockInterval
}

// parseInterval validates one interval at field, reporting both ends' problems.
func parseInterval(iv ClockInterval, field string) (MinuteRange, error) {
	start, startErr := ParseClock(iv.Start, field+".start", false)
	end, endErr := ParseClock(iv.End, field+".end", true)
	if startErr != nil || endErr != nil {
		var problems apperr.Problems
		problems.Add(startErr)
		problems.Add(endErr)
		return MinuteRange{}, problems.Err()
	}
	if end <= start {
		return MinuteRange{}, apperr.Input(field+".end", apperr.Inconsistent, "end must be after start")
	}
	return MinuteRange{Start: start, End: end}, nil
}

// parseIntervals validates the intervals of one day at field.i and refuses overlaps, reporting
// every bad interval.
func parseIntervals(in []ClockInterval, field string) ([]MinuteRange, error) {
	var problems apperr.Problems
	out := make([]MinuteRange, 0, len(in))
	for i, iv := range in {
		f := fmt.Sprintf("%s.%d", field, i)
		r, err := parseInterval(iv, f)
		if err != nil {
			problems.Add(err)
			continue
		}
		if slices.ContainsFunc(out, func(o MinuteRange) bool { return o.Start < r.End && r.Start < o.End }) {
			problems.Add(ErrScheduleOverlap.WithField(f))
		}
		out = append(out, r)
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// weeklyRows validates a week's intervals into rows, reporting every bad interval.
func weeklyRows(tenantID, staffID uuid.UUID, in []WeeklyInput) ([]models.WeeklyInterval, error) {
	if len(in) > 7*24 {
		return nil, apperr.Input("intervals", apperr.TooLong, "too many intervals").With("max", 7*24)
	}
	var problems apperr.Problems
	rows := make([]models.WeeklyInterval, 0, len(in))
	for i, w := range in {
		if w.Weekday < time.Sunday || w.Weekday > time.Saturday {
			problems.Add(apperr.Input(fmt.Sprintf("intervals.%d.weekday", i), apperr.NotAllowed, "unknown weekday"))
			continue
		}
		r, err := parseInterval(w.ClockInterval, fmt.Sprintf("intervals.%d", i))
		if err != nil {
			problems.Add(err)
			continue
		}
		if slices.ContainsFunc(rows, func(o models.WeeklyInterval) bool {
			return o.Weekday == int(w.Weekday) && o.StartMinute < r.End && r.Start < o.EndMinute
		}) {
			problems.Add(ErrScheduleOverlap.WithField(fmt.Sprintf("intervals.%d", i)))
		}
		rows = append(rows, models.WeeklyInterval{TenantID: tenantID, ID: uuid.New(), StaffMemberID: staffID,
			Weekday: int(w.Weekday), StartMinute: r.Start, EndMinute: r.End})
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// SetWeeklySchedule replaces a staff member's weekly working hours.
func (s *Service) SetWeeklySchedule(ctx context.Context, p *auth.Principal, staffID uuid.UUID, in []WeeklyInput) ([]models.WeeklyInterval, error) {
	rows, err := weeklyRows(p.TenantID, staffID, in)
	if err != nil {
		return nil, err
	}
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if _, err := loadStaffForEdit(db, p, staffID, "staffMemberId"); err != nil {
			return err
		}
		if err := db.Where("staff_member_id = ?", staffID).Delete(&models.WeeklyInterval{}).Error; err != nil {
			return err
		}
		if err := hoursChanged(tx, staffID, time.Time{}, time.Time{}); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return db.Create(&rows).Error
	})
	if err != nil {
		return nil, wrap("set weekly schedule", err)
	}
	sortWeekly(rows)
	return rows, nil
}

func sortWeekly(rows []models.WeeklyInterval) {
	// Monday first, as people read a week.
	key := func(w models.WeeklyInterval) int { return ((w.Weekday+6)%7)*2000 + w.StartMinute }
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && key(rows[j]) < key(rows[j-1]); j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// SetScheduleException replaces a local date's hours for a staff member; no intervals is a day off.
func (s *Service) SetScheduleException(ctx context.Context, p *auth.Principal, staffID uuid.UUID, date models.Date, in []ClockInterval) ([]models.ScheduleException, error) {
	if err := validDate(date, "date"); err != nil {
		return nil, err
	}
	if len(in) > 24 {
		return nil, apperr.Input("intervals", apperr.TooLong, "too many intervals").With("max", 24)
	}
	ranges, err := parseIntervals(in, "intervals")
	if err != nil {
		return nil, err
	}
	var rows []models.ScheduleException
	if len(ranges) == 0 {
		rows = append(rows, models.ScheduleException{TenantID: p.TenantID, ID: uuid.New(), StaffMemberID: staffID, Date: date})
	}
	for _, r := range ranges {
		rows = append(rows, models.ScheduleException{TenantID: p.TenantID, ID: uuid.New(), StaffMemberID: staffID, Date: date,
			StartMinute: &r.Start, EndMinute: &r.End})
	}
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if _, err := loadStaffForEdit(db, p, staffID, "staffMemberId"); err != nil {
			return err
		}
		if err := db.Where("staff_member_id = ? AND date = ?", staffID, date).Delete(&models.ScheduleException{}).Error; err != nil {
			return err
		}
		if err := hoursChanged(tx, staffID, date.In(time.UTC), date.AddDays(1).In(time.UTC)); err != nil {
			return err
		}
		return db.Create(&rows).Error
	})
	if err != nil {
		return nil, wrap("set schedule exception", err)
	}
	return rows, nil
}

// RemoveScheduleException returns a date to the weekly hours.
func (s *Service) RemoveScheduleException(ctx context.Context, p *auth.Principal, staffID uuid.UUID, date models.Date) error {
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if _, err := loadStaffForEdit(db, p, staffID, "staffMemberId"); err != nil {
			return err
		}
		if err := db.Where("staff_member_id = ? AND date = ?", staffID, date).Delete(&models.ScheduleException{}).Error; err != nil {
			return err
		}
		return hoursChanged(tx, staffID, date.In(time.UTC), date.AddDays(1).In(time.UTC))
	})
	return wrap("remove schedule exception", err)
}

// AddTimeOff records a range a staff member does not work.
func (s *Service) AddTimeOff(ctx context.Context, p *auth.Principal, staffID uuid.UUID, startsAt, endsAt time.Time, reason string) (*models.TimeOff, error) {
	var problems apperr.Problems
	if !startsAt.Before(endsAt) {
		problems.Add(apperr.Input("endsAt", apperr.Inconsistent, "end must be after start"))
	} else if endsAt.Sub(startsAt) > 366*24*time.Hour {
		problems.Add(apperr.Input("endsAt", apperr.OutOfRange, "time off may last at most a year"))
	}
	reason, err := text(reason, "reason", 500)
	problems.Add(err)
	if err := problems.Err(); err != nil {
		return nil, err
	}
	t := models.TimeOff{TenantID: p.TenantID, ID: uuid.New(), StaffMemberID: staffID, StartsAt: startsAt.UTC(), EndsAt: endsAt.UTC(),
		Reason: reason, CreatedAt: s.Now()}
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if _, err := loadStaffForEdit(db, p, staffID, "staffMemberId"); err != nil {
			return err
		}
		if err := hoursChanged(tx, staffID, t.StartsAt, t.EndsAt); err != nil {
			return err
		}
		return db.Create(&t).Error
	})
	if err != nil {
		return nil, wrap("add time off", err)
	}
	return &t, nil
}

// RemoveTimeOff deletes a time-off range.
func (s *Service) RemoveTimeOff(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		var t models.TimeOff
		if err := db.First(&t, "id = ?", id).Error; err != nil {
			return notFound(err, ErrTimeOffNotFound, "id")
		}
		if _, err := loadStaffForEdit(db, p, t.StaffMemberID, "id"); err != nil {
			return err
		}
		if err := hoursChanged(tx, t.StaffMemberID, t.StartsAt, t.EndsAt); err != nil {
			return err
		}
		return db.Delete(&t).Error
	})
	return wrap("remove time off", err)
}

// WeeklyByStaff returns the weekly hours of several staff members in one query.
func (s *Service) WeeklyByStaff(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]models.WeeklyInterval, error) {
	var rows []models.WeeklyInterval
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Where("staff_member_id IN ?", ids).Find(&rows).Error
	})
	sortWeekly(rows)
	out := map[uuid.UUID][]models.WeeklyInterval{}
	for _, r := range rows {
		out[r.StaffMemberID] = append(out[r.StaffMemberID], r)
	}
	return out, wrap("weekly schedules", err)
}

// ScheduleExceptions lists a staff member's exceptions between two local dates (inclusive).
func (s *Service) ScheduleExceptions(ctx context.Context, tenantID, staffID uuid.UUID, from, to models.Date) ([]models.ScheduleException, error) {
	var rows []models.ScheduleException
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Where("staff_member_id = ? AND date BETWEEN ? AND ?", staffID, from, to).
			Order("date, start_minute NULLS FIRST").Limit(2000).Find(&rows).Error
	})
	return rows, wrap("schedule exceptions", err)
}

// TimeOffOf lists a staff member's time off ending after from.
func (s *Service) TimeOffOf(ctx context.Context, tenantID, staffID uuid.UUID, from time.Time) ([]models.TimeOff, error) {
	var rows []models.TimeOff
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Where("staff_member_id = ? AND ends_at > ?", staffID, from).Order("starts_at").Limit(1000).Find(&rows).Error
	})
	return rows, wrap("time off", err)
}

// ServiceIDsByStaff returns which services each staff member performs, in one query.
func (s *Service) ServiceIDsByStaff(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]uuid.UUID, error) {
	var rows []models.StaffService
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Where("staff_member_id IN ?", ids).Order("service_id").Find(&rows).Error
	})
	out := map[uuid.UUID][]uuid.UUID{}
	for _, r := range rows {
		out[r.StaffMemberID] = append(out[r.StaffMemberID], r.ServiceID)
	}
	return out, wrap("staff services", err)
}

// hoursChanged tells availability watchers, when tx commits, that a staff member's working time
// changed, within [from, to) when known (zero: any date, as for the weekly hours).
func hoursChanged(tx *database.Tx, staffID uuid.UUID, from, to time.Time) error {
	return events.Publish(tx, events.Event{Kind: events.AvailabilityChanged, TenantID: tx.TenantID(), StaffMemberID: staffID, From: from, To: to})
}
