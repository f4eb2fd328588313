package web_test

import "testing"

// TestWidgetJourneys runs the widget's browser journeys one after another on one server with the
// demo business (Chromium is heavy; each journey books times of its own), then checks what the
// server recorded of each.
func TestWidgetJourneys(t *testing.T) {
	b := newBrowserEnv(t)
	owner := b.ownerToken(t)
	t.Run("smoke", func(t *testing.T) { b.journey(t, "smoke") })

	// Books and pays with BLIK through imoje's paywall (the simulator's); another customer's booking
	// removed a time from the open page live; the form's errors came back per field.
	t.Run("book and pay with BLIK on the paywall", func(t *testing.T) {
		res := b.journey(t, "widget-book")
		r := b.reservation(t, owner, res.str("reservationId"))
		if r.Status != "CONFIRMED" || r.PaymentStatus != "PAID" || len(r.Payments) != 1 || r.Payments[0].Channel != "BLIK" || r.Payments[0].Status != "PAID" {
			t.Fatalf("reservation %+v", r)
		}
		if n := b.Count(`SELECT count(*) FROM reservations WHERE starts_at = $1::timestamptz AND status NOT IN ('CANCELLED', 'EXPIRED')`, res.str("taken")); n < 1 {
			t.Fatalf("the other customer's booking at %s is missing", res.str("taken"))
		}
	})

	// A BLIK code the bank rejects, then a retry: one FAILED payment, one PAID.
	t.Run("rejected payment then a retry", func(t *testing.T) {
		res := b.journey(t, "widget-retry")
		r := b.reservation(t, owner, res.str("reservationId"))
		if r.Status != "CONFIRMED" || r.PaymentStatus != "PAID" || len(r.Payments) != 2 || r.Payments[0].Status != "PAID" || r.Payments[1].Status != "FAILED" {
			t.Fatalf("reservation %+v", r)
		}
	})

	// Moved, then cancelled inside the free window: the whole 120 PLN refunded and settled.
	t.Run("cancel inside the free window and see the refund", func(t *testing.T) {
		res := b.journey(t, "widget-cancel")
		id := res.str("reservationId")
		r := b.reservation(t, owner, id)
		if r.Status != "CANCELLED" || r.PaymentStatus != "REFUNDED" || r.AmountRefunded.Amount != 12000 ||
			len(r.Payments) != 1 || len(r.Payments[0].Refunds) != 1 || r.Payments[0].Refunds[0].Status != "SETTLED" || r.Payments[0].Refunds[0].Amount.Amount != 12000 {
			t.Fatalf("reservation %+v", r)
		}
		if n := b.Count(`SELECT count(*) FROM reservation_history WHERE reservation_id = $1 AND from_starts_at IS NOT NULL`, id); n != 1 {
			t.Fatalf("%d reschedules recorded, want 1", n)
		}
	})

	// The channels for the amount: pay later within limits, a bank chosen in the widget, a card link.
	t.Run("fast transfer and card through imoje's pages", func(t *testing.T) {
		res := b.journey(t, "widget-channels")
		if res.str("providers") != "TWISTO,PAYPO,BLIK_PAY_LATER" {
			t.Errorf("pay-later providers for 120 PLN: %s (PragmaGO starts at 500 PLN)", res.str("providers"))
		}
		for id, channel := range map[string]string{res.str("transfer"): "PBL", res.str("card"): "CARD"} {
			r := b.reservation(t, owner, id)
			if r.Status != "CONFIRMED" || r.PaymentStatus != "PAID" || len(r.Payments) != 1 || r.Payments[0].Channel != channel {
				t.Fatalf("%s reservation %+v", channel, r)
			}
		}
	})

	// On a third-party page of another origin, with no allowed origins configured.
	t.Run("embedded on another origin", func(t *testing.T) {
		if len(b.Config.AllowedOrigins) != 0 {
			t.Fatalf("allowed origins %v: the embed must need none", b.Config.AllowedOrigins)
		}
		res := b.journey(t, "widget-embed")
		for _, id := range []string{res.str("reservationId"), res.str("second")} {
			r := b.reservation(t, owner, id)
			if r.Status != "CONFIRMED" || r.PaymentStatus != "PAID" {
				t.Fatalf("reservation %s %+v", id, r)
			}
		}
	})

	// "My bookings": a link asked for by e-mail, read from the server's e-mail, lists the booking
	// and opens its page; the spent link says so.
	t.Run("my bookings by e-mailed link", func(t *testing.T) {
		res := b.journey(t, "widget-mybookings")
		var out struct {
			Reservation struct{ Customer struct{ Email string } }
		}
		b.Must(owner, `query($id: UUID!) { reservation(id: $id) { customer { email } } }`, map[string]any{"id": res.str("reservationId")}, &out)
		if out.Reservation.Customer.Email != res.str("email") {
			t.Fatalf("reservation's customer %q, the journey booked for %q", out.Reservation.Customer.Email, res.str("email"))
		}
	})
}
