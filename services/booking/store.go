package booking

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/events"
)

// This file holds the SQL the reservation paths share. Every function takes the transaction it runs
// in; the caller has scoped it to a tenant, so row-level security applies to everything here.

// bookableStaff returns the active staff members performing a service (one of them when staffID is set).
func bookableStaff(tx *gorm.DB, serviceID uuid.UUID, staffID *uuid.UUID) ([]models.StaffMember, error) {
	var out []models.StaffMember
	q := tx.Where("active AND archived_at IS NULL").
		Where("id IN (SELECT staff_member_id FROM staff_services WHERE service_id = ?)", serviceID).
		Order("name, id").Limit(500)
	if staffID != nil {
		q = q.Where("id = ?", *staffID)
	}
	return out, q.Find(&out).Error
}

// checkStaffFor explains why a named staff member cannot take a booking of serviceID, or returns it.
func checkStaffFor(tx *gorm.DB, staffID, serviceID uuid.UUID, field string) (*models.StaffMember, error) {
	var m models.StaffMember
	if err := tx.First(&m, "id = ?", staffID).Error; err != nil {
		return nil, notFound(err, ErrStaffNotFound, field)
	}
	if !m.Active || m.ArchivedAt != nil {
		return nil, ErrStaffNotBookable.WithField(field)
	}
	var performs int64
	if err := tx.Model(&models.StaffService{}).Where("staff_member_id = ? AND service_id = ?", staffID, serviceID).Count(&performs).Error; err != nil {
		return nil, err
	}
	if performs == 0 {
		return nil, ErrStaffNotPerforming.WithField(field)
	}
	return &m, nil
}

// loadService returns a bookable service or explains why not.
func loadService(tx *gorm.DB, id uuid.UUID, field string) (*models.Service, error) {
	var svc models.Service
	if err := tx.First(&svc, "id = ?", id).Error; err != nil {
		return nil, notFound(err, ErrServiceNotFound, field)
	}
	if !svc.Bookable() {
		return nil, ErrServiceNotBookable.WithField(field)
	}
	return &svc, nil
}

type busyRow struct {
	StaffMemberID uuid.UUID
	ServiceID     uuid.UUID
	StartsAt      time.Time
	EndsAt        time.Time
	BlockedFrom   time.Time
	BlockedTo     time.Time
	Seats         int
}

// loadSchedules reads what availability needs for staff over window (instants), dates taken in loc.
// Holds whose hold_expires_at has passed do not count as busy, whether or not the worker has expired
// them yet.
func loadSchedules(tx *gorm.DB, staff []models.StaffMember, window TimeRange, loc *time.Location, now time.Time) ([]StaffSchedule, error) {
	if len(staff) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(staff))
	index := make(map[uuid.UUID]int, len(staff))
	out := make([]StaffSchedule, len(staff))
	for i, m := range staff {
		ids[i] = m.ID
		index[m.ID] = i
		out[i] = StaffSchedule{StaffMemberID: m.ID, Exceptions: map[models.Date][]MinuteRange{}}
	}
	var weekly []models.WeeklyInterval
	if err := tx.Where("staff_member_id IN ?", ids).Find(&weekly).Error; err != nil {
		return nil, err
	}
	for _, w := range weekly {
		s := &out[index[w.StaffMemberID]]
		s.Weekly[w.Weekday] = append(s.Weekly[w.Weekday], MinuteRange{Start: w.StartMinute, End: w.EndMinute})
	}
	var exceptions []models.ScheduleException
	fromDate := models.DateOf(window.From.In(loc)).AddDays(-1)
	toDate := models.DateOf(window.To.In(loc)).AddDays(1)
	if err := tx.Where("staff_member_id IN ? AND date BETWEEN ? AND ?", ids, fromDate, toDate).Find(&exceptions).Error; err != nil {
		return nil, err
	}
	for _, e := range exceptions {
		s := &out[index[e.StaffMemberID]]
		ranges := s.Exceptions[e.Date]
		if e.StartMinute != nil && e.EndMinute != nil {
			ranges = append(ranges, MinuteRange{Start: *e.StartMinute, End: *e.EndMinute})
		}
		if ranges == nil {
			ranges = []MinuteRange{} // a day off is present but empty
		}
		s.Exceptions[e.Date] = ranges
	}
	var off []models.TimeOff
	if err := tx.Where("staff_member_id IN ? AND starts_at < ? AND ends_at > ?", ids, window.To, window.From).Find(&off).Error; err != nil {
		return nil, err
	}
	for _, t := range off {
		s := &out[index[t.StaffMemberID]]
		s.TimeOff = append(s.TimeOff, TimeRange{From: t.StartsAt, To: t.EndsAt})
	}
	var busy []busyRow
	err := tx.Raw(`SELECT o.staff_member_id, o.service_id, o.starts_at, o.ends_at, o.blocked_from, o.blocked_to, count(*) AS seats
		FROM occupations o
		JOIN reservations r ON r.tenant_id = o.tenant_id AND r.occupation_id = o.id
		WHERE o.staff_member_id IN ? AND o.seats_taken > 0 AND o.blocked_from < ? AND o.blocked_to > ?
		  AND (r.status = 'CONFIRMED' OR (r.status = 'PENDING_PAYMENT' AND r.hold_expires_at > ?))
		GROUP BY o.id, o.staff_member_id, o.service_id, o.starts_at, o.ends_at, o.blocked_from, o.blocked_to`,
		ids, window.To, window.From, now).Scan(&busy).Error
	if err != nil {
		return nil, err
	}
	for _, b := range busy {
		s := &out[index[b.StaffMemberID]]
		s.Busy = append(s.Busy, Busy{ServiceID: b.ServiceID, StartsAt: b.StartsAt, EndsAt: b.EndsAt,
			BlockedFrom: b.BlockedFrom, BlockedTo: b.BlockedTo, Seats: b.Seats})
	}
	for i := range out {
		out[i].Prepare()
	}
	return out, nil
}

// claimOccupation finds or creates the occupation of (staff, service, start, end) and returns its id.
// It takes no seat: inserting the reservation does (the trigger), and that is where the database
// refuses an overlap or a full class. ON CONFLICT makes concurrent bookers of one class meet on one
// row; capacity and the blocked range follow the service as it is now while the row holds no seat.
func claimOccupation(tx *gorm.DB, tenantID, staffID uuid.UUID, svc *models.Service, start time.Time, now time.Time) (uuid.UUID, error) {
	end := start.Add(svc.Duration())
	blockedFrom := start.Add(-time.Duration(svc.BufferBeforeMinutes) * time.Minute)
	blockedTo := end.Add(time.Duration(svc.BufferAfterMinutes) * time.Minute)
	var row struct{ ID uuid.UUID }
	err := tx.Raw(`INSERT INTO occupations AS o (tenant_id, id, staff_member_id, service_id, starts_at, ends_at,
			blocked_from, blocked_to, capacity, seats_taken, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
		ON CONFLICT (tenant_id, staff_member_id, service_id, starts_at, ends_at) DO UPDATE SET
			capacity = EXCLUDED.capacity,
			blocked_from = CASE WHEN o.seats_taken = 0 THEN EXCLUDED.blocked_from ELSE o.blocked_from END,
			blocked_to = CASE WHEN o.seats_taken = 0 THEN EXCLUDED.blocked_to ELSE o.blocked_to END,
			updated_at = EXCLUDED.updated_at
		RETURNING o.id`,
		tenantID, uuid.New(), staffID, svc.ID, start, end, blockedFrom, blockedTo, svc.Capacity, now, now).Scan(&row).Error
	return row.ID, err
}

// lockReservation reads a reservation FOR UPDATE.
func lockReservation(tx *gorm.DB, id uuid.UUID) (*models.Reservation, error) {
	var r models.Reservation
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrReservationNotFound.Wrap(err)
	}
	return &r, err
}

// expireIfOverdue expires a locked hold whose time has passed (the worker may be late) and reloads it.
func expireIfOverdue(tx *gorm.DB, r *models.Reservation, now time.Time) error {
	if r.Status != models.StatusPendingPayment || r.HoldExpiresAt == nil || r.HoldExpiresAt.After(now) {
		return nil
	}
	if err := tx.Exec(`SELECT booking_expire_hold(?, ?, ?)`, r.TenantID, r.ID, now).Error; err != nil {
		return err
	}
	return tx.First(r, "id = ?", r.ID).Error
}

// recordTransition writes the history row of a change and publishes the live update.
func recordTransition(tx *gorm.DB, r *models.Reservation, from *models.ReservationStatus, fromPayment *models.PaymentStatus,
	actor, reason string, kind events.Kind, now time.Time) error {
	h, ev := transition(r, from, fromPayment, actor, reason, kind, now)
	if err := tx.Create(&h).Error; err != nil {
		return err
	}
	return events.Publish(tx, ev)
}

// transition is the history row and the live event of a change (recordTransition writes them).
func transition(r *models.Reservation, from *models.ReservationStatus, fromPayment *models.PaymentStatus,
	actor, reason string, kind events.Kind, now time.Time) (models.ReservationHistory, events.Event) {
	h := models.ReservationHistory{TenantID: r.TenantID, ID: uuid.New(), ReservationID: r.ID,
		FromStatus: from, ToStatus: r.Status, FromPaymentStatus: fromPayment, ToPaymentStatus: r.PaymentStatus,
		Actor: actor, Reason: reason, CreatedAt: now}
	return h, events.Event{Kind: kind, TenantID: r.TenantID, ReservationID: r.ID,
		ServiceID: r.ServiceID, StaffMemberID: r.StaffMemberID, From: r.StartsAt, To: r.EndsAt}
}
