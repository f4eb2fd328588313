package sms

import (
	"testing"
	"time"
)

func TestQuietHoursSendAt(t *testing.T) {
	t.Parallel()
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	q := DefaultQuietHours
	for _, tc := range []struct {
		name       string
		now, visit string // Warsaw wall time; visit "" for none
		want       string
	}{
		{"in the day: now", "2026-06-10 12:00", "2026-06-11 10:00", "2026-06-10 12:00"},
		{"at 20:59: now", "2026-06-10 20:59", "2026-06-11 10:00", "2026-06-10 20:59"},
		{"at 21:00: the next morning", "2026-06-10 21:00", "2026-06-11 10:00", "2026-06-11 08:00"},
		{"at 23:30: the next morning", "2026-06-10 23:30", "2026-06-11 10:00", "2026-06-11 08:00"},
		{"after midnight: the same morning", "2026-06-11 03:15", "2026-06-11 10:00", "2026-06-11 08:00"},
		{"at 07:59: at 08:00", "2026-06-11 07:59", "2026-06-11 10:00", "2026-06-11 08:00"},
		{"at 08:00: now", "2026-06-11 08:00", "2026-06-11 10:00", "2026-06-11 08:00"},
		{"a visit before 08:00: now, in the night", "2026-06-11 05:30", "2026-06-11 07:30", "2026-06-11 05:30"},
		{"a visit at 08:00 exactly: at 08:00", "2026-06-11 05:30", "2026-06-11 08:00", "2026-06-11 08:00"},
		{"a late-evening visit: now", "2026-06-10 21:30", "2026-06-10 22:00", "2026-06-10 21:30"},
		{"about no visit: the next morning", "2026-06-10 22:00", "", "2026-06-11 08:00"},
		{"across a month end", "2026-06-30 22:00", "", "2026-07-01 08:00"},
		{"across a year end", "2026-12-31 23:00", "", "2027-01-01 08:00"},
		// Europe/Warsaw springs forward on 29 March 2026 at 02:00 → 03:00: the night is an hour
		// shorter, and 08:00 is 06:00 UTC (CEST), no longer 07:00 UTC.
		{"the night clocks go forward", "2026-03-28 22:00", "", "2026-03-29 08:00"},
		{"inside the skipped hour's night", "2026-03-29 01:30", "", "2026-03-29 08:00"},
		// …and falls back on 25 October 2026 at 03:00 → 02:00: 08:00 is 07:00 UTC (CET) again.
		{"the night clocks go back", "2026-10-24 21:00", "", "2026-10-25 08:00"},
		{"the night clocks go back, visit before 08:00", "2026-10-24 21:00", "2026-10-25 07:00", "2026-10-24 21:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var visit time.Time
			if tc.visit != "" {
				visit = at(tc.visit)
			}
			got := q.SendAt(at(tc.now), warsaw, visit)
			if want := at(tc.want).UTC(); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("SendAt(%s, visit %q) = %s; want %s (%s in Warsaw)", tc.now, tc.visit, got, want, tc.want)
			}
		})
	}
	// The instants across the DST changes, in UTC, to be sure the wall time was kept.
	if got := q.SendAt(at("2026-03-28 22:00"), warsaw, time.Time{}); got != time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC) {
		t.Errorf("spring forward: %s; want 06:00 UTC", got)
	}
	if got := q.SendAt(at("2026-10-24 21:00"), warsaw, time.Time{}); got != time.Date(2026, 10, 25, 7, 0, 0, 0, time.UTC) {
		t.Errorf("fall back: %s; want 07:00 UTC", got)
	}
	if got := q.SendAt(at("2026-03-28 21:00"), warsaw, time.Time{}).Sub(at("2026-03-28 21:00")); got != 10*time.Hour {
		t.Errorf("the spring night's wait is %s; want 10h", got)
	}
	if got := q.SendAt(at("2026-10-24 21:00"), warsaw, time.Time{}).Sub(at("2026-10-24 21:00")); got != 12*time.Hour {
		t.Errorf("the autumn night's wait is %s; want 12h", got)
	}
}

func TestQuietHoursWithinOneDayAndNone(t *testing.T) {
	t.Parallel()
	siesta := QuietHours{Start: 13 * time.Hour, End: 15 * time.Hour}
	noon := time.Date(2026, 6, 10, 14, 0, 0, 0, time.UTC)
	if got := siesta.SendAt(noon, time.UTC, time.Time{}); got != time.Date(2026, 6, 10, 15, 0, 0, 0, time.UTC) {
		t.Errorf("siesta: %s", got)
	}
	if !siesta.IsQuiet(noon, time.UTC) || siesta.IsQuiet(noon.Add(2*time.Hour), time.UTC) {
		t.Error("IsQuiet disagrees with the siesta")
	}
	if got := (QuietHours{}).SendAt(noon, time.UTC, time.Time{}); got != noon {
		t.Errorf("no quiet hours: %s", got)
	}
}
