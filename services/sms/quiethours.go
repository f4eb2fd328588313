package sms

import "time"

// QuietHours is the part of the night when a business's customers get no text message: from Start
// until End the next morning, in the business's own time zone (wall-clock times, so 21:00 stays
// 21:00 across a daylight-saving change, and the night is an hour longer or shorter then).
type QuietHours struct {
	// Start and End are times of day as durations since midnight; Start after End spans midnight.
	Start, End time.Duration
}

// DefaultQuietHours: no SMS between 21:00 and 08:00.
var DefaultQuietHours = QuietHours{Start: 21 * time.Hour, End: 8 * time.Hour}

// SendAt is when a text message decided at now may go out: now, outside quiet hours; inside them,
// the next End in loc — unless the visit it is about (visitAt, zero when it is about none) starts
// before that, when a message in the night is better than one after the visit, and it goes now.
// The result is in UTC.
func (q QuietHours) SendAt(now time.Time, loc *time.Location, visitAt time.Time) time.Time {
	next, quiet := q.nextAllowed(now, loc)
	if !quiet || (!visitAt.IsZero() && visitAt.Before(next)) {
		return now.UTC()
	}
	return next.UTC()
}

// IsQuiet reports whether t falls in quiet hours in loc.
func (q QuietHours) IsQuiet(t time.Time, loc *time.Location) bool {
	_, quiet := q.nextAllowed(t, loc)
	return quiet
}

// nextAllowed is the end of the quiet hours that t falls in, and whether it falls in any.
func (q QuietHours) nextAllowed(t time.Time, loc *time.Location) (time.Time, bool) {
	if q.Start == q.End {
		return t, false
	}
	local := t.In(loc)
	y, m, d := local.Date()
	clock := time.Duration(local.Hour())*time.Hour + time.Duration(local.Minute())*time.Minute +
		time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
	if q.Start < q.End { // quiet within one day (e.g. 13:00–15:00)
		if clock >= q.Start && clock < q.End {
			return wallTime(y, m, d, q.End, loc), true
		}
		return t, false
	}
	switch {
	case clock >= q.Start:
		return wallTime(y, m, d+1, q.End, loc), true
	case clock < q.End:
		return wallTime(y, m, d, q.End, loc), true
	}
	return t, false
}

// wallTime is the instant the clock in loc shows of (since midnight) on day d (time.Date normalises
// an overflowing day). Adding the duration to midnight would be wrong on the days a DST change
// shortens or lengthens, so the wall-clock fields are given to time.Date; for a wall time the
// change skips, time.Date picks the instant after the gap.
func wallTime(y int, m time.Month, d int, of time.Duration, loc *time.Location) time.Time {
	h, rest := of/time.Hour, of%time.Hour
	return time.Date(y, m, d, int(h), int(rest/time.Minute), int(rest%time.Minute/time.Second), 0, loc)
}
