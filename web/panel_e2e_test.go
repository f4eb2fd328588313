package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
)

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
		var out struct {
			Reservation struct{ DeclineReason string }
		}
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

	t.Run("imoje health warns of a wrong notification URL", func(t *testing.T) {
		// A business whose imoje shop has no notification URL, and a BLIK payment pending for 20 minutes.
		o := b.SignUp("bez-notyfikacji")
		m, err := b.Server.Imoje.AddMerchant(imojesim.MerchantConfig{Shops: []imojesim.ShopConfig{{}}})
		if err != nil {
			t.Fatal(err)
		}
		var ids struct {
			CreateService       struct{ ID string }
			CreatePaymentMethod struct{ ID string }
		}
		b.Must(o.AccessToken, `mutation { createService(input: {name: "Masaż", durationMinutes: 60, priceAmount: 15000, paymentPolicy: REQUIRED, holdMinutes: 60}) { id }
			createPaymentMethod(input: {kind: IMOJE, displayName: "Online", enabled: true}) { id } }`, nil, &ids)
		b.Must(o.AccessToken, `mutation($in: ImojeCredentialsInput!) { saveImojeCredentials(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"paymentMethodId": ids.CreatePaymentMethod.ID, "authorizationToken": m.Token, "merchantId": m.ID, "shopId": m.Shops[0].ServiceID,
			"shopKey": m.Shops[0].ServiceKey, "environment": "SANDBOX", "channels": []string{"BLIK"}}}, nil)
		var staff struct{ CreateStaffMember struct{ ID string } }
		b.Must(o.AccessToken, `mutation($s: [UUID!]) { createStaffMember(input: {name: "Ola", serviceIds: $s}) { id } }`,
			map[string]any{"s": []string{ids.CreateService.ID}}, &staff)
		week := []map[string]any{}
		for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
			week = append(week, map[string]any{"weekday": d, "start": "08:00", "end": "20:00"})
		}
		b.Must(o.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
			map[string]any{"id": staff.CreateStaffMember.ID, "w": week}, nil)
		warsaw, _ := time.LoadLocation("Europe/Warsaw")
		day := time.Now().In(warsaw).AddDate(0, 0, 2)
		start := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, warsaw)
		var booked struct {
			CreateReservation struct {
				CustomerAccessToken string
				Reservation         struct{ ID string }
			}
		}
		b.Must("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) { customerAccessToken reservation { id } } }`,
			map[string]any{"in": map[string]any{"tenantSlug": o.Slug, "serviceId": ids.CreateService.ID, "staffMemberId": staff.CreateStaffMember.ID,
				"startsAt": start.UTC().Format(time.RFC3339), "customer": map[string]any{"name": "Czeka Długo", "email": "czeka@example.com"}}}, &booked)
		var pay struct {
			InitiatePayment struct{ ID, ImojeTransactionID string }
		}
		b.Must(booked.CreateReservation.CustomerAccessToken, `mutation($in: InitiatePaymentInput!) { initiatePayment(input: $in) { id imojeTransactionId } }`,
			map[string]any{"in": map[string]any{"reservationId": booked.CreateReservation.Reservation.ID, "channel": "BLIK", "blikCode": "123456", "idempotencyKey": "pending"}}, &pay)
		db, err := b.DB.Owner()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(context.Background(), `UPDATE payments SET created_at = now() - interval '20 minutes' WHERE id = $1`, pay.InitiatePayment.ID); err != nil {
			t.Fatal(err)
		}
		res := b.journey(t, "panel-imoje-warning", "WARN_EMAIL="+o.Email, "WARN_PASSWORD="+o.Password,
			"WARN_SHOP="+m.Shops[0].ServiceID, "WARN_TRANSACTION="+pay.InitiatePayment.ImojeTransactionID,
			"WARN_SLUG="+o.Slug, "WARN_SERVICE="+ids.CreateService.ID, "WARN_STAFF="+staff.CreateStaffMember.ID)
		if r := b.reservation(t, o.AccessToken, res.str("reservationId")); r.PaymentStatus != "PAID" {
			t.Fatalf("the payment after the fix: %+v", r)
		}
	})

	t.Run("services, hours and customers on a phone", func(t *testing.T) {
		b.journey(t, "panel-catalogue")
		var out struct {
			Services []struct {
				Name  string
				Price struct{ Amount int }
			}
			Customers struct {
				Edges []struct {
					Node struct {
						Email string
						Tags  []string
					}
				}
			}
		}
		b.Must(owner, `{ services { name price { amount } } customers(search: "karolina") { edges { node { email tags } } } }`, nil, &out)
		found := false
		for _, s := range out.Services {
			found = found || (s.Name == "Henna brwi" && s.Price.Amount == 4550)
		}
		if !found {
			t.Fatalf("services %+v", out.Services)
		}
		if c := out.Customers.Edges; len(c) != 1 || c[0].Node.Email != "karolina.k@example.com" || len(c[0].Node.Tags) != 2 {
			t.Fatalf("customer %+v", c)
		}
	})

	// Last: the demo owner joins a second business, so logging in without a business is refused after it.
	t.Run("an account in two businesses", func(t *testing.T) {
		other := b.SignUp("drugi-salon")
		b.Must(other.AccessToken, `mutation { updateTenant(input: {name: "Drugi Salon"}) { id } }`, nil, nil)
		var inv struct{ InviteStaff struct{ Token string } }
		b.Must(other.AccessToken, `mutation($e: String!) { inviteStaff(input: {email: $e, role: STAFF}) { token } }`, map[string]any{"e": b.demo.Email}, &inv)
		b.Must("", `mutation($in: AcceptInvitationInput!) { acceptInvitation(input: $in) { accessToken } }`,
			map[string]any{"in": map[string]any{"token": inv.InviteStaff.Token, "password": b.demo.Password}}, nil)
		if res := b.journey(t, "panel-switch", "SWITCH_SLUG="+other.Slug); res.str("switched") != other.Slug {
			t.Fatalf("result %v", res)
		}
	})
}
