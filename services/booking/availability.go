package booking

import (
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
)

// This file is the pure availability computation: no database, no clock of its own. Working hours
// are local wall-clock minutes in the tenant's zone; they become instants only here, one local date
// at a time with time.Date in that zone, so a day on which clocks change has the hours it really
// has. From there on everything is absolute: slots step by real durations from the start of a
// working interval, and reservations, buffers and time off are UTC ranges.

// MinuteRange is [Start, End) in local minutes since midnight (End may be 1440).
type MinuteRange struct{ Start, End int }

// StaffSchedule is what the computation knows about one staff member.
type StaffSchedule struct {
	StaffMemberID uuid.UUID
	// Weekly working hours by time.Weekday.
	Weekly [7][]MinuteRange
	// Exceptions replace a date's weekly hours; a present date with no ranges is a day off.
	Exceptions map[models.Date][]MinuteRange
	// TimeOff ranges in absolute time.
	TimeOff []TimeRange
	// Busy are the occupied occupations overlapping the window, sorted by BlockedFrom (Prepare sorts).
	Busy []Busy
}

// TimeRange is [From, To).
type TimeRange struct{ From, To time.Time }

// Busy is an occupation that holds seats (only reservations whose hold has not run out count).
type Busy struct {
	ServiceID   uuid.UUID
	StartsAt    time.Time
	EndsAt      time.Time
	BlockedFrom time.Time
	BlockedTo   time.Time
	Seats       int
}

// ServiceSpec is the shape of the service being booked.
type ServiceSpec struct {
	ID           uuid.UUID
	Duration     time.Duration
	BufferBefore time.Duration
	BufferAfter  time.Duration
	Capacity     int
}

// Rules are the tenant's booking rules at the moment of asking.
type Rules struct {
	Location  *time.Location
	Step      time.Duration
	MinNotice time.Duration
	Horizon   time.Duration
	Now       time.Time
}

// earliest and latest bookable starts.
func (r Rules) bounds() (time.Time, time.Time) {
	return r.Now.Add(r.MinNotice), r.Now.Add(r.Horizon)
}

// Slot is a bookable start with the staff members free for it.
type Slot struct {
	StartsAt time.Time
	EndsAt   time.Time
	Staff    []FreeStaff
}

// FreeStaff is one staff member free for a slot and the seats left there.
type FreeStaff struct {
	TenantID      uuid.UUID // set by Service.Availability
	StaffMemberID uuid.UUID
	SeatsLeft     int
	// StaffMember is the staff member's row, set by Service.Availability from the rows it read
	// (shared by every slot of that staff member; read-only).
	StaffMember *models.StaffMember
}

// Prepare sorts and normalises a schedule in place (merges touching working intervals, sorts busy
// ranges); the computation relies on it.
func (s *StaffSchedule) Prepare() {
	for d := range s.Weekly {
		s.Weekly[d] = mergeRanges(s.Weekly[d])
	}
	for k, v := range s.Exceptions {
		s.Exceptions[k] = mergeRanges(v)
	}
	sort.Slice(s.Busy, func(i, j int) bool { return s.Busy[i].BlockedFrom.Before(s.Busy[j].BlockedFrom) })
}

func mergeRanges(in []MinuteRange) []MinuteRange {
	if len(in) < 2 {
		return in
	}
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b MinuteRange) int { return a.Start - b.Start })
	merged := out[:1]
	for _, r := range out[1:] {
		last := &merged[len(merged)-1]
		if r.Start <= last.End {
			last.End = max(last.End, r.End)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// workingRanges are the date's working hours as instants.
func (s *StaffSchedule) workingRanges(d models.Date, loc *time.Location, buf []TimeRange) []TimeRange {
	ranges, ok := s.Exceptions[d]
	if !ok {
		ranges = s.Weekly[d.Weekday()]
	}
	for _, r := range ranges {
		buf = append(buf, TimeRange{From: wallClock(d, r.Start, loc), To: wallClock(d, r.End, loc)})
	}
	return buf
}

// wallClock is the instant of a local time of day on a date (minute 1440 is the next midnight).
func wallClock(d models.Date, minute int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, minute/60, minute%60, 0, 0, loc)
}

// Verdict is what the computation says about one start time for one staff member.
type Verdict int

// Verdicts, from the most basic reason a start is refused.
const (
	VerdictFree         Verdict = iota
	VerdictOutsideHours         // not within working hours
	VerdictMisaligned           // within hours but not on the slot step
	VerdictTimeOff              // the staff member is off then
	VerdictBusy                 // another reservation (or its buffer) is in the way, or the class is full
)

// Check judges one start for one staff member, and the seats left when free. Notice and horizon are
// the caller's concern (they do not depend on the staff member).
func Check(rules Rules, svc ServiceSpec, s *StaffSchedule, start time.Time) (Verdict, int) {
	local := start.In(rules.Location)
	date := models.DateOf(local)
	end := start.Add(svc.Duration)
	inHours := false
	for _, w := range s.workingRanges(date, rules.Location, nil) {
		if start.Before(w.From) || end.After(w.To) {
			continue
		}
		inHours = true
		if start.Sub(w.From)%rules.Step == 0 {
			return s.judge(svc, start, end)
		}
	}
	if inHours {
		return VerdictMisaligned, 0
	}
	return VerdictOutsideHours, 0
}

// judge checks a start that is within hours and aligned against time off and occupations.
func (s *StaffSchedule) judge(svc ServiceSpec, start, end time.Time) (Verdict, int) {
	for _, off := range s.TimeOff {
		if start.Before(off.To) && off.From.Before(end) {
			return VerdictTimeOff, 0
		}
	}
	from, to := start.Add(-svc.BufferBefore), end.Add(svc.BufferAfter)
	// Occupations of one staff member never overlap each other (the exclusion constraint), so sorted
	// by BlockedFrom they are sorted by BlockedTo too: find the first that ends after from.
	i := sort.Search(len(s.Busy), func(i int) bool { return s.Busy[i].BlockedTo.After(from) })
	seats := svc.Capacity
	for ; i < len(s.Busy) && s.Busy[i].BlockedFrom.Before(to); i++ {
		b := s.Busy[i]
		// The same class at the same time is joined, not blocked, while seats remain.
		if b.ServiceID == svc.ID && b.StartsAt.Equal(start) && b.EndsAt.Equal(end) && b.Seats < svc.Capacity {
			seats = svc.Capacity - b.Seats
			continue
		}
		return VerdictBusy, 0
	}
	return VerdictFree, seats
}

// ComputeSlots lists the bookable starts in [from, to) for the service across staff, in time order;
// each slot names every staff member free for it (in the order of staff).
func ComputeSlots(rules Rules, svc ServiceSpec, staff []StaffSchedule, from, to time.Time) []Slot {
	earliest, latest := rules.bounds()
	if from.Before(earliest) {
		from = earliest
	}
	if to.After(latest) {
		to = latest.Add(time.Nanosecond) // the horizon itself is still bookable
	}
	if !from.Before(to) || svc.Duration <= 0 || rules.Step <= 0 {
		return nil
	}
	type found struct {
		start time.Time
		staff int
		seats int
	}
	var all []found
	var ranges []TimeRange
	firstDate := models.DateOf(from.In(rules.Location)).AddDays(-1)
	lastDate := models.DateOf(to.In(rules.Location))
	for si := range staff {
		s := &staff[si]
		for d := firstDate; !lastDate.Before(d); d = d.AddDays(1) {
			ranges = s.workingRanges(d, rules.Location, ranges[:0])
			for _, w := range ranges {
				t := w.From
				// Skip ahead to the first aligned start at or after from.
				if t.Before(from) {
					steps := (from.Sub(t) + rules.Step - 1) / rules.Step
					t = t.Add(steps * rules.Step)
				}
				for ; !t.Add(svc.Duration).After(w.To) && t.Before(to); t = t.Add(rules.Step) {
					if v, seats := s.judge(svc, t, t.Add(svc.Duration)); v == VerdictFree {
						all = append(all, found{start: t, staff: si, seats: seats})
					}
				}
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].start.Equal(all[j].start) {
			return all[i].start.Before(all[j].start)
		}
		return all[i].staff < all[j].staff
	})
	var out []Slot
	for _, f := range all {
		free := FreeStaff{StaffMemberID: staff[f.staff].StaffMemberID, SeatsLeft: f.seats}
		if n := len(out); n > 0 && out[n-1].StartsAt.Equal(f.start) {
			out[n-1].Staff = append(out[n-1].Staff, free)
			continue
		}
		out = append(out, Slot{StartsAt: f.start, EndsAt: f.start.Add(svc.Duration), Staff: []FreeStaff{free}})
	}
	return out
}
