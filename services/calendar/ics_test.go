package calendar

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

var warsaw = mustZone("Europe/Warsaw")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func parse(t *testing.T, raw []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("golang-ical refuses the calendar: %v\n%s", err, raw)
	}
	return cal
}

// TestLocalTimeAcrossDaylightSaving: visits at 10:00 in Warsaw just before and after the last
// Sundays of March and October are written as 10:00 local with TZID=Europe/Warsaw, read back by a
// real iCalendar library as the right instants, and the VTIMEZONE alone (what a client without the
// zone database uses) places each at the same instant.
func TestLocalTimeAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	visits := []struct {
		name  string
		local time.Time
		utc   time.Time
	}{
		{"Friday before spring forward (CET)", time.Date(2026, 3, 27, 10, 0, 0, 0, warsaw), time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)},
		{"Monday after spring forward (CEST)", time.Date(2026, 3, 30, 10, 0, 0, 0, warsaw), time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC)},
		{"Friday before fall back (CEST)", time.Date(2026, 10, 23, 10, 0, 0, 0, warsaw), time.Date(2026, 10, 23, 8, 0, 0, 0, time.UTC)},
		{"Monday after fall back (CET)", time.Date(2026, 10, 26, 10, 0, 0, 0, warsaw), time.Date(2026, 10, 26, 9, 0, 0, 0, time.UTC)},
		{"next year's spring (CEST)", time.Date(2027, 4, 2, 10, 0, 0, 0, warsaw), time.Date(2027, 4, 2, 8, 0, 0, 0, time.UTC)},
	}
	c := Calendar{Method: MethodPublish, Name: "Anna", Location: warsaw, Stamp: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	for i, v := range visits {
		c.Events = append(c.Events, Event{UID: fmt.Sprintf("r%d@slotpay.test", i), Start: v.utc, End: v.utc.Add(time.Hour),
			Summary: v.name, Status: StatusConfirmed})
	}
	raw := c.Write()
	cal := parse(t, raw)
	zones := cal.Timezones()
	if len(zones) != 1 || zones[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/Warsaw" {
		t.Fatalf("timezones: %+v", zones)
	}
	resolve := vtimezoneResolver(t, zones[0])
	events := cal.Events()
	if len(events) != len(visits) {
		t.Fatalf("%d events, want %d", len(events), len(visits))
	}
	for i, v := range visits {
		e := events[i]
		dt := e.GetProperty(ics.ComponentPropertyDtStart)
		if got := dt.ICalParameters["TZID"]; len(got) != 1 || got[0] != "Europe/Warsaw" {
			t.Errorf("%s: DTSTART TZID %v", v.name, got)
		}
		if dt.Value != v.local.Format("20060102T150405") || !strings.HasSuffix(dt.Value, "T100000") {
			t.Errorf("%s: DTSTART %s, want 10:00 local", v.name, dt.Value)
		}
		start, err := e.GetStartAt()
		if err != nil || !start.Equal(v.utc) {
			t.Errorf("%s: library reads %v (%v), want %v", v.name, start, err, v.utc)
		}
		end, err := e.GetEndAt()
		if err != nil || !end.Equal(v.utc.Add(time.Hour)) {
			t.Errorf("%s: end %v (%v)", v.name, end, err)
		}
		if got := resolve(dt.Value); !got.Equal(v.utc) {
			t.Errorf("%s: the VTIMEZONE places it at %v, want %v", v.name, got, v.utc)
		}
	}
}

// TestVTimezoneOnsets: Warsaw's 2026 changes are where the law puts them, as the offsets they change.
func TestVTimezoneOnsets(t *testing.T) {
	t.Parallel()
	lines := strings.Join(VTimezone(warsaw, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)), "\n")
	for _, want := range []string{
		"BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nEND:DAYLIGHT",
		"BEGIN:STANDARD\nDTSTART:20251026T030000\nRDATE:20261025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nEND:STANDARD",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("missing\n%s\nin\n%s", want, lines)
		}
	}
	// A zone without daylight saving: one observance, the offset it has.
	tokyo := strings.Join(VTimezone(mustZone("Asia/Tokyo"), time.Now(), time.Now()), "\n")
	if !strings.Contains(tokyo, "TZOFFSETTO:+0900") || strings.Contains(tokyo, "DAYLIGHT") {
		t.Errorf("Tokyo:\n%s", tokyo)
	}
	utc := strings.Join(VTimezone(time.UTC, time.Now(), time.Now()), "\n")
	if !strings.Contains(utc, "DTSTART:16010101T000000\nTZOFFSETFROM:+0000\nTZOFFSETTO:+0000") {
		t.Errorf("UTC:\n%s", utc)
	}
	if got := utcOffset(-(3*3600 + 30*60)); got != "-0330" {
		t.Errorf("offset %s", got)
	}
}

// vtimezoneResolver turns a local DATE-TIME of the zone into an instant using only the VTIMEZONE's
// observances (their DTSTART and RDATE onsets, in TZOFFSETFROM local time), as RFC 5545 3.6.5 says.
func vtimezoneResolver(t *testing.T, tz *ics.VTimezone) func(local string) time.Time {
	t.Helper()
	type change struct {
		at       time.Time // UTC instant of the onset
		from, to time.Duration
	}
	var changes []change
	offset := func(s string) time.Duration {
		ts, err := time.Parse("-0700", s)
		if err != nil {
			t.Fatalf("offset %q: %v", s, err)
		}
		_, off := ts.Zone()
		return time.Duration(off) * time.Second
	}
	for _, sub := range tz.SubComponents() {
		var base *ics.ComponentBase
		switch c := sub.(type) {
		case *ics.Standard:
			base = &c.ComponentBase
		case *ics.Daylight:
			base = &c.ComponentBase
		default:
			continue
		}
		from, to := offset(base.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom)).Value), offset(base.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto)).Value)
		onsets := []string{base.GetProperty(ics.ComponentPropertyDtStart).Value}
		for _, r := range base.GetProperties(ics.ComponentPropertyRdate) {
			onsets = append(onsets, strings.Split(r.Value, ",")...)
		}
		for _, o := range onsets {
			wall, err := time.Parse("20060102T150405", o)
			if err != nil {
				t.Fatalf("onset %q: %v", o, err)
			}
			changes = append(changes, change{at: wall.Add(-from), from: from, to: to})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].at.Before(changes[j].at) })
	return func(local string) time.Time {
		wall, err := time.Parse("20060102T150405", local)
		if err != nil {
			t.Fatalf("local %q: %v", local, err)
		}
		// The observance in force is the last onset not after the instant the wall time would be.
		off := changes[0].to
		for _, c := range changes {
			if !wall.Add(-c.to).Before(c.at) {
				off = c.to
			}
		}
		return wall.Add(-off)
	}
}

// TestFoldingAndEscaping: a long Polish text with the characters TEXT escapes comes back whole
// through a real parser; every physical line is at most 75 octets, ends in CRLF, and holds whole
// UTF-8 characters.
func TestFoldingAndEscaping(t *testing.T) {
	t.Parallel()
	summary := "Strzyżenie damskie; koloryzacja, pielęgnacja \\ zażółć gęślą jaźń — wizyta u Anny Źdźbło-Łęckiej, salon \"Róża\""
	description := "Zarządzaj wizytą: https://slotpay.test/b/salon/manage?token=" + strings.Repeat("ąb", 60) + "\nDo zobaczenia!"
	start := time.Date(2026, 5, 5, 8, 0, 0, 0, time.UTC)
	c := Calendar{Method: MethodRequest, Name: "Salon; Róża", Location: warsaw, Stamp: start,
		Events: []Event{{UID: "x@slotpay.test", Start: start, End: start.Add(90 * time.Minute), Summary: summary,
			Description: description, Location: "ul. Długa 5, Kraków", Status: StatusConfirmed,
			Organizer: "salon@example.com", OrganizerName: `Salon "Róża"`}}}
	raw := c.Write()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) || !bytes.HasSuffix(raw, []byte("END:VCALENDAR\r\n")) {
		t.Fatal("a line does not end in CRLF")
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line splits a character: %q", l)
		}
	}
	e := parse(t, raw).Events()[0]
	if got := ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value); got != summary {
		t.Errorf("summary\n%q\nwant\n%q", got, summary)
	}
	if got := ics.FromText(e.GetProperty(ics.ComponentPropertyDescription).Value); got != description {
		t.Errorf("description\n%q\nwant\n%q", got, description)
	}
	if got := ics.FromText(e.GetProperty(ics.ComponentPropertyLocation).Value); got != "ul. Długa 5, Kraków" {
		t.Errorf("location %q", got)
	}
	if got := e.GetProperty(ics.ComponentPropertyOrganizer); got == nil || got.Value != "mailto:salon@example.com" {
		t.Errorf("organizer %+v", got)
	}
}

func TestEscapeText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"a;b,c\\d", `a\;b\,c\\d`},
		{"line\r\nnext\nlast", `line\nnext\nlast`},
		{"bell\x07tab\t", "belltab\t"},
		{"", ""},
	} {
		if got := escapeText(c.in); got != c.want {
			t.Errorf("escapeText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzContentLine: any text written as a property folds into lines of at most 75 octets that
// unfold to the escaped text, splitting no character of valid UTF-8.
func FuzzContentLine(f *testing.F) {
	f.Add("Strzyżenie; koloryzacja, \\ zażółć gęślą jaźń\nnowa linia")
	f.Add(strings.Repeat("ą", 100))
	f.Add(strings.Repeat("\x80", 200))
	f.Fuzz(func(t *testing.T, s string) {
		w := &writer{}
		w.line("SUMMARY", escapeText(s))
		out := w.b.String()
		if !strings.HasSuffix(out, "\r\n") && s != "" {
			t.Fatalf("no CRLF: %q", out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		var unfolded strings.Builder
		for i, l := range lines {
			if len(l) > 75 {
				t.Fatalf("line of %d octets", len(l))
			}
			if i > 0 {
				if !strings.HasPrefix(l, " ") {
					t.Fatalf("continuation without a space: %q", l)
				}
				l = l[1:]
			}
			if utf8.ValidString(s) && !utf8.ValidString(l) {
				t.Fatalf("a character split: %q", l)
			}
			unfolded.WriteString(l)
		}
		if unfolded.String() != "SUMMARY:"+escapeText(s) {
			t.Fatalf("unfolds to %q", unfolded.String())
		}
		if strings.ContainsAny(escapeText(s), "\r\n") {
			t.Fatal("a raw line break in a value")
		}
	})
}
