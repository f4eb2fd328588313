package booking_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
)

func dayStaff(hours ...booking.MinuteRange) booking.StaffSchedule {
	s := booking.StaffSchedule{StaffMemberID: uuid.New(), Exceptions: map[models.Date][]booking.MinuteRange{}}
	for d := range s.Weekly {
		s.Weekly[d] = hours
	}
	s.Prepare()
	return s
}

func TestCheck(t *testing.T) {
	t.Parallel()
	loc := warsaw(t)
	svc := booking.ServiceSpec{ID: uuid.New(), Duration: time.Hour, BufferAfter: 15 * time.Minute, Capacity: 1}
	rules := booking.Rules{Location: loc, Step: 15 * time.Minute}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 4, h, m, 0, 0, loc) }
	staff := dayStaff(booking.MinuteRange{Start: 9 * 60, End: 12 * 60}, booking.MinuteRange{Start: 12 * 60, End: 17 * 60})
	staff.Exceptions[models.Date{Year: 2026, Month: 3, Day: 5}] = []booking.MinuteRange{} // a day off
	staff.TimeOff = []booking.TimeRange{{From: at(15, 0), To: at(16, 0)}}
	staff.Busy = []booking.Busy{{ServiceID: uuid.New(), StartsAt: at(10, 0), EndsAt: at(11, 0), BlockedFrom: at(10, 0), BlockedTo: at(11, 15), Seats: 1}}
	cases := []struct {
		name  string
		start time.Time
		want  booking.Verdict
	}{
		{"free", at(12, 30), booking.VerdictFree},
		{"only its buffer overlaps the next reservation", at(9, 0), booking.VerdictBusy},
		{"before hours", at(8, 45), booking.VerdictOutsideHours},
		{"ends with the buffer overlapping the busy range", at(9, 15), booking.VerdictBusy},
		{"touching the busy range's end", at(11, 15), booking.VerdictFree},
		{"across merged touching intervals", at(11, 30), booking.VerdictFree},
		{"off the grid", at(11, 20), booking.VerdictMisaligned},
		{"ends after hours", at(16, 30), booking.VerdictOutsideHours},
		{"time off", at(14, 30), booking.VerdictTimeOff},
		{"day off", time.Date(2026, 3, 5, 10, 0, 0, 0, loc), booking.VerdictOutsideHours},
	}
	for _, c := range cases {
		if got, _ := booking.Check(rules, svc, &staff, c.start); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func TestComputeSlotsDST(t *testing.T) {
	t.Parallel()
	loc := warsaw(t)
	svc := booking.ServiceSpec{ID: uuid.New(), Duration: time.Hour, Capacity: 1}
	night := dayStaff(booking.MinuteRange{Start: 0, End: 24 * 60})
	cases := []struct {
		date  models.Date
		slots int // whole-day working hours, hour-long service, 15-minute step
	}{
		{models.Date{Year: 2026, Month: 3, Day: 28}, 24*4 - 3},
		{models.Date{Year: 2026, Month: 3, Day: 29}, 23*4 - 3},  // 23 real hours
		{models.Date{Year: 2026, Month: 10, Day: 25}, 25*4 - 3}, // 25 real hours
	}
	for _, c := range cases {
		rules := booking.Rules{Location: loc, Step: 15 * time.Minute, Horizon: 365 * 24 * time.Hour, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		got := booking.ComputeSlots(rules, svc, []booking.StaffSchedule{night}, c.date.In(loc), c.date.AddDays(1).In(loc))
		if len(got) != c.slots {
			t.Errorf("%s: %d slots, want %d", c.date, len(got), c.slots)
		}
	}
}

func TestComputeSlotsNoticeHorizonAndGroups(t *testing.T) {
	t.Parallel()
	loc := warsaw(t)
	day := models.Date{Year: 2026, Month: 3, Day: 4}
	now := time.Date(2026, 3, 4, 10, 5, 0, 0, loc)
	group := booking.ServiceSpec{ID: uuid.New(), Duration: time.Hour, Capacity: 3}
	staff := dayStaff(booking.MinuteRange{Start: 9 * 60, End: 13 * 60})
	at := func(h, m int) time.Time { return time.Date(2026, 3, 4, h, m, 0, 0, loc) }
	staff.Busy = []booking.Busy{{ServiceID: group.ID, StartsAt: at(11, 0), EndsAt: at(12, 0), BlockedFrom: at(11, 0), BlockedTo: at(12, 0), Seats: 2}}
	rules := booking.Rules{Location: loc, Step: 30 * time.Minute, MinNotice: 30 * time.Minute, Horizon: 2 * time.Hour, Now: now}
	got := booking.ComputeSlots(rules, group, []booking.StaffSchedule{staff}, day.In(loc), day.AddDays(1).In(loc))
	// Notice: from 10:35, so 11:00 first; horizon: up to 12:05. 11:00 is the class with one seat left;
	// 11:30 overlaps it; 12:00 is free.
	if len(got) != 2 || !got[0].StartsAt.Equal(at(11, 0)) || got[0].Staff[0].SeatsLeft != 1 ||
		!got[1].StartsAt.Equal(at(12, 0)) || got[1].Staff[0].SeatsLeft != 3 {
		t.Fatalf("got %+v", got)
	}
}

// BenchmarkComputeSlots is a month of availability for five staff members with a busy calendar.
func BenchmarkComputeSlots(b *testing.B) {
	loc, _ := time.LoadLocation("Europe/Warsaw")
	svc := booking.ServiceSpec{ID: uuid.New(), Duration: 45 * time.Minute, BufferAfter: 15 * time.Minute, Capacity: 1}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	var staff []booking.StaffSchedule
	for range 5 {
		s := dayStaff(booking.MinuteRange{Start: 8 * 60, End: 12 * 60}, booking.MinuteRange{Start: 13 * 60, End: 18 * 60})
		for t := from.Add(9 * time.Hour); t.Before(to); t = t.Add(5 * time.Hour) {
			s.Busy = append(s.Busy, booking.Busy{ServiceID: uuid.New(), StartsAt: t, EndsAt: t.Add(time.Hour), BlockedFrom: t, BlockedTo: t.Add(75 * time.Minute), Seats: 1})
		}
		s.Prepare()
		staff = append(staff, s)
	}
	rules := booking.Rules{Location: loc, Step: 15 * time.Minute, Horizon: 365 * 24 * time.Hour, Now: from.Add(-time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if len(booking.ComputeSlots(rules, svc, staff, from, to)) == 0 {
			b.Fatal("no slots")
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	loc, _ := time.LoadLocation("Europe/Warsaw")
	svc := booking.ServiceSpec{ID: uuid.New(), Duration: time.Hour, Capacity: 1}
	s := dayStaff(booking.MinuteRange{Start: 9 * 60, End: 17 * 60})
	start := time.Date(2026, 3, 4, 10, 0, 0, 0, loc)
	rules := booking.Rules{Location: loc, Step: 15 * time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		booking.Check(rules, svc, &s, start)
	}
}
