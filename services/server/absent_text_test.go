package server_test

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAbsentTextIsNull: a text the customer or the business did not give reads as null, not "".
func TestAbsentTextIsNull(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "absent-text", nil)
	in := b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")
	in["customer"] = map[string]any{"name": "Jan Kowalski", "email": "jan@example.com"} // no phone, no note
	var made struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": in}, &made)
	id := made.CreateReservation.Reservation.ID
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": id}, nil)

	var out struct{ Reservation json.RawMessage }
	b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) {
		note cancelReason customer { phone } service { description } history { reason } } }`, map[string]any{"id": id}, &out)
	var got struct {
		Note, CancelReason *string
		Customer           struct{ Phone *string }
		Service            struct{ Description *string }
		History            []struct{ Reason *string }
	}
	if err := json.Unmarshal(out.Reservation, &got); err != nil {
		t.Fatal(err)
	}
	if got.Note != nil || got.CancelReason != nil || got.Customer.Phone != nil || got.Service.Description != nil || len(got.History) == 0 {
		t.Fatalf("absent texts are not null: %s", out.Reservation)
	}
	for _, h := range got.History {
		if h.Reason != nil && *h.Reason == "" {
			t.Fatalf("an empty history reason: %s", out.Reservation)
		}
	}
}
