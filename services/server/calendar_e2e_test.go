package server_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/slotpay/slotpay/services/ratelimit"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// Calendar feeds and files end to end: what a subscribed Google/Outlook/Apple calendar and a
// customer's download receive, parsed by a real iCalendar library.

// otherBusiness is a second business on b's server, set up like newBookingEnv's.
func otherBusiness(t *testing.T, b *bookingEnv, slug string) *bookingEnv {
	t.Helper()
	ob := &bookingEnv{Env: b.Env, clock: b.clock, owner: b.SignUp(slug)}
	b.Must(ob.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	ob.service = ob.createService(t, nil)
	ob.staff = ob.createStaff(t, "Ola", ob.service)
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "09:00", "end": "17:00"})
	}
	b.Must(ob.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": ob.staff, "w": week}, nil)
	return ob
}

// bookAt books local (Warsaw) time start for email.
func (b *bookingEnv) bookAt(t *testing.T, start time.Time, email string) createdReservation {
	t.Helper()
	in := b.reservationInput(start, "")
	// Customers are matched by e-mail, then phone: each test customer has their own phone.
	phones := map[string]string{"jan@example.com": "+48 600 100 200", "ola@example.com": "+48 600 100 201", "ewa@example.com": "+48 600 100 202"}
	customer := map[string]any{"name": "Jan Kowalski", "email": email}
	if phone, ok := phones[strings.ToLower(email)]; ok {
		customer["phone"] = phone
	}
	in["customer"] = customer
	var out struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": in}, &out)
	return out.CreateReservation
}

const issueFeedOp = `mutation($s: UUID) { issueCalendarFeed(staffMemberId: $s) { url feed { id staffMemberId createdAt } } }`

type issuedFeed struct {
	URL  string
	Feed struct {
		ID            string
		StaffMemberID *string
	}
}

func (b *bookingEnv) issueFeed(t *testing.T, token string, staff *string) issuedFeed {
	t.Helper()
	var out struct{ IssueCalendarFeed issuedFeed }
	vars := map[string]any{"s": nil}
	if staff != nil {
		vars["s"] = *staff
	}
	b.Must(token, issueFeedOp, vars, &out)
	return out.IssueCalendarFeed
}

type fetched struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, url string, header map[string]string) fetched {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fetched{status: resp.StatusCode, header: resp.Header, body: body}
}

func parseICS(t *testing.T, body []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("golang-ical refuses it: %v\n%s", err, body)
	}
	return cal
}

func eventsByUID(cal *ics.Calendar) map[string]*ics.VEvent {
	out := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		out[e.Id()] = e
	}
	return out
}

func prop(c interface {
	GetProperty(ics.ComponentProperty) *ics.IANAProperty
}, p ics.ComponentProperty) string {
	if v := c.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// TestCalendarFeedFollowsTheBusiness: a staff member's feed lists their visits at the business's
// local time across the spring DST change (TZID and VTIMEZONE), answers 304 to its ETag, drops a
// cancelled visit, moves a rescheduled one with SEQUENCE 1, shows nothing of another business, and
// answers 404 once rotated or revoked; a STAFF member gets only their own feed.
func TestCalendarFeedFollowsTheBusiness(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cal-feed", nil)
	ob := otherBusiness(t, b, "cal-feed-other")
	before := b.bookAt(t, time.Date(2026, 3, 27, 10, 0, 0, 0, warsaw), "jan@example.com") // CET, 09:00Z
	after := b.bookAt(t, time.Date(2026, 3, 30, 10, 0, 0, 0, warsaw), "ola@example.com")  // CEST, 08:00Z
	cancelled := b.bookAt(t, time.Date(2026, 3, 31, 11, 0, 0, 0, warsaw), "ewa@example.com")
	theirs := ob.bookAt(t, time.Date(2026, 3, 27, 10, 0, 0, 0, warsaw), "jan@example.com")
	b.Must(cancelled.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": cancelled.Reservation.ID}, nil)

	feed := b.issueFeed(t, b.owner.AccessToken, &b.staff)
	if !strings.HasPrefix(feed.URL, b.URL+"/calendar/") || !strings.HasSuffix(feed.URL, ".ics") || feed.Feed.StaffMemberID == nil || *feed.Feed.StaffMemberID != b.staff {
		t.Fatalf("issued %+v", feed)
	}
	got := fetch(t, feed.URL, nil)
	if got.status != 200 || got.header.Get("Content-Type") != "text/calendar; charset=utf-8" || got.header.Get("ETag") == "" || got.header.Get("Cache-Control") == "" {
		t.Fatalf("feed: %d %v\n%s", got.status, got.header, got.body)
	}
	cal := parseICS(t, got.body)
	if !strings.Contains(string(got.body), "\r\nMETHOD:PUBLISH\r\n") || !strings.Contains(string(got.body), "X-WR-CALNAME:Anna – Business cal-feed") ||
		!strings.Contains(string(got.body), "X-WR-TIMEZONE:Europe/Warsaw") || len(cal.Timezones()) != 1 {
		t.Fatalf("calendar properties:\n%s", got.body)
	}
	events := eventsByUID(cal)
	host := strings.TrimPrefix(b.URL, "http://")
	host = host[:strings.LastIndexByte(host, ':')]
	for _, c := range []struct {
		r     createdReservation
		local string
		utc   time.Time
	}{
		{before, "20260327T100000", time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)},
		{after, "20260330T100000", time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC)},
	} {
		e := events[c.r.Reservation.ID+"@"+host]
		if e == nil {
			t.Fatalf("no event %s@%s in\n%s", c.r.Reservation.ID, host, got.body)
		}
		dt := e.GetProperty(ics.ComponentPropertyDtStart)
		start, err := e.GetStartAt()
		if dt.Value != c.local || dt.ICalParameters["TZID"][0] != "Europe/Warsaw" || err != nil || !start.Equal(c.utc) {
			t.Errorf("DTSTART %v %v → %v (%v), want %s local = %v", dt.Value, dt.ICalParameters, start, err, c.local, c.utc)
		}
		if prop(e, ics.ComponentPropertySequence) != "0" || prop(e, ics.ComponentPropertyStatus) != "CONFIRMED" ||
			!strings.HasPrefix(ics.FromText(prop(e, ics.ComponentPropertySummary)), "Haircut – Jan Kowalski") {
			t.Errorf("event %s: seq %s status %s summary %q", c.r.Reservation.ID, prop(e, ics.ComponentPropertySequence),
				prop(e, ics.ComponentPropertyStatus), prop(e, ics.ComponentPropertySummary))
		}
	}
	if len(events) != 2 || strings.Contains(string(got.body), cancelled.Reservation.ID) || strings.Contains(string(got.body), theirs.Reservation.ID) {
		t.Fatalf("the feed holds %d events (a cancelled or another business's visit?)\n%s", len(events), got.body)
	}
	if again := fetch(t, feed.URL, map[string]string{"If-None-Match": got.header.Get("ETag")}); again.status != http.StatusNotModified || len(again.body) != 0 {
		t.Fatalf("conditional GET: %d", again.status)
	}

	// A reschedule: same UID, the new time, SEQUENCE 1; the ETag changes.
	moved := time.Date(2026, 3, 30, 14, 0, 0, 0, warsaw)
	b.reschedule(t, b.owner.AccessToken, after.Reservation.ID, at(moved))
	got2 := fetch(t, feed.URL, map[string]string{"If-None-Match": got.header.Get("ETag")})
	if got2.status != 200 {
		t.Fatalf("after the reschedule: %d", got2.status)
	}
	e := eventsByUID(parseICS(t, got2.body))[after.Reservation.ID+"@"+host]
	if start, _ := e.GetStartAt(); !start.Equal(moved) || prop(e, ics.ComponentPropertySequence) != "1" ||
		e.GetProperty(ics.ComponentPropertyDtStart).Value != "20260330T140000" {
		t.Fatalf("rescheduled event: %v seq %s", start, prop(e, ics.ComponentPropertySequence))
	}
	if n := b.Count(`SELECT calendar_sequence FROM reservations WHERE id = $1`, after.Reservation.ID); n != 1 {
		t.Fatalf("calendar_sequence %d", n)
	}

	// The business's feed has every staff member's visits; the other business's its own only.
	biz := b.issueFeed(t, b.owner.AccessToken, nil)
	if n := len(parseICS(t, fetch(t, biz.URL, nil).body).Events()); n != 2 {
		t.Fatalf("business feed: %d events", n)
	}
	otherFeed := ob.issueFeed(t, ob.owner.AccessToken, nil)
	if body := fetch(t, otherFeed.URL, nil).body; !strings.Contains(string(body), theirs.Reservation.ID) || strings.Contains(string(body), before.Reservation.ID) {
		t.Fatalf("other business's feed:\n%s", body)
	}
	// Another business's staff member is not found; its feed cannot be revoked from here.
	b.MustFail(b.owner.AccessToken, issueFeedOp, map[string]any{"s": ob.staff}, "NOT_FOUND")
	b.MustFail(b.owner.AccessToken, `mutation($id: UUID!) { revokeCalendarFeed(id: $id) { id } }`, map[string]any{"id": otherFeed.Feed.ID}, "NOT_FOUND")

	// Rotation: the old URL is dead, the new one works.
	rotated := b.issueFeed(t, b.owner.AccessToken, &b.staff)
	if got := fetch(t, feed.URL, nil); got.status != 404 {
		t.Fatalf("rotated-away URL: %d", got.status)
	}
	if got := fetch(t, rotated.URL, nil); got.status != 200 {
		t.Fatalf("rotated URL: %d", got.status)
	}
	var listed struct{ CalendarFeeds []struct{ ID string } }
	b.Must(b.owner.AccessToken, `{ calendarFeeds { id staffMemberId createdAt } }`, nil, &listed)
	if len(listed.CalendarFeeds) != 2 {
		t.Fatalf("live feeds %+v", listed)
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { revokeCalendarFeed(id: $id) { id } }`, map[string]any{"id": rotated.Feed.ID}, nil)
	if got := fetch(t, rotated.URL, nil); got.status != 404 {
		t.Fatalf("revoked URL: %d", got.status)
	}
	if got := fetch(t, b.URL+"/calendar/"+strings.Repeat("x", 43)+".ics", nil); got.status != 404 {
		t.Fatalf("made-up URL: %d", got.status)
	}

	// A STAFF member: their own staff member's feed only, and only theirs listed.
	m := b.join(t, "anna@cal-feed.example.com", "STAFF")
	b.MustFail(m.AccessToken, issueFeedOp, map[string]any{"s": b.staff}, "FORBIDDEN")
	b.MustFail(m.AccessToken, issueFeedOp, map[string]any{"s": nil}, "FORBIDDEN")
	b.Must(b.owner.AccessToken, `mutation($id: UUID!, $u: UUID!) { updateStaffMember(id: $id, input: {userId: $u}) { id } }`,
		map[string]any{"id": b.staff, "u": m.UserID}, nil)
	own := b.issueFeed(t, m.AccessToken, &b.staff)
	if got := fetch(t, own.URL, nil); got.status != 200 {
		t.Fatalf("staff member's own feed: %d", got.status)
	}
	b.Must(m.AccessToken, `{ calendarFeeds { id } }`, nil, &listed)
	if len(listed.CalendarFeeds) != 1 || listed.CalendarFeeds[0].ID != own.Feed.ID {
		t.Fatalf("a STAFF member lists %+v", listed)
	}
	b.MustFail(before.CustomerAccessToken, `{ calendarFeeds { id } }`, nil, "FORBIDDEN")
}

// TestReservationCalendarFile: a customer token downloads its visit (a link with ?token=) with the
// manage link, never another's; staff get the staff view; a cancelled visit is STATUS:CANCELLED.
func TestReservationCalendarFile(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cal-file", nil)
	b.Must(b.owner.AccessToken, `mutation { updateTenant(input: {addressLine1: "ul. Długa 5", city: "Kraków", postalCode: "31-147", contactEmail: "salon@cal-file.example.com"}) { id } }`, nil, nil)
	mine := b.bookAt(t, time.Date(2026, 10, 26, 10, 0, 0, 0, warsaw), "jan@example.com") // after fall back: CET
	other := b.bookAt(t, time.Date(2026, 10, 23, 10, 0, 0, 0, warsaw), "ola@example.com")

	var out struct {
		Reservation struct{ CalendarFile, CalendarFileURL string }
	}
	b.Must(mine.CustomerAccessToken, `query($id: UUID!) { reservation(id: $id) { calendarFile calendarFileUrl } }`, map[string]any{"id": mine.Reservation.ID}, &out)
	if out.Reservation.CalendarFileURL != b.URL+"/calendar/reservations/"+mine.Reservation.ID+".ics" {
		t.Fatalf("url %q", out.Reservation.CalendarFileURL)
	}
	e := parseICS(t, []byte(out.Reservation.CalendarFile)).Events()[0]
	if start, _ := e.GetStartAt(); !start.Equal(time.Date(2026, 10, 26, 9, 0, 0, 0, time.UTC)) ||
		ics.FromText(prop(e, ics.ComponentPropertyLocation)) != "ul. Długa 5, 31-147 Kraków" ||
		ics.FromText(prop(e, ics.ComponentPropertySummary)) != "Haircut – Business cal-file" {
		t.Fatalf("customer's file:\n%s", out.Reservation.CalendarFile)
	}

	link := fetch(t, out.Reservation.CalendarFileURL+"?token="+mine.CustomerAccessToken, nil)
	if link.status != 200 || link.header.Get("Content-Type") != "text/calendar; charset=utf-8" ||
		!strings.Contains(link.header.Get("Content-Disposition"), "reservation-"+mine.Reservation.ID+".ics") {
		t.Fatalf("download: %d %v", link.status, link.header)
	}
	e = parseICS(t, link.body).Events()[0]
	manage := b.URL + "/b/cal-file/r/" + mine.Reservation.ID + "#token="
	if !strings.HasPrefix(prop(e, ics.ComponentPropertyUrl), manage) || !strings.Contains(ics.FromText(prop(e, ics.ComponentPropertyDescription)), manage) {
		t.Fatalf("manage link missing:\n%s", link.body)
	}
	if strings.Contains(string(link.body), "+48 600") {
		t.Fatal("the customer's file carries the staff view")
	}
	// Another reservation with this token, no token, a bad token: nothing.
	for _, c := range []struct {
		url  string
		want int
	}{
		{b.URL + "/calendar/reservations/" + other.Reservation.ID + ".ics?token=" + mine.CustomerAccessToken, 404},
		{out.Reservation.CalendarFileURL, 401},
		{out.Reservation.CalendarFileURL + "?token=forged", 401},
	} {
		if got := fetch(t, c.url, nil); got.status != c.want {
			t.Errorf("GET %s: %d, want %d", c.url, got.status, c.want)
		}
	}
	// Staff: the staff view, with the customer's contact.
	staff := fetch(t, out.Reservation.CalendarFileURL, map[string]string{"Authorization": "Bearer " + b.owner.AccessToken})
	if staff.status != 200 || !strings.Contains(ics.FromText(prop(parseICS(t, staff.body).Events()[0], ics.ComponentPropertyDescription)), "+48 600 100 200") {
		t.Fatalf("staff file: %d\n%s", staff.status, staff.body)
	}
	b.Must(mine.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": mine.Reservation.ID}, nil)
	b.Must(mine.CustomerAccessToken, `query($id: UUID!) { reservation(id: $id) { calendarFile } }`, map[string]any{"id": mine.Reservation.ID}, &out)
	if e := parseICS(t, []byte(out.Reservation.CalendarFile)).Events()[0]; prop(e, ics.ComponentPropertyStatus) != "CANCELLED" {
		t.Fatalf("cancelled visit:\n%s", out.Reservation.CalendarFile)
	}
}

// TestCalendarFeedRateLimited: a feed's URL answers 429 with Retry-After past its limit, and
// nothing about the token reaches the access log.
func TestCalendarFeedRateLimited(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.CalendarFeed = ratelimit.Limit{N: 2, Per: time.Hour}
	b := newBookingEnv(t, "cal-limit", nil, servertest.WithRateLimits(limits))
	feed := b.issueFeed(t, b.owner.AccessToken, nil)
	for i := 0; i < 2; i++ {
		if got := fetch(t, feed.URL, nil); got.status != 200 {
			t.Fatalf("fetch %d: %d", i, got.status)
		}
	}
	got := fetch(t, feed.URL, nil)
	if got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") == "" {
		t.Fatalf("third fetch: %d %v", got.status, got.header)
	}
	secret := strings.TrimSuffix(strings.TrimPrefix(feed.URL, b.URL+"/calendar/"), ".ics")
	if strings.Contains(b.Logs.String(), secret) {
		t.Fatal("the feed's token reached the log")
	}
}
