package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

// TestLogsHoldNoSecrets runs a whole round — sign-up with a password, a failed and a good log-in,
// refresh, imoje credentials, a booking with the customer's name, e-mail and phone, a BLIK payment
// with its code, staff and customer tokens over HTTP and WebSocket — with the server logging at
// debug, and then looks for every secret and personal value it used anywhere in the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval = time.Hour
		o.ReconcileInterval = time.Hour
		o.ReconcileAfter = time.Millisecond
	})
	tag := randomHex(6)
	secrets := map[string]string{
		"password":       "pw-" + randomHex(12),
		"wrong password": "pw-" + randomHex(12),
		"owner e-mail":   "owner." + tag + "@secret-owner.example",
		"owner name":     "Ownername" + tag,
		"imoje token":    "imojetoken" + randomHex(16),
		"shop key":       "shopkey" + randomHex(16),
		"customer name":  "Custname" + tag,
		"customer email": "cust." + tag + "@private-customer.example",
		"BLIK code":      "777" + randomDigits(3),
	}
	phoneDigits := "48" + randomDigits(9)
	secrets["customer phone"] = "+" + phoneDigits[:2] + " " + phoneDigits[2:5] + " " + phoneDigits[5:8] + " " + phoneDigits[8:]
	secrets["customer phone digits"] = phoneDigits[2:] // however it is normalised

	sim := imojesim.New(imojesim.Config{
		Merchants: []imojesim.MerchantConfig{{Token: secrets["imoje token"],
			Shops: []imojesim.ShopConfig{{ServiceKey: secrets["shop key"], NotificationURL: env.URL + "/payment-imoje"}}}},
		TimeFactor: 0.0001, RefundSpacing: -1,
	})
	t.Cleanup(sim.Close)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)

	slug := "secrets-" + tag
	var su struct{ SignUp authPayload }
	env.Must("", signUpMutation, map[string]any{"in": map[string]any{
		"tenantName": "Salon " + tag, "slug": slug, "timeZone": "Europe/Warsaw",
		"ownerName": secrets["owner name"], "email": secrets["owner e-mail"], "password": secrets["password"],
	}}, &su)
	env.MustFail("", logInMutation, map[string]any{"in": map[string]any{"email": secrets["owner e-mail"], "password": secrets["wrong password"]}}, "UNAUTHENTICATED")
	var li struct{ LogIn authPayload }
	env.Must("", logInMutation, map[string]any{"in": map[string]any{"email": secrets["owner e-mail"], "password": secrets["password"]}}, &li)
	var rt struct{ RefreshToken authPayload }
	env.Must("", refreshMutation, map[string]any{"t": li.LogIn.RefreshToken}, &rt)
	env.MustFail("", refreshMutation, map[string]any{"t": li.LogIn.RefreshToken}, "UNAUTHENTICATED") // spent: the family is revoked
	var again struct{ LogIn authPayload }
	env.Must("", logInMutation, map[string]any{"in": map[string]any{"email": secrets["owner e-mail"], "password": secrets["password"]}}, &again)
	staff := again.LogIn.AccessToken

	b := &bookingEnv{Env: env, owner: servertest.Owner{TenantID: su.SignUp.Tenant.ID, Slug: slug, AccessToken: staff}}
	env.Must(staff, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	b.service = b.createService(t, map[string]any{"priceAmount": priceAmount, "paymentPolicy": "REQUIRED", "holdMinutes": 30})
	b.staff = b.createStaff(t, "Anna", b.service)
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "08:00", "end": "20:00"})
	}
	env.Must(staff, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": b.staff, "w": week}, nil)
	p := &payEnv{bookingEnv: b, sim: sim, simURL: hs.URL, merchant: sim.Merchants()[0]}
	var m struct{ CreatePaymentMethod struct{ ID string } }
	env.Must(staff, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Pay online", isDefault: true}) { id } }`, nil, &m)
	p.method = m.CreatePaymentMethod.ID
	// A wrong shop key first (refused by nothing: imoje never sees the key), then the right one.
	wrong := p.credentials()
	wrong["authorizationToken"] = secrets["imoje token"] + "x"
	env.MustFail(staff, saveCredentialsOp, map[string]any{"in": wrong}, "BAD_USER_INPUT")
	env.Must(staff, saveCredentialsOp, map[string]any{"in": p.credentials()}, nil)

	now := time.Now().In(warsaw)
	start := time.Date(now.Year(), now.Month(), now.Day()+3, 10, 0, 0, 0, warsaw)
	in := b.reservationInput(start, "secret-booking")
	in["customer"] = map[string]any{"name": secrets["customer name"], "email": secrets["customer email"], "phone": secrets["customer phone"]}
	var out struct{ CreateReservation createdReservation }
	env.Must("", createReservationOp, map[string]any{"in": in}, &out)
	r := out.CreateReservation
	customer := r.CustomerAccessToken

	// Live updates with both tokens while the payment goes through.
	staffWS := connect(t, env.URL, transportWS, staff)
	staffWS.subscribe("all", `subscription { reservationsChanged { kind } }`, nil)
	customerWS := connect(t, env.URL, legacyWS, customer)
	customerWS.subscribe("pay", `subscription($id: UUID!) { paymentUpdated(reservationId: $id) { kind } }`, map[string]any{"id": r.Reservation.ID})
	waitSubscribed(t, env, 2*membershipWatch+1) // the customer's connection has no membership watch: 1 + 1 + 1
	bad := mustDialWS(t, env.URL, transportWS)
	bad.init(customer[:len(customer)-3] + "abc")
	bad.closeStatus(5 * time.Second)

	p.initiate(t, customer, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": secrets["BLIK code"], "idempotencyKey": "secret-pay"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
	env.Must(customer, `query($id: UUID!) { reservation(id: $id) { status customer { name email phone } } }`, map[string]any{"id": r.Reservation.ID}, nil)
	env.Must(staff, `query { reservations(filter: {search: "`+secrets["customer name"]+`"}) { edges { node { id } } } }`, nil, nil)

	tokens := map[string]string{
		"sign-up access token": su.SignUp.AccessToken, "sign-up refresh token": su.SignUp.RefreshToken,
		"log-in access token": li.LogIn.AccessToken, "log-in refresh token": li.LogIn.RefreshToken,
		"refreshed access token": rt.RefreshToken.AccessToken, "refreshed refresh token": rt.RefreshToken.RefreshToken,
		"staff access token": staff, "staff refresh token": again.LogIn.RefreshToken, "customer token": customer,
	}
	for name, tok := range tokens {
		if tok == "" {
			t.Fatalf("%s is empty", name)
		}
		secrets[name] = tok
		if parts := strings.Split(tok, "."); len(parts) == 3 { // a JWT's signature alone is enough to forge nothing, but is the secret part
			secrets[name+" signature"] = parts[2]
		}
	}
	log := strings.ToLower(env.Logs.String())
	if !strings.Contains(log, `"msg":"websocket closed"`) || !strings.Contains(log, `"operation_type":"mutation"`) {
		t.Fatalf("the log does not look like a full run's:\n%s", env.Logs.String())
	}
	for name, value := range secrets {
		if strings.Contains(log, strings.ToLower(value)) {
			i := strings.Index(log, strings.ToLower(value))
			t.Errorf("the log holds the %s: …%s…", name, log[max(0, i-200):min(len(log), i+len(value)+50)])
		}
	}
}
