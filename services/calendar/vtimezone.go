package calendar

import (
	"fmt"
	"strings"
	"time"
)

// VTimezone is the VTIMEZONE of loc covering from's year to to's year (whole years, in loc), as
// content lines, built from Go's time-zone data: every change of offset in those years is an
// onset of a STANDARD or DAYLIGHT component, changes alike (same kind, name and offsets) sharing one
// component as its DTSTART and RDATEs. The observance in force when the years begin is written
// first, with the onset it had (or 1601-01-01, the date Outlook uses, for a zone that never
// changed), so every instant in the range has exactly one offset. No RRULE: the zone's future
// rules may change, and the onsets are exact for the years written.
func VTimezone(loc *time.Location, from, to time.Time) []string {
	begin := time.Date(from.In(loc).Year(), time.January, 1, 0, 0, 0, 0, loc)
	end := time.Date(to.In(loc).Year()+1, time.January, 1, 0, 0, 0, 0, loc)

	var onsets []onset
	// The observance at the start of the range, from its own onset.
	start, _ := begin.ZoneBounds()
	if start.IsZero() {
		_, off := begin.Zone()
		onsets = append(onsets, onset{observance: observanceAt(begin), from: off, local: "16010101T000000"})
	} else {
		onsets = append(onsets, onsetAt(start))
	}
	for t := begin; ; {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			break
		}
		onsets = append(onsets, onsetAt(next))
		t = next
	}

	// Group alike onsets, in order of their first.
	type group struct {
		observance
		from   int
		onsets []string
	}
	var groups []*group
	for _, o := range onsets {
		var g *group
		for _, c := range groups {
			if c.observance == o.observance && c.from == o.from {
				g = c
				break
			}
		}
		if g == nil {
			g = &group{observance: o.observance, from: o.from}
			groups = append(groups, g)
		}
		g.onsets = append(g.onsets, o.local)
	}

	lines := []string{"BEGIN:VTIMEZONE", "TZID:" + loc.String()}
	for _, g := range groups {
		kind := "STANDARD"
		if g.dst {
			kind = "DAYLIGHT"
		}
		lines = append(lines, "BEGIN:"+kind, "DTSTART:"+g.onsets[0])
		if len(g.onsets) > 1 {
			lines = append(lines, "RDATE:"+strings.Join(g.onsets[1:], ","))
		}
		lines = append(lines, "TZOFFSETFROM:"+utcOffset(g.from), "TZOFFSETTO:"+utcOffset(g.offset))
		if g.name != "" && !strings.ContainsAny(g.name, "+-") { // Go writes "+03" for zones without an abbreviation
			lines = append(lines, "TZNAME:"+g.name)
		}
		lines = append(lines, "END:"+kind)
	}
	return append(lines, "END:VTIMEZONE")
}

// observance is what a zone says from an onset on.
type observance struct {
	name   string
	offset int // seconds east of UTC
	dst    bool
}

func observanceAt(t time.Time) observance {
	name, off := t.Zone()
	return observance{name: name, offset: off, dst: t.IsDST()}
}

// onset is a change to an observance: the offset before it and its local time in that offset (the
// form RFC 5545 gives DTSTART and RDATE inside VTIMEZONE).
type onset struct {
	observance
	from  int
	local string
}

func onsetAt(at time.Time) onset {
	_, before := at.Add(-time.Second).Zone()
	local := at.UTC().Add(time.Duration(before) * time.Second).Format("20060102T150405")
	return onset{observance: observanceAt(at), from: before, local: local}
}

// utcOffset is a UTC-OFFSET value: ±hhmm, with seconds when the zone has them.
func utcOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%s%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%s%02d%02d", sign, h, m)
}
