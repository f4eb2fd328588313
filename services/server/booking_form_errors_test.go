package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/demo"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// TestBookingFormErrorsAllAtOnce: a booking form sent with a blank name, a malformed e-mail, a
// required question left out and an answer of the wrong kind learns every problem from one
// attempt — the customer's first, then the answers', each on its field — and nothing is booked.
// (The widget shows each beside its field; before, the answers were only checked once the customer
// was valid, so a person fixed the form twice.)
func TestBookingFormErrorsAllAtOnce(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	shop, _ := demo.ShopOf(env.Server.Imoje)
	seeded, err := demo.Seed(context.Background(), env.Server.Handler, shop)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	r := env.Do("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) { reservation { id } } }`, map[string]any{"in": map[string]any{
		"tenantSlug": demo.Slug, "serviceId": seeded.Services["Strzyżenie damskie"], "startsAt": start.Format(time.RFC3339),
		"customer": map[string]any{"name": " ", "email": "not-an-address"},
		"answers":  []map[string]any{{"key": "hair_length", "value": "purple"}},
	}})
	type want struct{ field, bookingField string }
	wants := []want{{"input.customer.name", ""}, {"input.customer.email", ""}, {"input.answers.0.value", "hair_length"}, {"input.answers", "terms"}}
	if len(r.Errors) != len(wants) {
		t.Fatalf("errors %+v, want %d", r.Errors, len(wants))
	}
	for i, w := range wants {
		e := r.Errors[i]
		bf, _ := e.Extensions["bookingField"].(string)
		if e.Code() != "BAD_USER_INPUT" || e.Field() != w.field || bf != w.bookingField {
			t.Errorf("error %d: %s on %s (%q), want %s (%q)", i, e.Code(), e.Field(), bf, w.field, w.bookingField)
		}
	}
	if n := env.Count(`SELECT count(*) FROM reservations`); n != 0 {
		t.Fatalf("%d reservations written", n)
	}
	// A valid customer with the same bad answers still gets the answers' problems (as before).
	r = env.Do("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) { reservation { id } } }`, map[string]any{"in": map[string]any{
		"tenantSlug": demo.Slug, "serviceId": seeded.Services["Strzyżenie damskie"], "startsAt": start.Format(time.RFC3339),
		"customer": map[string]any{"name": "Jan Kowalski", "email": "jan@example.com"},
		"answers":  []map[string]any{{"key": "hair_length", "value": "purple"}},
	}})
	if len(r.Errors) != 2 || r.Errors[0].Field() != "input.answers.0.value" || r.Errors[1].Field() != "input.answers" {
		t.Fatalf("errors %+v", r.Errors)
	}
}
