package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// bookingClock is the controllable clock of a booking test server.
type bookingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *bookingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *bookingClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// bookingEnv is a business with one service and one staff member working 09:00-17:00 every day.
type bookingEnv struct {
	*servertest.Env
	clock   *bookingClock
	owner   servertest.Owner
	service string
	staff   string
}

var (
	warsaw, _   = time.LoadLocation("Europe/Warsaw")
	bookingTime = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // a Monday, before both DST changes
)

const createReservationOp = `mutation($in: CreateReservationInput!) { createReservation(input: $in) {
	customerAccessToken reservation { id status paymentStatus startsAt endsAt holdExpiresAt price { amount currency } } } }`

func newBookingEnv(t testing.TB, slug string, service map[string]any, opts ...servertest.Option) *bookingEnv {
	t.Helper()
	clock := &bookingClock{t: bookingTime}
	env := servertest.New(t, append([]servertest.Option{servertest.WithClock(clock.Now), func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval = time.Hour // tests drive expiry themselves
	}}, opts...)...)
	b := &bookingEnv{Env: env, clock: clock, owner: env.SignUp(slug)}
	env.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	b.service = b.createService(t, service)
	b.staff = b.createStaff(t, "Anna", b.service)
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "09:00", "end": "17:00"})
	}
	env.Must(b.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": b.staff, "w": week}, nil)
	return b
}

func (b *bookingEnv) createService(t testing.TB, in map[string]any) string {
	t.Helper()
	input := map[string]any{"name": "Haircut", "durationMinutes": 60, "priceAmount": 10000}
	for k, v := range in {
		input[k] = v
	}
	var out struct{ CreateService struct{ ID string } }
	b.Must(b.owner.AccessToken, `mutation($in: ServiceInput!) { createService(input: $in) { id } }`, map[string]any{"in": input}, &out)
	return out.CreateService.ID
}

func (b *bookingEnv) createStaff(t testing.TB, name string, services ...string) string {
	t.Helper()
	var out struct{ CreateStaffMember struct{ ID string } }
	b.Must(b.owner.AccessToken, `mutation($in: StaffMemberInput!) { createStaffMember(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "serviceIds": services}}, &out)
	return out.CreateStaffMember.ID
}

// reservationInput is a public booking of the env's service with its staff member.
func (b *bookingEnv) reservationInput(start time.Time, key string) map[string]any {
	in := map[string]any{
		"tenantSlug": b.owner.Slug, "serviceId": b.service, "staffMemberId": b.staff,
		"startsAt": start.UTC().Format(time.RFC3339),
		"customer": map[string]any{"name": "Jan Kowalski", "email": "jan@example.com", "phone": "+48 600 100 200"},
	}
	if key != "" {
		in["idempotencyKey"] = key
	}
	return in
}

type createdReservation struct {
	CustomerAccessToken string
	Reservation         struct {
		ID            string
		Status        string
		PaymentStatus string
		StartsAt      time.Time
		HoldExpiresAt *time.Time
	}
}

// post is servertest.Env.Do that is safe to call from many goroutines (no t.Fatal).
func (b *bookingEnv) post(token, query string, vars map[string]any) (servertest.Response, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, b.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return servertest.Response{}, err
	}
	defer resp.Body.Close()
	var out servertest.Response
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// createConcurrently sends every input at once and returns the ids created and the error codes.
func (b *bookingEnv) createConcurrently(t *testing.T, inputs []map[string]any) (ids []string, codes map[string]int) {
	t.Helper()
	var mu sync.Mutex
	codes = map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, in := range inputs {
		wg.Go(func() {
			<-start
			r, err := b.post("", createReservationOp, map[string]any{"in": in})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				codes["transport: "+err.Error()]++
			case len(r.Errors) > 0:
				codes[r.Errors[0].Code()]++
			default:
				var out struct{ CreateReservation createdReservation }
				if err := json.Unmarshal(r.Data, &out); err != nil {
					codes["decode"]++
					return
				}
				ids = append(ids, out.CreateReservation.Reservation.ID)
			}
		})
	}
	close(start)
	wg.Wait()
	return ids, codes
}

func TestFiftyConcurrentBookingsOfOneSlot(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "race-one", nil)
	slot := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	inputs := make([]map[string]any, 50)
	for i := range inputs {
		inputs[i] = b.reservationInput(slot, fmt.Sprintf("key-%d", i)) // distinct keys: 50 different customers
	}
	ids, codes := b.createConcurrently(t, inputs)
	if len(ids) != 1 || codes["SLOT_UNAVAILABLE"] != 49 || len(codes) != 1 {
		t.Fatalf("created %d, errors %v; want 1 and 49 SLOT_UNAVAILABLE", len(ids), codes)
	}
	if n := b.Count(`SELECT count(*) FROM reservations`); n != 1 {
		t.Fatalf("%d reservations in the database", n)
	}
	// Touching ranges are allowed: the slots right before and right after, at once.
	ids, codes = b.createConcurrently(t, []map[string]any{
		b.reservationInput(slot.Add(-time.Hour), "before"), b.reservationInput(slot.Add(time.Hour), "after"),
	})
	if len(ids) != 2 || len(codes) != 0 {
		t.Fatalf("back-to-back: created %d, errors %v", len(ids), codes)
	}
	// An overlap by a quarter of an hour is refused.
	b.MustFail("", createReservationOp, map[string]any{"in": b.reservationInput(slot.Add(75*time.Minute), "")}, "SLOT_UNAVAILABLE")
	if n := b.Count(`SELECT count(*) FROM reservations`); n != 3 {
		t.Fatalf("%d reservations in the database, want 3", n)
	}
}

func TestGroupClassCapacityUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "race-group", map[string]any{"name": "Yoga", "capacity": 3})
	slot := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	inputs := make([]map[string]any, 20)
	for i := range inputs {
		inputs[i] = b.reservationInput(slot, "")
	}
	ids, codes := b.createConcurrently(t, inputs)
	if len(ids) != 3 || codes["SLOT_UNAVAILABLE"] != 17 {
		t.Fatalf("created %d, errors %v; want 3 and 17 SLOT_UNAVAILABLE", len(ids), codes)
	}
	if n := b.Count(`SELECT count(*) FROM reservations`); n != 3 {
		t.Fatalf("%d reservations in the database", n)
	}
	if n := b.Count(`SELECT seats_taken FROM occupations`); n != 3 {
		t.Fatalf("seats taken %d", n)
	}
	// The full class is gone from availability; a cancellation brings one seat back.
	seats := func() int {
		var out availabilityResult
		b.Must("", availabilityOp, map[string]any{"slug": b.owner.Slug, "service": b.service, "from": "2026-03-04", "to": "2026-03-04"}, &out)
		for _, s := range out.Availability.Days[0].Slots {
			if s.StartsAt.Equal(slot) {
				return s.Staff[0].SeatsLeft
			}
		}
		return 0
	}
	if n := seats(); n != 0 {
		t.Fatalf("full class shows %d seats", n)
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "ill") { status } }`, map[string]any{"id": ids[0]}, nil)
	if n := seats(); n != 1 {
		t.Fatalf("after a cancellation: %d seats", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "idem", nil)
	slot := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	var first, again struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(slot, "k-1")}, &first)
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(slot, "k-1")}, &again)
	if first.CreateReservation.Reservation.ID != again.CreateReservation.Reservation.ID || again.CreateReservation.CustomerAccessToken == "" {
		t.Fatalf("a retry returned %+v, want %+v", again, first)
	}
	// The same key with different content is a conflict, and writes nothing.
	changed := b.reservationInput(slot.Add(time.Hour), "k-1")
	if e := b.MustFail("", createReservationOp, map[string]any{"in": changed}, "CONFLICT"); e.Field() != "input.idempotencyKey" {
		t.Fatalf("field %q", e.Field())
	}
	// Ten concurrent requests with one new key: one reservation, returned to all of them.
	inputs := make([]map[string]any, 10)
	for i := range inputs {
		inputs[i] = b.reservationInput(slot.Add(2*time.Hour), "k-2")
	}
	ids, codes := b.createConcurrently(t, inputs)
	if len(ids) != 10 || len(codes) != 0 {
		t.Fatalf("concurrent retries: %d ok, errors %v", len(ids), codes)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent retries returned different reservations: %v", ids)
		}
	}
	if n := b.Count(`SELECT count(*) FROM reservations`); n != 2 {
		t.Fatalf("%d reservations, want 2", n)
	}
}

const availabilityOp = `query($slug: String!, $service: UUID!, $from: Date!, $to: Date!, $staff: UUID, $tz: String) {
	availability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to, staffMemberId: $staff, timeZone: $tz) {
		timeZone days { date slots { startsAt localStart staff { seatsLeft staffMember { id name } } } } } }`

type availabilityResult struct {
	Availability struct {
		TimeZone string
		Days     []struct {
			Date  string
			Slots []struct {
				StartsAt   time.Time
				LocalStart string
				Staff      []struct {
					SeatsLeft   int
					StaffMember struct{ ID, Name string }
				}
			}
		}
	}
}

func (a availabilityResult) locals(day int) []string {
	var out []string
	for _, s := range a.Availability.Days[day].Slots {
		out = append(out, s.LocalStart)
	}
	return out
}

func TestAvailabilityAcrossDaylightSavingAndZones(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "dst", nil)
	// A night worker whose only hours are 01:00-04:00 local on the two change days.
	night := b.createStaff(t, "Night", b.service)
	for _, d := range []string{"2026-03-29", "2026-10-25"} {
		b.Must(b.owner.AccessToken, `mutation($id: UUID!, $d: Date!) { setScheduleException(staffMemberId: $id, date: $d, intervals: [{start: "01:00", end: "04:00"}]) { date } }`,
			map[string]any{"id": night, "d": d}, nil)
	}
	query := func(staff, from, to, tz string) availabilityResult {
		t.Helper()
		vars := map[string]any{"slug": b.owner.Slug, "service": b.service, "from": from, "to": to}
		if staff != "" {
			vars["staff"] = staff
		}
		if tz != "" {
			vars["tz"] = tz
		}
		var out availabilityResult
		b.Must("", availabilityOp, vars, &out)
		return out
	}
	{ // day staff keep wall-clock hours on both change days
		for _, c := range []struct {
			date      string
			firstUTC  time.Time
			lastLocal string
		}{
			{"2026-03-28", time.Date(2026, 3, 28, 8, 0, 0, 0, time.UTC), "16:00"},  // CET, UTC+1
			{"2026-03-29", time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC), "16:00"},  // CEST from 02:00
			{"2026-10-25", time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), "16:00"}, // CET again from 03:00
		} {
			got := query(b.staff, c.date, c.date, "")
			slots := got.Availability.Days[0].Slots
			if len(slots) != 29 || !slots[0].StartsAt.Equal(c.firstUTC) || slots[0].LocalStart != "09:00" || slots[28].LocalStart != c.lastLocal {
				t.Fatalf("%s: %d slots, first %v %s, last %s", c.date, len(slots), slots[0].StartsAt, slots[0].LocalStart, slots[len(slots)-1].LocalStart)
			}
		}
	}
	{ // spring forward: 01:00-04:00 is two real hours
		got := query(night, "2026-03-29", "2026-03-29", "").locals(0)
		want := []string{"01:00", "01:15", "01:30", "01:45", "03:00"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	{ // fall back: 01:00-04:00 is four real hours, 02:xx twice
		got := query(night, "2026-10-25", "2026-10-25", "")
		want := []string{"01:00", "01:15", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45", "02:00", "02:15", "02:30", "02:45", "03:00"}
		if fmt.Sprint(got.locals(0)) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got.locals(0), want)
		}
		if first := got.Availability.Days[0].Slots[0].StartsAt; !first.Equal(time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC)) {
			t.Fatalf("first slot at %v", first)
		}
	}
	{ // a customer in New York sees the same instants on their own calendar
		got := query(b.staff, "2026-03-29", "2026-03-29", "America/New_York")
		slots := got.Availability.Days[0].Slots
		if got.Availability.TimeZone != "America/New_York" || len(slots) != 29 ||
			!slots[0].StartsAt.Equal(time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC)) || slots[0].LocalStart != "03:00" {
			t.Fatalf("New York: zone %s, %d slots, first %v %s", got.Availability.TimeZone, len(slots), slots[0].StartsAt, slots[0].LocalStart)
		}
	}
	{ // any staff member is the union with who is free
		got := query("", "2026-03-29", "2026-03-29", "")
		slots := got.Availability.Days[0].Slots
		if len(slots) != 5+29 || len(slots[0].Staff) != 1 || slots[0].Staff[0].StaffMember.Name != "Night" ||
			slots[5].Staff[0].StaffMember.Name != "Anna" {
			t.Fatalf("union: %d slots, first staff %+v", len(slots), slots[0].Staff)
		}
	}
	{ // bad zone and range
		vars := map[string]any{"slug": b.owner.Slug, "service": b.service, "from": "2026-03-29", "to": "2026-03-29", "tz": "Mars/Olympus"}
		if e := b.MustFail("", availabilityOp, vars, "BAD_USER_INPUT"); e.Field() != "timeZone" {
			t.Fatalf("field %q", e.Field())
		}
		vars = map[string]any{"slug": b.owner.Slug, "service": b.service, "from": "2026-03-29", "to": "2026-03-01"}
		if e := b.MustFail("", availabilityOp, vars, "BAD_USER_INPUT"); e.Field() != "to" {
			t.Fatalf("field %q", e.Field())
		}
	}
}

func TestHeldSlotReturnsWhenTheHoldExpires(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "hold", map[string]any{"paymentPolicy": "REQUIRED", "holdMinutes": 10})
	slot := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	var created struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(slot, "")}, &created)
	r := created.CreateReservation.Reservation
	if r.Status != "PENDING_PAYMENT" || r.PaymentStatus != "UNPAID" || r.HoldExpiresAt == nil || !r.HoldExpiresAt.Equal(bookingTime.Add(10*time.Minute)) {
		t.Fatalf("created %+v", r)
	}
	has := func() bool {
		var out availabilityResult
		b.Must("", availabilityOp, map[string]any{"slug": b.owner.Slug, "service": b.service, "from": "2026-03-04", "to": "2026-03-04"}, &out)
		for _, s := range out.Availability.Days[0].Slots {
			if s.StartsAt.Equal(slot) {
				return true
			}
		}
		return false
	}
	if has() {
		t.Fatal("a held slot is offered")
	}
	b.clock.Set(bookingTime.Add(10*time.Minute + time.Second))
	if !has() {
		t.Fatal("the slot did not come back when the hold ran out (before any worker ran)")
	}
	if n, err := b.Server.Booking.ExpireDueHolds(t.Context(), 100); err != nil || n != 1 {
		t.Fatalf("worker expired %d (%v)", n, err)
	}
	var got struct{ Reservation struct{ Status string } }
	b.Must(created.CreateReservation.CustomerAccessToken, `query($id: UUID!) { reservation(id: $id) { status } }`, map[string]any{"id": r.ID}, &got)
	if got.Reservation.Status != "EXPIRED" || !has() {
		t.Fatalf("after expiry: %s", got.Reservation.Status)
	}
}

func TestBadBookingInputWritesNothing(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "bad-input", nil)
	archived := b.createService(t, map[string]any{"name": "Old"})
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { archiveService(id: $id) { archivedAt } }`, map[string]any{"id": archived}, nil)
	other := b.createService(t, map[string]any{"name": "Massage"}) // Anna does not do massages
	b.Must(b.owner.AccessToken, `mutation($id: UUID!, $s: [UUID!]) { updateStaffMember(id: $id, input: {serviceIds: $s}) { id } }`,
		map[string]any{"id": b.staff, "s": []string{b.service, archived}}, nil)
	otherEnv := newBookingEnv(t, "bad-input-foreign", nil)
	slot := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	cases := []struct {
		name  string
		edit  func(map[string]any)
		code  string
		field string
	}{
		{"start in the past", func(in map[string]any) { in["startsAt"] = "2026-03-01T10:00:00Z" }, "BAD_USER_INPUT", "input.startsAt"},
		{"outside working hours", func(in map[string]any) {
			in["startsAt"] = time.Date(2026, 3, 4, 7, 0, 0, 0, warsaw).Format(time.RFC3339)
		}, "BAD_USER_INPUT", "input.startsAt"},
		{"ends after working hours", func(in map[string]any) {
			in["startsAt"] = time.Date(2026, 3, 4, 16, 30, 0, 0, warsaw).Format(time.RFC3339)
		}, "BAD_USER_INPUT", "input.startsAt"},
		{"not on the slot step", func(in map[string]any) { in["startsAt"] = slot.Add(5 * time.Minute).Format(time.RFC3339) }, "BAD_USER_INPUT", "input.startsAt"},
		{"unknown service", func(in map[string]any) { in["serviceId"] = uuid.NewString() }, "NOT_FOUND", "input.serviceId"},
		{"archived service", func(in map[string]any) { in["serviceId"] = archived }, "BAD_USER_INPUT", "input.serviceId"},
		{"staff member who does not perform it", func(in map[string]any) { in["serviceId"] = other }, "BAD_USER_INPUT", "input.staffMemberId"},
		{"unknown staff member", func(in map[string]any) { in["staffMemberId"] = uuid.NewString() }, "NOT_FOUND", "input.staffMemberId"},
		{"malformed e-mail", func(in map[string]any) { in["customer"].(map[string]any)["email"] = "jan@" }, "BAD_USER_INPUT", "input.customer.email"},
		{"malformed phone", func(in map[string]any) { in["customer"].(map[string]any)["phone"] = "call me" }, "BAD_USER_INPUT", "input.customer.phone"},
		{"empty name", func(in map[string]any) { in["customer"].(map[string]any)["name"] = " " }, "BAD_USER_INPUT", "input.customer.name"},
		{"another tenant's service", func(in map[string]any) { in["serviceId"] = otherEnv.service }, "NOT_FOUND", "input.serviceId"},
		{"unknown business", func(in map[string]any) { in["tenantSlug"] = "no-such-business" }, "NOT_FOUND", "input.tenantSlug"},
		{"not a time", func(in map[string]any) { in["startsAt"] = "tomorrow" }, "BAD_USER_INPUT", "input.startsAt"},
	}
	unknown := ""
	for _, c := range cases {
		in := b.reservationInput(slot, "")
		c.edit(in)
		e := b.MustFail("", createReservationOp, map[string]any{"in": in}, c.code)
		if e.Field() != c.field {
			t.Errorf("%s: field %q, want %q (%s)", c.name, e.Field(), c.field, e.Message)
		}
		switch c.name {
		case "unknown service":
			unknown = e.Message
		case "another tenant's service":
			if e.Message != unknown {
				t.Errorf("another tenant's service answers %q, an unknown one %q", e.Message, unknown)
			}
		}
	}
	for _, table := range []string{"reservations", "occupations", "reservation_history"} {
		if n := b.Count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Fatalf("%s has %d rows after bad input", table, n)
		}
	}
}

func TestCustomerTokenOpensOnlyItsReservation(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "customer", nil)
	var mine, theirs struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")}, &mine)
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 4, 12, 0, 0, 0, warsaw), "")}, &theirs)
	token := mine.CreateReservation.CustomerAccessToken
	id := mine.CreateReservation.Reservation.ID

	var got struct {
		Reservation struct {
			ID          string
			Service     struct{ Name string }
			StaffMember struct{ Name string }
			History     []struct{ ToStatus, Actor string }
		}
	}
	b.Must(token, `query($id: UUID!) { reservation(id: $id) { id service { name } staffMember { name } history { toStatus actor } } }`, map[string]any{"id": id}, &got)
	if got.Reservation.ID != id || got.Reservation.Service.Name != "Haircut" || got.Reservation.StaffMember.Name != "Anna" ||
		len(got.Reservation.History) != 1 || got.Reservation.History[0].Actor != "customer" {
		t.Fatalf("own reservation: %+v", got)
	}
	byID := `query($id: UUID!) { reservation(id: $id) { id } }`
	foreign := b.MustFail(token, byID, map[string]any{"id": theirs.CreateReservation.Reservation.ID}, "NOT_FOUND")
	missing := b.MustFail(token, byID, map[string]any{"id": uuid.NewString()}, "NOT_FOUND")
	if foreign.Message != missing.Message {
		t.Fatalf("another reservation answers %q, a missing one %q", foreign.Message, missing.Message)
	}
	b.MustFail(token, `{ reservations { edges { node { id } } } }`, nil, "FORBIDDEN")
	b.MustFail(token, `{ services { id } }`, nil, "FORBIDDEN")
	b.MustFail(token, `mutation($id: UUID!) { completeReservation(id: $id) { status } }`, map[string]any{"id": id}, "FORBIDDEN")
	b.MustFail(token, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": theirs.CreateReservation.Reservation.ID}, "NOT_FOUND")
	var cancelled struct {
		CancelReservation struct{ Status, CancelReason string }
	}
	b.Must(token, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "cannot come") { status cancelReason } }`, map[string]any{"id": id}, &cancelled)
	if cancelled.CancelReservation.Status != "CANCELLED" || cancelled.CancelReservation.CancelReason != "cannot come" {
		t.Fatalf("cancel: %+v", cancelled)
	}
	b.MustFail(token, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": id}, "CONFLICT")
	// The other reservation is untouched, and staff see both.
	if n := b.Count(`SELECT count(*) FROM reservations WHERE status = 'CONFIRMED'`); n != 1 {
		t.Fatalf("%d confirmed reservations", n)
	}
}

func TestStaffEditsOnlyTheirOwnSchedule(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "own-schedule", nil)
	// Invite a STAFF member, link them to a new staff member, and let them edit.
	var inv struct{ InviteStaff struct{ Token string } }
	b.Must(b.owner.AccessToken, `mutation { inviteStaff(input: {email: "ewa@own-schedule.example.com", role: STAFF}) { token } }`, nil, &inv)
	var acc struct {
		AcceptInvitation struct {
			AccessToken string
			User        struct{ ID string }
		}
	}
	b.Must("", `mutation($t: String!) { acceptInvitation(input: {token: $t, name: "Ewa", password: "correct horse battery"}) { accessToken user { id } } }`,
		map[string]any{"t": inv.InviteStaff.Token}, &acc)
	var ewa struct{ CreateStaffMember struct{ ID string } }
	b.Must(b.owner.AccessToken, `mutation($u: UUID!, $s: [UUID!]) { createStaffMember(input: {name: "Ewa", userId: $u, serviceIds: $s}) { id } }`,
		map[string]any{"u": acc.AcceptInvitation.User.ID, "s": []string{b.service}}, &ewa)
	staffToken := acc.AcceptInvitation.AccessToken
	set := `mutation($id: UUID!) { setWeeklySchedule(staffMemberId: $id, intervals: [{weekday: MONDAY, start: "10:00", end: "14:00"}]) { weekday start end } }`
	var out struct {
		SetWeeklySchedule []struct{ Weekday, Start, End string }
	}
	b.Must(staffToken, set, map[string]any{"id": ewa.CreateStaffMember.ID}, &out)
	if len(out.SetWeeklySchedule) != 1 || out.SetWeeklySchedule[0].Start != "10:00" {
		t.Fatalf("own schedule: %+v", out)
	}
	b.MustFail(staffToken, set, map[string]any{"id": b.staff}, "FORBIDDEN")
	b.MustFail(staffToken, `mutation { createService(input: {name: "X", durationMinutes: 30, priceAmount: 0}) { id } }`, nil, "FORBIDDEN")
	if e := b.MustFail(b.owner.AccessToken, `mutation($id: UUID!) { setWeeklySchedule(staffMemberId: $id, intervals: [{weekday: MONDAY, start: "10:00", end: "14:00"}, {weekday: MONDAY, start: "13:00", end: "15:00"}]) { weekday } }`,
		map[string]any{"id": ewa.CreateStaffMember.ID}, "BAD_USER_INPUT"); e.Field() != "intervals.1" {
		t.Fatalf("overlap field %q", e.Field())
	}
}

// TestReservationPageQueryCount loads a page of 50 reservations with their service, staff member and
// history, and counts the SQL statements the server runs: a constant, not one per row.
func TestReservationPageQueryCount(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "page", map[string]any{"durationMinutes": 30})
	second := b.createStaff(t, "Bartek", b.service)
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { setWeeklySchedule(staffMemberId: $id, intervals: [{weekday: WEDNESDAY, start: "09:00", end: "17:00"}, {weekday: THURSDAY, start: "09:00", end: "17:00"}]) { weekday } }`,
		map[string]any{"id": second}, nil)
	created := 0
	for day := 4; day <= 5; day++ {
		for _, staff := range []string{b.staff, second} {
			for h := 0; h < 16 && created < 55; h++ {
				in := b.reservationInput(time.Date(2026, 3, day, 9, 0, 0, 0, warsaw).Add(time.Duration(h)*30*time.Minute), "")
				in["staffMemberId"] = staff
				b.Must("", createReservationOp, map[string]any{"in": in}, nil)
				created++
			}
		}
	}
	// Counted twice: gorm's callbacks see the statements gorm runs, and the pool's tracer
	// (database.StatementCounter, installed by servertest) sees every statement and round trip on
	// the wire, gorm's (with their BEGIN and COMMIT) and pgx batches' alike.
	var gormStatements atomic.Int64
	count := func(*gorm.DB) { gormStatements.Add(1) }
	cb := b.Server.DB.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:count_query", count),
		cb.Raw().After("gorm:raw").Register("test:count_raw", count),
		cb.Row().After("gorm:row").Register("test:count_row", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	wire := b.Wire
	type counts struct{ gorm, statements, roundTrips int64 }
	page := `query($first: Int, $after: String) { reservations(first: $first, after: $after) {
		edges { cursor node { id startsAt service { name price { amount } } staffMember { name } history { toStatus actor at } } }
		pageInfo { hasNextPage endCursor } } }`
	type pageResult struct {
		Reservations struct {
			Edges []struct {
				Node struct {
					ID          string
					StartsAt    time.Time
					Service     struct{ Name string }
					StaffMember struct{ Name string }
					History     []struct{ ToStatus string }
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	load := func(first int, after string) (pageResult, counts) {
		var out pageResult
		gormStatements.Store(0)
		wire.Reset()
		vars := map[string]any{"first": first}
		if after != "" {
			vars["after"] = after
		}
		b.Must(b.owner.AccessToken, page, vars, &out)
		statements, roundTrips := wire.Counts()
		return out, counts{gorm: gormStatements.Load(), statements: statements, roundTrips: roundTrips}
	}
	small, smallCount := load(5, "")
	full, fullCount := load(50, "")
	if len(full.Reservations.Edges) != 50 || !full.Reservations.PageInfo.HasNextPage {
		t.Fatalf("page of %d, hasNextPage %v", len(full.Reservations.Edges), full.Reservations.PageInfo.HasNextPage)
	}
	for i, e := range full.Reservations.Edges {
		if e.Node.Service.Name != "Haircut" || e.Node.StaffMember.Name == "" || len(e.Node.History) != 1 {
			t.Fatalf("edge %d: %+v", i, e.Node)
		}
		if i > 0 && e.Node.StartsAt.Before(full.Reservations.Edges[i-1].Node.StartsAt) {
			t.Fatalf("not in time order at %d", i)
		}
	}
	// The caller's membership is one pgx batch (the tenant's setting and the read: auth.Authority),
	// the page another (the setting and the read) and its nested objects a third (the setting and
	// one read per kind: services, staff members, history): 8 statements in 3 round trips, whatever
	// the page size, and none through gorm. A loader read outside the prefetch (a slow scheduler
	// splitting nothing here, but say an error) adds a pair, never one per row.
	t.Logf("page of 5: %+v, page of 50: %+v", smallCount, fullCount)
	if len(small.Reservations.Edges) != 5 {
		t.Fatalf("small page of %d", len(small.Reservations.Edges))
	}
	if fullCount.statements > 10 || fullCount.roundTrips > 4 || fullCount.gorm > smallCount.gorm ||
		fullCount.statements > smallCount.statements+2 || fullCount.roundTrips > smallCount.roundTrips+1 {
		t.Fatalf("page of 50 ran %+v, page of 5 ran %+v; want the same small constant", fullCount, smallCount)
	}
	rest, _ := load(50, full.Reservations.PageInfo.EndCursor)
	if len(rest.Reservations.Edges) != 5 || rest.Reservations.PageInfo.HasNextPage {
		t.Fatalf("second page: %d, hasNextPage %v", len(rest.Reservations.Edges), rest.Reservations.PageInfo.HasNextPage)
	}
	if e := b.MustFail(b.owner.AccessToken, page, map[string]any{"first": 101}, "BAD_USER_INPUT"); e.Field() != "first" {
		t.Fatalf("first: 101 → field %q", e.Field())
	}
}

// TestEveryReservationResultCarriesItsRelations asks for a reservation's service, staff member,
// history and payments through every field that returns a reservation outside a page (the page
// has TestReservationPageQueryCount): the new reservation's payload, the reservation query, and
// the staff mutations. The relations are attached by one field middleware, so a field that
// returned reservations without passing through it would answer null here.
func TestEveryReservationResultCarriesItsRelations(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "relations", nil)
	const rel = `id status service { name } staffMember { name } history { toStatus } payments { id }`
	type relations struct {
		ID          string
		Status      string
		Service     *struct{ Name string }
		StaffMember *struct{ Name string }
		History     []struct{ ToStatus string }
		Payments    []struct{ ID string }
	}
	check := func(via string, r relations, status string, history int) {
		t.Helper()
		if r.Service == nil || r.Service.Name != "Haircut" || r.StaffMember == nil || r.StaffMember.Name != "Anna" {
			t.Fatalf("%s: service %+v, staff member %+v", via, r.Service, r.StaffMember)
		}
		if r.Status != status || len(r.History) != history || r.History[len(r.History)-1].ToStatus != status {
			t.Fatalf("%s: status %s, history %+v; want %s after %d entries", via, r.Status, r.History, status, history)
		}
		if r.Payments == nil || len(r.Payments) != 0 {
			t.Fatalf("%s: payments %+v, want an empty list", via, r.Payments)
		}
	}

	var made struct {
		CreateReservation struct {
			CustomerAccessToken string
			Reservation         relations
		}
	}
	b.Must("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) { customerAccessToken reservation { `+rel+` } } }`,
		map[string]any{"in": b.reservationInput(bookingTime.Add(time.Hour), "")}, &made)
	r := made.CreateReservation.Reservation
	check("createReservation", r, "CONFIRMED", 1)

	for _, token := range []string{b.owner.AccessToken, made.CreateReservation.CustomerAccessToken} {
		var got struct{ Reservation relations }
		b.Must(token, `query($id: UUID!) { reservation(id: $id) { `+rel+` } }`, map[string]any{"id": r.ID}, &got)
		check("reservation", got.Reservation, "CONFIRMED", 1)
	}

	// Completing needs the reservation to have started; the owner's access token has expired by then.
	b.clock.Set(bookingTime.Add(time.Hour))
	var fresh struct{ RefreshToken struct{ AccessToken string } }
	b.Must("", `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, map[string]any{"t": b.owner.RefreshToken}, &fresh)
	var done struct{ CompleteReservation relations }
	b.Must(fresh.RefreshToken.AccessToken, `mutation($id: UUID!) { completeReservation(id: $id) { `+rel+` } }`, map[string]any{"id": r.ID}, &done)
	check("completeReservation", done.CompleteReservation, "COMPLETED", 2)

	var made2 struct {
		CreateReservation struct{ Reservation relations }
	}
	b.Must("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) { reservation { `+rel+` } } }`,
		map[string]any{"in": b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")}, &made2)
	var cancelled struct{ CancelReservation relations }
	b.Must(fresh.RefreshToken.AccessToken, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "closed") { `+rel+` } }`,
		map[string]any{"id": made2.CreateReservation.Reservation.ID}, &cancelled)
	check("cancelReservation", cancelled.CancelReservation, "CANCELLED", 2)
}

// TestBookingRoundTrips pins what one public booking costs on the wire: the per-client rate limit
// (services/ratelimit: BEGIN, SET LOCAL and the buckets' lock, then their update with COMMIT — 5
// statements in two round trips), the slug look-up, then one transaction in two round trips (every
// read — settings, service, staff, schedules, the service's booking fields, the customers the
// e-mail or phone match, and with an idempotency key its lock and look-up — then every write and
// COMMIT, a new customer's insert among them), whatever the number of statements. A replayed key
// writes nothing and costs the same round trips.
func TestBookingRoundTrips(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "trips", nil)
	wire := b.Wire
	book := func(start time.Time, key string) (int64, int64) {
		t.Helper()
		wire.Reset()
		b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, key)}, nil)
		return wire.Counts()
	}
	for _, c := range []struct {
		name       string
		start      time.Time
		key        string
		statements int64
	}{
		{"named staff member", time.Date(2026, 3, 3, 10, 0, 0, 0, warsaw), "", 5 + 21},             // a new customer (its messages: one INSERT)
		{"with an idempotency key", time.Date(2026, 3, 3, 12, 0, 0, 0, warsaw), "trips-1", 5 + 22}, // the same customer
		{"the key replayed", time.Date(2026, 3, 3, 12, 0, 0, 0, warsaw), "trips-1", 5 + 16},        // reads, then ROLLBACK
	} {
		statements, trips := book(c.start, c.key)
		if trips != 2+3 || statements != c.statements {
			t.Errorf("%s: %d statements in %d round trips, want %d in 5", c.name, statements, trips, c.statements)
		}
	}
	if n := b.Count(`SELECT count(*) FROM reservations`); n != 2 {
		t.Fatalf("%d reservations, want 2 (the replay writes nothing)", n)
	}
}
