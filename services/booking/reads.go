package booking

import (
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
)

// A booking and an availability query read the same things: the business's settings, the service,
// the staff who may take it (one named, or all who perform it) and their schedules around the
// requested time. queueBookingReads queues all of it into one round trip of a tenant transaction
// (the only one of an availability query, the first of a booking), and settingsAndService and
// staffAndSchedules turn the rows into what the computation needs or the error that says why not.
// Every query names the tenant ($1, passed by database.Tx); row-level security applies on top.

// scheduleMargin widens the range whose schedules are read, on both sides, by three days: more
// than the longest service (24 h) with the longest buffers (4 h each), plus a local date's offset
// from UTC (up to 14 h) and the day around it. Everything that can touch a slot in the range is
// read before the service and the zone are known; the computation ignores the rest, as it ignores
// what lies outside a slot.
const scheduleMargin = 72 * time.Hour

// bookingReads are the rows queueBookingReads reads.
type bookingReads struct {
	settings   []models.BookingSettings
	services   []models.Service
	staff      []models.StaffMember
	performs   int64 // a named staff member performs the service (count of links)
	weekly     []models.WeeklyInterval
	exceptions []models.ScheduleException
	off        []models.TimeOff
	busy       []busyRow
}

// busyRow is a Busy of one staff member (pgx scans the embedded struct's columns too).
type busyRow struct {
	StaffMemberID uuid.UUID
	Busy
}

// queueBookingReads queues the reads for a booking or availability of serviceID between from and
// to (instants), by staffID or by anyone performing the service. Holds whose hold_expires_at has
// passed by now do not count as busy, whether or not the worker has expired them yet; requests
// (REQUESTED) count until they are declined, since only declining frees their seat.
func queueBookingReads(tx *database.Tx, serviceID uuid.UUID, staffID *uuid.UUID, from, to, now time.Time, out *bookingReads) {
	tx.Queue(`SELECT ` + database.Columns[models.BookingSettings]() + ` FROM tenants WHERE id = $1`).
		Query(database.CollectInto(&out.settings))
	tx.Queue(`SELECT `+database.Columns[models.Service]()+` FROM services WHERE tenant_id = $1 AND id = $2`, serviceID).
		Query(database.CollectInto(&out.services))
	// whose: the staff whose schedules are read ($1 tenant, $2 staff member or service).
	var whose string
	var who uuid.UUID
	if staffID != nil {
		tx.Queue(`SELECT `+database.Columns[models.StaffMember]()+` FROM staff_members WHERE tenant_id = $1 AND id = $2`, *staffID).
			Query(database.CollectInto(&out.staff))
		tx.Queue(`SELECT count(*) FROM staff_services WHERE tenant_id = $1 AND staff_member_id = $2 AND service_id = $3`, *staffID, serviceID).
			QueryRow(func(row pgx.Row) error { return row.Scan(&out.performs) })
		whose, who = `staff_member_id = $2`, *staffID
	} else {
		tx.Queue(`SELECT `+database.Columns[models.StaffMember]()+` FROM staff_members
			WHERE tenant_id = $1 AND active AND archived_at IS NULL
			  AND id IN (SELECT staff_member_id FROM staff_services WHERE tenant_id = $1 AND service_id = $2)
			ORDER BY name, id LIMIT 500`, serviceID).
			Query(database.CollectInto(&out.staff))
		whose, who = `staff_member_id IN (SELECT staff_member_id FROM staff_services WHERE tenant_id = $1 AND service_id = $2)`, serviceID
	}
	from, to = from.Add(-scheduleMargin), to.Add(scheduleMargin)
	tx.Queue(`SELECT `+database.Columns[models.WeeklyInterval]()+` FROM weekly_intervals WHERE tenant_id = $1 AND `+whose, who).
		Query(database.CollectInto(&out.weekly))
	tx.Queue(`SELECT `+database.Columns[models.ScheduleException]()+` FROM schedule_exceptions
		WHERE tenant_id = $1 AND `+whose+` AND date BETWEEN $3 AND $4`, who, models.DateOf(from.UTC()), models.DateOf(to.UTC())).
		Query(database.CollectInto(&out.exceptions))
	tx.Queue(`SELECT `+database.Columns[models.TimeOff]()+` FROM time_off
		WHERE tenant_id = $1 AND `+whose+` AND starts_at < $4 AND ends_at > $3`, who, from, to).
		Query(database.CollectInto(&out.off))
	tx.Queue(`SELECT o.staff_member_id, o.service_id, o.starts_at, o.ends_at, o.blocked_from, o.blocked_to, count(*) AS seats
		FROM occupations o
		JOIN reservations r ON r.tenant_id = o.tenant_id AND r.occupation_id = o.id
		WHERE o.tenant_id = $1 AND o.`+whose+` AND o.seats_taken > 0 AND o.blocked_from < $4 AND o.blocked_to > $3
		  AND (r.status IN ('CONFIRMED', 'REQUESTED') OR (r.status = 'PENDING_PAYMENT' AND r.hold_expires_at > $5))
		GROUP BY o.id, o.staff_member_id, o.service_id, o.starts_at, o.ends_at, o.blocked_from, o.blocked_to`,
		who, from, to, now).
		Query(database.CollectInto(&out.busy))
}

// bookingFacts is what the reads say about one booking or availability query.
type bookingFacts struct {
	settings  models.BookingSettings
	loc       *time.Location
	service   *models.Service
	staff     []models.StaffMember
	schedules []StaffSchedule
}

// settingsAndService checks the first half of what was read: the business's settings and zone, and
// that the service exists and can be booked (serviceField names the input in errors).
func (r *bookingReads) settingsAndService(serviceField string) (*bookingFacts, error) {
	if len(r.settings) != 1 {
		return nil, errors.New("booking settings of the tenant not found")
	}
	loc, err := loadLocation(r.settings[0].TimeZone)
	if err != nil {
		return nil, err
	}
	if len(r.services) != 1 {
		return nil, ErrServiceNotFound.WithField(serviceField)
	}
	svc := &r.services[0]
	if !svc.Bookable() {
		return nil, ErrServiceNotBookable.WithField(serviceField)
	}
	return &bookingFacts{settings: r.settings[0], loc: loc, service: svc}, nil
}

// staffAndSchedules checks the second half: a named staff member exists, works and performs the
// service (staffField names the input in errors); then it builds the staff's schedules.
func (r *bookingReads) staffAndSchedules(bk *bookingFacts, named bool, staffField string) error {
	if named {
		switch {
		case len(r.staff) != 1:
			return ErrStaffNotFound.WithField(staffField)
		case !r.staff[0].Active || r.staff[0].ArchivedAt != nil:
			return ErrStaffNotBookable.WithField(staffField)
		case r.performs == 0:
			return ErrStaffNotPerforming.WithField(staffField)
		}
	}
	bk.staff = r.staff
	bk.schedules = r.schedulesOf(r.staff)
	return nil
}

// schedulesOf builds the schedules of staff from the rows read (rows of other staff are ignored).
func (r *bookingReads) schedulesOf(staff []models.StaffMember) []StaffSchedule {
	if len(staff) == 0 {
		return nil
	}
	index := make(map[uuid.UUID]int, len(staff))
	out := make([]StaffSchedule, len(staff))
	for i, m := range staff {
		index[m.ID] = i
		out[i] = StaffSchedule{StaffMemberID: m.ID, Exceptions: map[models.Date][]MinuteRange{}}
	}
	of := func(id uuid.UUID) *StaffSchedule {
		if i, ok := index[id]; ok {
			return &out[i]
		}
		return nil
	}
	for _, w := range r.weekly {
		if s := of(w.StaffMemberID); s != nil {
			s.Weekly[w.Weekday] = append(s.Weekly[w.Weekday], MinuteRange{Start: w.StartMinute, End: w.EndMinute})
		}
	}
	for _, e := range r.exceptions {
		s := of(e.StaffMemberID)
		if s == nil {
			continue
		}
		ranges := s.Exceptions[e.Date]
		if e.StartMinute != nil && e.EndMinute != nil {
			ranges = append(ranges, MinuteRange{Start: *e.StartMinute, End: *e.EndMinute})
		}
		if ranges == nil {
			ranges = []MinuteRange{} // a day off is present but empty
		}
		s.Exceptions[e.Date] = ranges
	}
	for _, t := range r.off {
		if s := of(t.StaffMemberID); s != nil {
			s.TimeOff = append(s.TimeOff, TimeRange{From: t.StartsAt, To: t.EndsAt})
		}
	}
	for _, b := range r.busy {
		if s := of(b.StaffMemberID); s != nil {
			s.Busy = append(s.Busy, b.Busy)
		}
	}
	for i := range out {
		out[i].Prepare()
	}
	return out
}
