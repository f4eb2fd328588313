package web_test

import "testing"

// TestPanelJourneys runs the staff panel's browser journeys one after another on a server of their
// own (the widget's journeys keep theirs), and checks that what the person saw is what the server
// recorded.
func TestPanelJourneys(t *testing.T) {
	b := newBrowserEnv(t)
	owner := b.ownerToken(t)

	t.Run("agenda, live booking, partial refund", func(t *testing.T) {
		res := b.journey(t, "panel-agenda")
		r := b.reservation(t, owner, res.str("reservationId"))
		if r.PaymentStatus != "PARTIALLY_REFUNDED" || r.AmountRefunded.Amount != 2000 {
			t.Fatalf("after the panel's refund of 20 zł: %+v", r)
		}
		if len(r.Payments) != 1 || len(r.Payments[0].Refunds) != 1 || r.Payments[0].Refunds[0].Status != "SETTLED" || r.Payments[0].Refunds[0].Amount.Amount != 2000 {
			t.Fatalf("payments %+v", r.Payments)
		}
	})

	t.Run("requests approved and declined on a phone", func(t *testing.T) {
		res := b.journey(t, "panel-requests")
		for id, want := range map[string]string{res.str("approved"): "CONFIRMED", res.str("declined"): "DECLINED", res.str("waiting"): "REQUESTED"} {
			if r := b.reservation(t, owner, id); r.Status != want {
				t.Fatalf("reservation %s is %s, want %s", id, r.Status, want)
			}
		}
		var out struct{ Reservation struct{ DeclineReason string } }
		b.Must(owner, `query($id: UUID!) { reservation(id: $id) { declineReason } }`, map[string]any{"id": res.str("declined")}, &out)
		if out.Reservation.DeclineReason != "Tego dnia salon jest zamknięty" {
			t.Fatalf("decline reason %q", out.Reservation.DeclineReason)
		}
	})

	t.Run("imoje set up from scratch", func(t *testing.T) {
		res := b.journey(t, "panel-imoje")
		var login struct{ LogIn struct{ AccessToken string } }
		b.Must("", `mutation($in: LogInInput!) { logIn(input: $in) { accessToken } }`,
			map[string]any{"in": map[string]any{"email": res.str("email"), "password": res.str("password")}}, &login)
		var out struct {
			PaymentMethods []struct {
				Enabled bool
				Imoje   struct {
					Configured         bool
					LastNotificationAt *string
					Warnings           []struct{ Code string }
				}
			}
		}
		b.Must(login.LogIn.AccessToken, `{ paymentMethods { enabled imoje { configured lastNotificationAt warnings { code } } } }`, nil, &out)
		if len(out.PaymentMethods) != 1 {
			t.Fatalf("methods %+v", out.PaymentMethods)
		}
		m := out.PaymentMethods[0]
		if !m.Enabled || !m.Imoje.Configured || m.Imoje.LastNotificationAt == nil || len(m.Imoje.Warnings) != 1 || m.Imoje.Warnings[0].Code != "SANDBOX" {
			t.Fatalf("the imoje method after the panel's setup: %+v", m)
		}
		if r := b.reservation(t, login.LogIn.AccessToken, res.str("reservationId")); r.PaymentStatus != "PAID" {
			t.Fatalf("the first payment: %+v", r)
		}
	})
}
