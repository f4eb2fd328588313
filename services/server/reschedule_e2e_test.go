package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// Rescheduling end to end: one reservation moves in one step, keeping its id, payments and price;
// the database decides who gets a contested slot; bad moves change nothing.

const rescheduleOp = `mutation($id: UUID!, $in: RescheduleReservationInput!) { rescheduleReservation(id: $id, input: $in) {
	id status paymentStatus startsAt endsAt holdExpiresAt price { amount currency } service { name } staffMember { id name }
	payments { id status }
	history { fromStatus toStatus actor reason fromStartsAt toStartsAt fromStaffMemberId toStaffMemberId } } }`

type rescheduled struct {
	ID, Status, PaymentStatus string
	StartsAt, EndsAt          time.Time
	HoldExpiresAt             *time.Time
	Price                     struct {
		Amount   int
		Currency string
	}
	Service     struct{ Name string }
	StaffMember struct{ ID, Name string }
	Payments    []struct{ ID, Status string }
	History     []struct {
		FromStatus, ToStatus, Actor, Reason string
		FromStartsAt, ToStartsAt            *time.Time
		FromStaffMemberID, ToStaffMemberID  *string
	}
}

func (b *bookingEnv) reschedule(t *testing.T, token, id string, in map[string]any) rescheduled {
	t.Helper()
	var out struct{ RescheduleReservation rescheduled }
	b.Must(token, rescheduleOp, map[string]any{"id": id, "in": in}, &out)
	return out.RescheduleReservation
}

func at(start time.Time) map[string]any {
	return map[string]any{"startsAt": start.UTC().Format(time.RFC3339)}
}

// TestRescheduleKeepsPaymentAndPublishesBothRanges: a paid reservation moved by its customer keeps
// its id, payment, price and status; the history says from and to when; a booking widget hears of
// both the freed and the taken range; a PENDING_PAYMENT hold moved by staff keeps its deadline.
func TestRescheduleKeepsPaymentAndPublishesBothRanges(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "reschedule-paid")
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": "777000", "idempotencyKey": "pay"})
	p.waitFor(t, r.Reservation.ID, "paid", paid)
	unpaid := p.book(t)

	settle(t, p.Env, p.owner.TenantID)
	widget := connect(t, p.URL, transportWS, "")
	day := p.day.Format(time.DateOnly)
	widget.subscribe("slots", availabilityChangedOp, map[string]any{"slug": p.owner.Slug, "s": p.service, "from": day, "to": day})
	waitSubscribed(t, p.Env, 1)

	from, to := r.Reservation.StartsAt, p.day.Add(14*time.Hour)
	in := at(to)
	in["reason"] = "dentist appointment"
	got := p.reschedule(t, r.CustomerAccessToken, r.Reservation.ID, in)
	last := got.History[len(got.History)-1]
	switch {
	case got.ID != r.Reservation.ID || got.Status != "CONFIRMED" || got.PaymentStatus != "PAID" || !got.StartsAt.Equal(to) ||
		!got.EndsAt.Equal(to.Add(time.Hour)) || got.Price.Amount != priceAmount || got.StaffMember.Name != "Anna" || got.Service.Name != "Haircut":
		t.Fatalf("rescheduled: %+v", got)
	case len(got.Payments) != 1 || got.Payments[0].ID != pay.ID || got.Payments[0].Status != "PAID":
		t.Fatalf("payments after the move: %+v", got.Payments)
	case last.Actor != "customer" || last.Reason != "dentist appointment" || last.FromStatus != "CONFIRMED" || last.ToStatus != "CONFIRMED" ||
		last.FromStartsAt == nil || !last.FromStartsAt.Equal(from) || last.ToStartsAt == nil || !last.ToStartsAt.Equal(to) ||
		last.FromStaffMemberID == nil || *last.FromStaffMemberID != p.staff || last.ToStaffMemberID == nil || *last.ToStaffMemberID != p.staff:
		t.Fatalf("history of the move: %+v", last)
	}
	heard := map[string]bool{}
	for range 2 {
		var ev availabilityChanged
		widget.next("slots", delivery, &ev)
		if e := ev.AvailabilityChanged; e.Kind == "UPDATED" && e.ServiceID == p.service && e.StartsAt != nil {
			heard[e.StartsAt.UTC().Format(time.RFC3339)] = true
		}
	}
	if !heard[from.UTC().Format(time.RFC3339)] || !heard[to.UTC().Format(time.RFC3339)] {
		t.Fatalf("the widget heard of %v, want both %v and %v", heard, from, to)
	}
	if n := p.Count(`SELECT count(*) FROM occupations WHERE starts_at = $1 AND seats_taken = 0`, from); n != 1 {
		t.Fatal("the old occupation still holds a seat")
	}
	if n := p.seats(t, r.Reservation.ID); n != 1 {
		t.Fatalf("the new occupation holds %d seats", n)
	}
	if n := p.Count(`SELECT count(*) FROM payments WHERE reservation_id = $1 AND status = 'PAID'`, r.Reservation.ID); n != 1 {
		t.Fatalf("%d paid payments of the moved reservation", n)
	}

	moved := p.reschedule(t, p.owner.AccessToken, unpaid.Reservation.ID, at(p.day.Add(15*time.Hour)))
	if moved.Status != "PENDING_PAYMENT" || moved.HoldExpiresAt == nil || !moved.HoldExpiresAt.Equal(unpaid.Reservation.HoldExpiresAt.Truncate(time.Microsecond)) {
		t.Fatalf("a moved hold: %+v, held until %v before", moved, unpaid.Reservation.HoldExpiresAt)
	}
}

// TestFiftyConcurrentReschedulesIntoOneSlot: fifty reservations move into one free slot at once;
// exactly one gets it and every other keeps its own slot, seat and occupation.
func TestFiftyConcurrentReschedulesIntoOneSlot(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "reschedule-race", map[string]any{"durationMinutes": 15})
	type booked struct {
		id         string
		occupation string
	}
	var all []booked
	for i := range 50 {
		day, slot := 4+i/32, i%32 // 32 quarter-hours from 09:00 on the 4th, then the 5th
		in := b.reservationInput(time.Date(2026, 3, day, 9, 15*slot, 0, 0, warsaw), "")
		delete(in, "tenantSlug") // booked by staff: not rate-limited
		var out struct{ CreateReservation createdReservation }
		b.Must(b.owner.AccessToken, createReservationOp, map[string]any{"in": in}, &out)
		all = append(all, booked{id: out.CreateReservation.Reservation.ID})
	}
	occupationOf := func(id string) string {
		return b.ownerText(t, `SELECT occupation_id::text FROM reservations WHERE id = $1`, id)
	}
	for i := range all {
		all[i].occupation = occupationOf(all[i].id)
	}
	target := time.Date(2026, 3, 6, 10, 0, 0, 0, warsaw)

	var mu sync.Mutex
	codes := map[string]int{}
	var winners []string
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, r := range all {
		wg.Go(func() {
			<-start
			resp, err := b.post(b.owner.AccessToken, rescheduleOp, map[string]any{"id": r.id, "in": at(target)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				codes["transport: "+err.Error()]++
			case len(resp.Errors) > 0:
				codes[resp.Errors[0].Code()]++
			default:
				var out struct{ RescheduleReservation rescheduled }
				if err := json.Unmarshal(resp.Data, &out); err != nil || out.RescheduleReservation.ID != r.id {
					codes["decode"]++
					return
				}
				winners = append(winners, r.id)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 || codes["SLOT_UNAVAILABLE"] != 49 {
		t.Fatalf("winners %v, errors %v; want one winner and 49 SLOT_UNAVAILABLE", winners, codes)
	}
	for _, r := range all {
		if r.id == winners[0] {
			continue
		}
		if occ := occupationOf(r.id); occ != r.occupation {
			t.Fatalf("loser %s moved from occupation %s to %s", r.id, r.occupation, occ)
		}
		if n := b.seats(t, r.id); n != 1 {
			t.Fatalf("loser %s's occupation holds %d seats", r.id, n)
		}
	}
	if n := b.Count(`SELECT count(*) FROM reservations WHERE starts_at = $1`, target); n != 1 {
		t.Fatalf("%d reservations in the contested slot", n)
	}
	if n := b.Count(`SELECT coalesce(sum(seats_taken), 0) FROM occupations`); n != 50 {
		t.Fatalf("%d seats taken in all, want 50", n)
	}
	if n := b.Count(`SELECT count(*) FROM occupations WHERE starts_at = $1 AND seats_taken = 1`, target); n != 1 {
		t.Fatalf("the contested slot's occupation: %d with its one seat", n)
	}
}

// TestRescheduleBadInputChangesNothing: every refused move answers a clear error and leaves the
// reservation, its occupation and its history exactly as they were; then a move overlapping the
// reservation's own time works.
func TestRescheduleBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "reschedule-bad", nil)
	b.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 180}) { minNoticeMinutes } }`, nil, nil)
	r := b.book(t, 10, "")
	other := b.book(t, 12, "")
	cezary := b.createStaff(t, "Cezary") // performs nothing
	cancelled := b.book(t, 15, "")
	b.cancel(t, cancelled.Reservation.ID)
	off := time.Date(2026, 3, 5, 10, 0, 0, 0, warsaw)
	b.Must(b.owner.AccessToken, `mutation($in: TimeOffInput!) { addTimeOff(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"staffMemberId": b.staff, "startsAt": off.Format(time.RFC3339), "endsAt": off.Add(2 * time.Hour).Format(time.RFC3339)}}, nil)

	state := func() string {
		t.Helper()
		return b.ownerText(t, `SELECT string_agg(concat_ws(' ', r.id, r.status, r.starts_at, r.staff_member_id, r.occupation_id, r.updated_at,
				(SELECT count(*) FROM reservation_history h WHERE h.reservation_id = r.id)), ';' ORDER BY r.id)
			|| ' seats ' || (SELECT string_agg(concat_ws(' ', o.id, o.seats_taken), ';' ORDER BY o.id) FROM occupations o)
			FROM reservations r`)
	}
	before := state()
	day := func(h, m int) time.Time { return time.Date(2026, 3, 4, h, m, 0, 0, warsaw) }
	with := func(start time.Time, k string, v any) map[string]any { in := at(start); in[k] = v; return in }
	cases := []struct {
		name          string
		token, id     string
		in            map[string]any
		code          string
		field, reason string
	}{
		{"into the past", r.CustomerAccessToken, r.Reservation.ID, at(bookingTime.Add(-time.Hour)), "BAD_USER_INPUT", "input.startsAt", "OUT_OF_RANGE"},
		{"too soon", r.CustomerAccessToken, r.Reservation.ID, at(bookingTime.Add(time.Hour)), "BAD_USER_INPUT", "input.startsAt", "OUT_OF_RANGE"},
		{"beyond the horizon", r.CustomerAccessToken, r.Reservation.ID, at(bookingTime.AddDate(2, 0, 0)), "BAD_USER_INPUT", "input.startsAt", "OUT_OF_RANGE"},
		{"a closed hour", r.CustomerAccessToken, r.Reservation.ID, at(day(19, 0)), "BAD_USER_INPUT", "input.startsAt", "OUT_OF_RANGE"},
		{"time off", r.CustomerAccessToken, r.Reservation.ID, at(off), "SLOT_UNAVAILABLE", "input.startsAt", ""}, // as a booking says
		{"off the grid", r.CustomerAccessToken, r.Reservation.ID, at(day(13, 7)), "BAD_USER_INPUT", "input.startsAt", "NOT_ALLOWED"},
		{"another reservation's slot", r.CustomerAccessToken, r.Reservation.ID, at(day(12, 0)), "SLOT_UNAVAILABLE", "input.startsAt", ""},
		{"overlapping another reservation", r.CustomerAccessToken, r.Reservation.ID, at(day(11, 30)), "SLOT_UNAVAILABLE", "input.startsAt", ""},
		{"a staff member who does not perform it", b.owner.AccessToken, r.Reservation.ID, with(day(13, 0), "staffMemberId", cezary), "BAD_USER_INPUT", "input.staffMemberId", "INCONSISTENT"},
		{"an unknown staff member", b.owner.AccessToken, r.Reservation.ID, with(day(13, 0), "staffMemberId", "00000000-0000-4000-8000-000000000000"), "NOT_FOUND", "input.staffMemberId", ""},
		{"another customer's token", other.CustomerAccessToken, r.Reservation.ID, at(day(13, 0)), "NOT_FOUND", "id", ""},
		{"no token", "", r.Reservation.ID, at(day(13, 0)), "UNAUTHENTICATED", "", ""},
		{"a cancelled reservation", b.owner.AccessToken, cancelled.Reservation.ID, at(day(13, 0)), "CONFLICT", "", ""},
		{"a reason too long", b.owner.AccessToken, r.Reservation.ID, with(day(13, 0), "reason", strings.Repeat("x", 501)), "BAD_USER_INPUT", "input.reason", "TOO_LONG"},
	}
	for _, c := range cases {
		resp := b.Do(c.token, rescheduleOp, map[string]any{"id": c.id, "in": c.in})
		if len(resp.Errors) != 1 {
			t.Fatalf("%s: %d errors, want 1: %+v", c.name, len(resp.Errors), resp.Errors)
		}
		e := resp.Errors[0]
		reason, _ := e.Extensions["reason"].(string)
		if e.Code() != c.code || e.Field() != c.field || reason != c.reason {
			t.Errorf("%s: %s field %q reason %q, want %s %q %q (%s)", c.name, e.Code(), e.Field(), reason, c.code, c.field, c.reason, e.Message)
		}
		if after := state(); after != before {
			t.Fatalf("%s changed something:\nbefore %s\nafter  %s", c.name, before, after)
		}
	}

	// The business's change policy binds customers, not staff.
	b.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {cancellationRules: {customerMayReschedule: false}}) { minNoticeMinutes } }`, nil, nil)
	e := b.MustFail(r.CustomerAccessToken, rescheduleOp, map[string]any{"id": r.Reservation.ID, "in": at(day(13, 0))}, "CONFLICT")
	if e.Extensions["reason"] != "NOT_ALLOWED" {
		t.Fatalf("customers may not reschedule: %+v", e)
	}
	b.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {cancellationRules: {customerMayReschedule: true, customerRescheduleUntilHours: 72}}) { minNoticeMinutes } }`, nil, nil)
	e = b.MustFail(r.CustomerAccessToken, rescheduleOp, map[string]any{"id": r.Reservation.ID, "in": at(day(13, 0))}, "CONFLICT")
	if e.Extensions["reason"] != "OUT_OF_RANGE" {
		t.Fatalf("after the customer's deadline (72 h before): %+v", e)
	}
	if after := state(); after != before {
		t.Fatalf("a refused customer move changed something:\nbefore %s\nafter  %s", before, after)
	}

	// Staff move it by half an hour, over its own old time.
	got := b.reschedule(t, b.owner.AccessToken, r.Reservation.ID, at(day(10, 30)))
	if !got.StartsAt.Equal(day(10, 30)) || got.ID != r.Reservation.ID || got.Status != "CONFIRMED" {
		t.Fatalf("moved by half an hour: %+v", got)
	}
	if n := b.Count(`SELECT coalesce(sum(seats_taken), 0) FROM occupations`); n != 2 {
		t.Fatalf("%d seats taken, want 2 (the moved reservation and the other)", n)
	}

	// Once it has started nobody moves it.
	b.clock.Set(day(10, 45))
	var fresh struct{ RefreshToken struct{ AccessToken string } }
	b.Must("", `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, map[string]any{"t": b.owner.RefreshToken}, &fresh)
	b.MustFail(fresh.RefreshToken.AccessToken, rescheduleOp, map[string]any{"id": r.Reservation.ID, "in": at(day(16, 0))}, "CONFLICT")
	if n := b.Count(`SELECT count(*) FROM reservations WHERE id = $1 AND starts_at = $2`, r.Reservation.ID, day(10, 30)); n != 1 {
		t.Fatal("a started reservation moved")
	}
}

// ownerText reads one text value with the superuser connection.
func (b *bookingEnv) ownerText(t *testing.T, sql string, args ...any) string {
	t.Helper()
	owner, err := b.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := owner.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRescheduleToAnotherServiceReprices: staff move a paid visit to a dearer service (a balance is
// due, PARTIALLY_PAID) and then to a cheaper one (PAID, an overpayment to give back); the customer
// may not change the service, and a refused change changes nothing.
func TestRescheduleToAnotherServiceReprices(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "reschedule-price")
	r := p.book(t)
	p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": "777000", "idempotencyKey": "pay"})
	p.waitFor(t, r.Reservation.ID, "paid", paid)
	dear := p.createService(t, map[string]any{"name": "Colouring", "priceAmount": priceAmount + 3000, "paymentPolicy": "REQUIRED"})
	cheap := p.createService(t, map[string]any{"name": "Trim", "priceAmount": priceAmount - 2000, "paymentPolicy": "REQUIRED"})
	euro := p.createService(t, map[string]any{"name": "Euro cut", "priceAmount": 5000, "currency": "EUR", "paymentPolicy": "REQUIRED"})
	p.Must(p.owner.AccessToken, `mutation($id: UUID!, $s: [UUID!]!) { updateStaffMember(id: $id, input: {serviceIds: $s}) { id } }`,
		map[string]any{"id": p.staff, "s": []string{p.service, dear, cheap, euro}}, nil)
	const money = `query($id: UUID!) { reservation(id: $id) { paymentStatus price { amount } balanceDue { amount } overpaidAmount { amount } service { name } } }`
	type moneyView struct {
		Reservation struct {
			PaymentStatus  string
			Price          struct{ Amount int }
			BalanceDue     struct{ Amount int }
			OverpaidAmount *struct{ Amount int }
			Service        struct{ Name string }
		}
	}
	read := func() moneyView {
		var v moneyView
		p.Must(p.owner.AccessToken, money, map[string]any{"id": r.Reservation.ID}, &v)
		return v
	}
	before := read()

	// The customer may move the visit but not change its service.
	in := at(p.day.Add(14 * time.Hour))
	in["serviceId"] = dear
	e := p.MustFail(r.CustomerAccessToken, rescheduleOp, map[string]any{"id": r.Reservation.ID, "in": in}, "FORBIDDEN")
	if e.Field() != "input.serviceId" {
		t.Errorf("customer's service change: field %q", e.Field())
	}
	in["serviceId"] = euro
	p.MustFail(p.owner.AccessToken, rescheduleOp, map[string]any{"id": r.Reservation.ID, "in": in}, "BAD_USER_INPUT")
	if after := read(); after != before {
		t.Fatalf("a refused change changed the reservation: %+v → %+v", before, after)
	}

	in["serviceId"] = dear
	got := p.reschedule(t, p.owner.AccessToken, r.Reservation.ID, in)
	v := read()
	if got.Service.Name != "Colouring" || got.Price.Amount != priceAmount+3000 || v.Reservation.PaymentStatus != "PARTIALLY_PAID" ||
		v.Reservation.BalanceDue.Amount != 3000 || v.Reservation.OverpaidAmount != nil {
		t.Fatalf("dearer service: %+v / %+v", got, v)
	}
	if last := got.History[len(got.History)-1]; !strings.Contains(last.Reason, "price 12000 → 15000 PLN") {
		t.Errorf("history reason %q does not name the price change", last.Reason)
	}

	in = at(p.day.Add(15 * time.Hour))
	in["serviceId"] = cheap
	p.reschedule(t, p.owner.AccessToken, r.Reservation.ID, in)
	v = read()
	if v.Reservation.PaymentStatus != "PAID" || v.Reservation.BalanceDue.Amount != 0 || v.Reservation.OverpaidAmount == nil ||
		v.Reservation.OverpaidAmount.Amount != 2000 || v.Reservation.Service.Name != "Trim" {
		t.Fatalf("cheaper service: %+v", v)
	}
	if n := p.Count(`SELECT count(*) FROM payments WHERE reservation_id = $1 AND status = 'PAID'`, r.Reservation.ID); n != 1 {
		t.Fatalf("%d paid payments after two service changes", n)
	}
}
