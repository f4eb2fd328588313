// Package calendar writes reservations as iCalendar (RFC 5545): one visit as a file for the
// customer's manage page, staff and the messages' attachments, and the secret feeds (one per staff
// member, one per business) that Google Calendar, Outlook and Apple Calendar subscribe to.
//
// Times are written as the business's local wall-clock time with TZID=<its IANA zone>, and the
// calendar carries a VTIMEZONE built from Go's own time-zone data for the years its events fall
// in (vtimezone.go), so a client that does not know the zone name (Outlook maps names its own way)
// still places a visit right across a daylight-saving change. UID is stable per reservation,
// SEQUENCE counts its reschedules (reservations.calendar_sequence, bumped by booking.Reschedule),
// and a cancelled visit is STATUS:CANCELLED (METHOD:CANCEL for a single file).
package calendar

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Method is the iTIP method of a calendar object (RFC 5546).
type Method string

// Methods written.
const (
	// MethodPublish is a feed, or a file offered for download: the client shows it, no reply.
	MethodPublish Method = "PUBLISH"
	// MethodRequest is a file attached to a confirmation or reschedule e-mail: mail clients offer
	// to add (or update, by UID and SEQUENCE) the event.
	MethodRequest Method = "REQUEST"
	// MethodCancel is the file attached to a cancellation e-mail: clients remove the event.
	MethodCancel Method = "CANCEL"
)

// Status is a VEVENT's STATUS.
type Status string

// Event statuses.
const (
	StatusConfirmed Status = "CONFIRMED"
	StatusTentative Status = "TENTATIVE"
	StatusCancelled Status = "CANCELLED"
)

// Event is one visit as a VEVENT.
type Event struct {
	UID         string
	Sequence    int
	Start, End  time.Time // instants; written in the calendar's zone
	Summary     string
	Location    string
	Description string
	URL         string // the manage link, when there is one
	Status      Status
	Created     time.Time
	Modified    time.Time
	// Organizer is the business's contact e-mail (mailto:), required by METHOD:REQUEST/CANCEL
	// objects; empty writes none.
	Organizer     string
	OrganizerName string
	// Attendee is the customer's e-mail on REQUEST and CANCEL objects.
	Attendee     string
	AttendeeName string
}

// Calendar is a VCALENDAR of events in one zone.
type Calendar struct {
	Method Method
	// Name and Zone become X-WR-CALNAME and X-WR-TIMEZONE (read by Google and Apple for feeds).
	Name     string
	Location *time.Location
	Events   []Event
	// Stamp is DTSTAMP of every event: when the object was created (now).
	Stamp time.Time
}

// ProductID is the calendar's PRODID.
const ProductID = "-//slotpay//slotpay calendar//EN"

// Write renders the calendar as RFC 5545 text: CRLF line ends, content lines folded at 75 octets
// (never inside a UTF-8 sequence), TEXT values escaped.
func (c *Calendar) Write() []byte {
	w := &writer{}
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", ProductID)
	w.line("CALSCALE", "GREGORIAN")
	if c.Method != "" {
		w.line("METHOD", string(c.Method))
	}
	zone := c.Location.String()
	if c.Name != "" {
		w.line("X-WR-CALNAME", escapeText(c.Name))
	}
	w.line("X-WR-TIMEZONE", zone)
	from, to := c.span()
	for _, l := range VTimezone(c.Location, from, to) {
		w.raw(l)
	}
	for i := range c.Events {
		c.writeEvent(w, &c.Events[i])
	}
	w.line("END", "VCALENDAR")
	return w.Bytes()
}

// span is the range of the events' times (the stamp when there is none), for the VTIMEZONE.
func (c *Calendar) span() (from, to time.Time) {
	from, to = c.Stamp, c.Stamp
	for i, e := range c.Events {
		if i == 0 || e.Start.Before(from) {
			from = e.Start
		}
		if i == 0 || e.End.After(to) {
			to = e.End
		}
	}
	return from, to
}

func (c *Calendar) writeEvent(w *writer, e *Event) {
	zone := c.Location.String()
	w.line("BEGIN", "VEVENT")
	w.line("UID", escapeText(e.UID))
	w.line("DTSTAMP", utcStamp(c.Stamp))
	w.line("DTSTART;TZID="+zone, localStamp(e.Start.In(c.Location)))
	w.line("DTEND;TZID="+zone, localStamp(e.End.In(c.Location)))
	w.line("SEQUENCE", strconv.Itoa(e.Sequence))
	if e.Status != "" {
		w.line("STATUS", string(e.Status))
	}
	w.line("SUMMARY", escapeText(e.Summary))
	if e.Location != "" {
		w.line("LOCATION", escapeText(e.Location))
	}
	if e.Description != "" {
		w.line("DESCRIPTION", escapeText(e.Description))
	}
	if e.URL != "" {
		w.line("URL;VALUE=URI", e.URL)
	}
	if e.Organizer != "" {
		name := ""
		if e.OrganizerName != "" {
			name = ";CN=" + quoteParam(e.OrganizerName)
		}
		w.line("ORGANIZER"+name, "mailto:"+e.Organizer)
	}
	if e.Attendee != "" {
		name := ""
		if e.AttendeeName != "" {
			name = ";CN=" + quoteParam(e.AttendeeName)
		}
		w.line("ATTENDEE"+name+";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED", "mailto:"+e.Attendee)
	}
	if !e.Created.IsZero() {
		w.line("CREATED", utcStamp(e.Created))
	}
	if !e.Modified.IsZero() {
		w.line("LAST-MODIFIED", utcStamp(e.Modified))
	}
	// A visit the customer has to come to: show the time as busy.
	w.line("TRANSP", "OPAQUE")
	w.line("END", "VEVENT")
}

func utcStamp(t time.Time) string   { return t.UTC().Format("20060102T150405Z") }
func localStamp(t time.Time) string { return t.Format("20060102T150405") }

// escapeText escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines.
func escapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if ch < 0x20 && ch != '\t' || ch == 0x7f {
				continue // control characters are not allowed in TEXT
			}
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// quoteParam is a parameter value: quoted, without the characters a quoted value may not hold.
func quoteParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}

type writer struct{ b strings.Builder }

func (w *writer) line(name, value string) { w.raw(name + ":" + value) }

// raw writes one content line folded at 75 octets: a longer line continues on lines that start
// with one space (which counts within their 75), and a UTF-8 sequence is never split.
func (w *writer) raw(l string) {
	const limit = 75
	first := true
	for len(l) > 0 {
		room := limit
		if !first {
			room-- // the leading space
			w.b.WriteByte(' ')
		}
		cut := len(l)
		if cut > room {
			cut = room
			for cut > 0 && !utf8.RuneStart(l[cut]) {
				cut--
			}
			if cut == 0 { // not UTF-8: cut by octets
				cut = room
			}
		}
		w.b.WriteString(l[:cut])
		w.b.WriteString("\r\n")
		l = l[cut:]
		first = false
	}
}

func (w *writer) Bytes() []byte { return []byte(w.b.String()) }
