package server_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/slotpay/slotpay/services/mail/mailtest"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// The calendar and "my bookings" through the real outbox and a real SMTP catcher (Mailpit).

// icsOf reads the calendar file attached to Mailpit message id.
func icsOf(t *testing.T, pit *mailtest.Mailpit, id string) (*ics.VEvent, string, string) {
	t.Helper()
	msg := pit.Message(id)
	for _, a := range msg.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			body := pit.Part(id, a.PartID)
			cal := parseICS(t, body)
			if len(cal.Events()) != 1 {
				t.Fatalf("%d events in\n%s", len(cal.Events()), body)
			}
			// The part's own Content-Type header, with its method parameter.
			ct := regexp.MustCompile(`(?i)content-type: (text/calendar[^\r\n]*)`).FindStringSubmatch(pit.Raw(id))
			if ct == nil {
				t.Fatalf("no text/calendar part header in the raw message")
			}
			return cal.Events()[0], strings.ToLower(ct[1]), string(body)
		}
	}
	t.Fatalf("no calendar file in %q (%+v)", msg.Subject, msg.Attachments)
	return nil, "", ""
}

// TestVisitMailsCarryTheCalendarFile: the confirmation carries the visit as METHOD:REQUEST at its
// local time across the DST change, with the manage link; the reschedule's file has the same UID
// and SEQUENCE 1 at the new time; the cancellation's is METHOD:CANCEL, STATUS:CANCELLED.
func TestVisitMailsCarryTheCalendarFile(t *testing.T) {
	pit := mailtest.Start(t)
	b := newBookingEnv(t, "cal-mail", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort))
	b.Must(b.owner.AccessToken, `mutation { updateTenant(input: {contactEmail: "salon@cal-mail.example.com", addressLine1: "ul. Długa 5", city: "Kraków"}) { id } }`, nil, nil)
	r := b.bookAt(t, time.Date(2026, 3, 30, 10, 0, 0, 0, warsaw), "jan@example.com") // CEST: 08:00Z

	got := pit.WaitFor(`to:"jan@example.com" subject:"Rezerwacja potwierdzona"`, 1, 15*time.Second)
	e, contentType, body := icsOf(t, pit, got[0].ID)
	start, _ := e.GetStartAt()
	if !strings.Contains(contentType, "method=request") || !strings.Contains(body, "\r\nMETHOD:REQUEST\r\n") ||
		e.GetProperty(ics.ComponentPropertyDtStart).Value != "20260330T100000" || !start.Equal(time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC)) ||
		prop(e, ics.ComponentPropertySequence) != "0" || !strings.HasPrefix(e.Id(), r.Reservation.ID+"@") ||
		prop(e, ics.ComponentPropertyOrganizer) != "mailto:salon@cal-mail.example.com" ||
		!strings.Contains(prop(e, ics.ComponentPropertyAttendee), "mailto:jan@example.com") ||
		!strings.Contains(prop(e, ics.ComponentPropertyUrl), "/b/cal-mail/r/"+r.Reservation.ID+"#token=") {
		t.Fatalf("confirmation's file (%s):\n%s", contentType, body)
	}
	uid := e.Id()

	b.reschedule(t, r.CustomerAccessToken, r.Reservation.ID, at(time.Date(2026, 3, 31, 12, 0, 0, 0, warsaw)))
	got = pit.WaitFor(`to:"jan@example.com" subject:"Zmiana terminu"`, 1, 15*time.Second)
	e, contentType, body = icsOf(t, pit, got[0].ID)
	if start, _ := e.GetStartAt(); e.Id() != uid || prop(e, ics.ComponentPropertySequence) != "1" || !start.Equal(time.Date(2026, 3, 31, 10, 0, 0, 0, time.UTC)) ||
		!strings.Contains(contentType, "method=request") {
		t.Fatalf("reschedule's file (%s):\n%s", contentType, body)
	}

	b.Must(r.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": r.Reservation.ID}, nil)
	got = pit.WaitFor(`to:"jan@example.com" subject:"Wizyta odwołana"`, 1, 15*time.Second)
	e, contentType, body = icsOf(t, pit, got[0].ID)
	if e.Id() != uid || prop(e, ics.ComponentPropertyStatus) != "CANCELLED" || prop(e, ics.ComponentPropertySequence) != "1" ||
		!strings.Contains(body, "\r\nMETHOD:CANCEL\r\n") || !strings.Contains(contentType, "method=cancel") {
		t.Fatalf("cancellation's file (%s):\n%s", contentType, body)
	}
	// Staff notices carry no customer calendar file.
	for _, s := range pit.Search(`to:"` + b.owner.Email + `"`) {
		if s.Attachments != 0 {
			t.Fatalf("a staff notice with an attachment: %q", s.Subject)
		}
	}
}

var linkToken = regexp.MustCompile(`/b/[a-z0-9-]+/my-bookings#token=([A-Za-z0-9_-]+)`)

// TestMyBookingsLinkArrivesByEmail: asking for a link sends one e-mail to a known customer (none to
// an unknown address, with the same answer), whose link opens the session once; the message's
// stored data (the link) is emptied once it is sent.
func TestMyBookingsLinkArrivesByEmail(t *testing.T) {
	pit := mailtest.Start(t)
	b := newBookingEnv(t, "mine-mail", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort))
	r := b.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")
	b.Must("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": "Jan@Example.com"}, nil)
	b.Must("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": "nobody@example.com"}, nil)

	got := pit.WaitFor(`to:"jan@example.com" subject:"Twoje rezerwacje"`, 1, 15*time.Second)
	msg := pit.Message(got[0].ID)
	m := linkToken.FindStringSubmatch(msg.Text)
	if m == nil || !strings.Contains(msg.Text, "15 minut") || msg.Subject != "Twoje rezerwacje w Business mine-mail" {
		t.Fatalf("link e-mail %q:\n%s", msg.Subject, msg.Text)
	}
	session := b.redeem(t, m[1])
	var page myBookingsPage
	b.Must(session, myBookingsOp, nil, &page)
	if len(page.MyBookings.Edges) != 1 || page.MyBookings.Edges[0].Node.ID != r.Reservation.ID {
		t.Fatalf("my bookings %+v", page)
	}
	b.MustFail("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": m[1]}, "UNAUTHENTICATED")

	time.Sleep(300 * time.Millisecond) // a message to the unknown address would have arrived by now
	if n := len(pit.Search(`to:"nobody@example.com"`)); n != 0 {
		t.Fatalf("%d e-mails to an unknown address", n)
	}
	if n := len(pit.Search(`subject:"Twoje rezerwacje"`)); n != 1 {
		t.Fatalf("%d link e-mails, want 1", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.Count(`SELECT count(*) FROM messages WHERE kind = 'MY_BOOKINGS_LINK' AND data::text LIKE '%token%'`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sent link is still stored in the message")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
