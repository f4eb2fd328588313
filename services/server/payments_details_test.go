package server_test

import (
	"strings"
	"testing"
	"time"
)

// TestBlikCodeHasNoRedirect: with a BLIK code the payer confirms in the bank's app, so the payment
// has no page to send them to, whatever imoje's answer carries.
func TestBlikCodeHasNoRedirect(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "blik-code")
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": "777123", "idempotencyKey": "code"})
	if pay.RedirectURL != nil {
		t.Fatalf("BLIK with a code answered a redirect %q", *pay.RedirectURL)
	}
	if n := p.Count(`SELECT count(*) FROM payments WHERE id = $1 AND redirect_url IS NOT NULL`, pay.ID); n != 0 {
		t.Fatal("a redirect was stored for BLIK with a code")
	}
	// Without a code imoje's page is where the payer goes.
	r2 := p.book(t)
	page := p.initiate(t, r2.CustomerAccessToken, map[string]any{"reservationId": r2.Reservation.ID, "channel": "BLIK", "idempotencyKey": "page"})
	if page.RedirectURL == nil {
		t.Fatal("BLIK without a code has no page")
	}
}

// TestPaymentTitleInBusinessZone: the title the payer sees at imoje and in the bank names the visit's
// time as booked, in the business's zone, not in UTC.
func TestPaymentTitleInBusinessZone(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "title-zone")
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "title"})
	starts := r.Reservation.StartsAt
	want := "Haircut " + starts.In(warsaw).Format("2006-01-02 15:04")
	if got := p.simTransactionFor(t, pay.ID).Title; got != want {
		t.Fatalf("title %q, want %q", got, want)
	}
	if starts.In(warsaw).Format("15:04") == starts.UTC().Format("15:04") {
		t.Fatal("the test's visit is at the same hour in UTC and Warsaw: it proves nothing")
	}
}

// TestShortestHoldCanBePaid: a hold too short to pay (imoje wants a lifetime at least a minute
// ahead, slotpay refuses a hold ending within a minute) is refused with nothing changed; the
// shortest hold allowed can be paid at once.
func TestShortestHoldCanBePaid(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "short-hold")
	services := p.Count(`SELECT count(*) FROM services`)
	for _, minutes := range []int{1, 4} {
		e := p.MustFail(p.owner.AccessToken, `mutation($in: ServiceInput!) { createService(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "Quick", "durationMinutes": 15, "priceAmount": 1000, "paymentPolicy": "REQUIRED", "holdMinutes": minutes}}, "BAD_USER_INPUT")
		if e.Field() != "input.holdMinutes" || !strings.Contains(e.Message, "5") {
			t.Fatalf("holdMinutes %d: %+v", minutes, e)
		}
		e = p.MustFail(p.owner.AccessToken, `mutation($m: Int!) { updateBookingSettings(input: {defaultHoldMinutes: $m}) { defaultHoldMinutes } }`,
			map[string]any{"m": minutes}, "BAD_USER_INPUT")
		if e.Field() != "input.defaultHoldMinutes" {
			t.Fatalf("defaultHoldMinutes %d: %+v", minutes, e)
		}
	}
	if n := p.Count(`SELECT count(*) FROM services`); n != services {
		t.Fatalf("%d services, want %d", n, services)
	}
	if n := p.Count(`SELECT count(*) FROM tenants WHERE default_hold_minutes <> 15`); n != 0 {
		t.Fatal("a refused default hold was stored")
	}
	p.Must(p.owner.AccessToken, `mutation($id: UUID!, $in: ServiceInput!) { updateService(id: $id, input: $in) { id } }`,
		map[string]any{"id": p.service, "in": map[string]any{"name": "Haircut", "durationMinutes": 60, "priceAmount": priceAmount, "paymentPolicy": "REQUIRED", "holdMinutes": 5}}, nil)
	r := p.book(t)
	if hold := r.Reservation.HoldExpiresAt; hold == nil || time.Until(*hold) > 5*time.Minute || time.Until(*hold) < 4*time.Minute {
		t.Fatalf("hold until %v", hold)
	}
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "short"})
	if pay.Status != "PENDING" && pay.Status != "PAID" {
		t.Fatalf("payment %+v", pay)
	}
}
