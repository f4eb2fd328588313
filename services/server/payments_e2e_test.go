package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// payEnv is a business with a prepaid service (REQUIRED), a staff member working every day, an imoje
// payment method whose shop lives in the project's imoje simulator, and the simulator notifying the
// server's /payment-imoje as imoje would.
type payEnv struct {
	*bookingEnv
	sim      *imojesim.Simulator
	simURL   string
	merchant imojesim.MerchantConfig
	method   string
	day      time.Time
	slot     int
}

const priceAmount = 12000

func newPayEnv(t *testing.T, slug string) *payEnv {
	t.Helper()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval = time.Hour // tests drive expiry and reconciliation themselves
		o.ReconcileInterval = time.Hour
		o.ReconcileAfter = time.Millisecond
		o.RefundSpacing = 20 * time.Millisecond
	})
	return newPayEnvOn(t, env, slug)
}

func newPayEnvOn(t *testing.T, env *servertest.Env, slug string, simOpts ...func(*imojesim.Config)) *payEnv {
	t.Helper()
	simCfg := imojesim.Config{
		Merchants:     []imojesim.MerchantConfig{{Shops: []imojesim.ShopConfig{{NotificationURL: env.URL + "/payment-imoje"}}}},
		TimeFactor:    0.0001,
		RefundSpacing: -1,
	}
	for _, o := range simOpts {
		o(&simCfg)
	}
	sim := imojesim.New(simCfg)
	t.Cleanup(sim.Close)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	b := &bookingEnv{Env: env, owner: env.SignUp(slug)}
	env.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	b.service = b.createService(t, map[string]any{"priceAmount": priceAmount, "paymentPolicy": "REQUIRED", "holdMinutes": 30})
	b.staff = b.createStaff(t, "Anna", b.service)
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "08:00", "end": "20:00"})
	}
	env.Must(b.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": b.staff, "w": week}, nil)
	p := &payEnv{bookingEnv: b, sim: sim, simURL: hs.URL, merchant: sim.Merchants()[0]}
	var m struct{ CreatePaymentMethod struct{ ID string } }
	env.Must(b.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Pay online", isDefault: true}) { id } }`, nil, &m)
	p.method = m.CreatePaymentMethod.ID
	env.Must(b.owner.AccessToken, saveCredentialsOp, map[string]any{"in": p.credentials()}, nil)
	now := time.Now().In(warsaw)
	p.day = time.Date(now.Year(), now.Month(), now.Day()+3, 0, 0, 0, 0, warsaw)
	return p
}

const saveCredentialsOp = `mutation($in: ImojeCredentialsInput!) { saveImojeCredentials(input: $in) {
	id imoje { configured merchantId shopId environment authorizationTokenSet authorizationTokenHint shopKeySet shopKeyHint
	channels shopChannels { method code } notificationUrl lastNotificationAt setupWarnings } } }`

func (p *payEnv) credentials() map[string]any {
	shop := p.merchant.Shops[0]
	return map[string]any{
		"paymentMethodId": p.method, "authorizationToken": p.merchant.Token, "merchantId": p.merchant.ID,
		"shopId": shop.ServiceID, "shopKey": shop.ServiceKey, "environment": "CUSTOM",
		"customBaseUrl": p.simURL + "/v1/merchant", "channels": []string{"BLIK", "PBL", "PAY_LATER", "CARD"},
	}
}

// book makes a public reservation on its own slot (PENDING_PAYMENT) and returns it with its customer token.
func (p *payEnv) book(t *testing.T) createdReservation {
	t.Helper()
	start := p.day.Add(time.Duration(8*60+p.slot*60) * time.Minute)
	p.slot++
	var out struct{ CreateReservation createdReservation }
	p.Must("", createReservationOp, map[string]any{"in": p.reservationInput(start, "")}, &out)
	if out.CreateReservation.Reservation.Status != "PENDING_PAYMENT" || out.CreateReservation.Reservation.PaymentStatus != "UNPAID" {
		t.Fatalf("reservation %+v", out.CreateReservation.Reservation)
	}
	return out.CreateReservation
}

type paymentResult struct {
	ID                 string
	Status             string
	Channel            string
	RedirectURL        *string
	ImojeTransactionID *string
	FailureCode        *string
	Amount             struct {
		Amount   int
		Currency string
	}
}

const initiateOp = `mutation($in: InitiatePaymentInput!) { initiatePayment(input: $in) {
	id status channel redirectUrl imojeTransactionId failureCode amount { amount currency } } }`

func (p *payEnv) initiate(t *testing.T, token string, in map[string]any) paymentResult {
	t.Helper()
	var out struct{ InitiatePayment paymentResult }
	p.Must(token, initiateOp, map[string]any{"in": in}, &out)
	return out.InitiatePayment
}

type reservationState struct {
	Status        string
	PaymentStatus string
	History       []struct {
		FromStatus, ToStatus, FromPaymentStatus, ToPaymentStatus string
		Actor, Reason                                            string
	}
	Payments []struct {
		ID, Status     string
		RefundedAmount struct{ Amount int }
		Refunds        []struct{ Status string }
	}
}

const reservationStateOp = `query($id: UUID!) { reservation(id: $id) { status paymentStatus
	history { fromStatus toStatus fromPaymentStatus toPaymentStatus actor reason }
	payments { id status refundedAmount { amount } refunds { status } } } }`

func (p *payEnv) state(t *testing.T, id string) reservationState {
	t.Helper()
	var out struct{ Reservation reservationState }
	p.Must(p.owner.AccessToken, reservationStateOp, map[string]any{"id": id}, &out)
	return out.Reservation
}

// waitFor polls the reservation until cond holds (notifications arrive asynchronously).
func (p *payEnv) waitFor(t *testing.T, id string, what string, cond func(reservationState) bool) reservationState {
	t.Helper()
	return pollUntil(t, p, what, func() reservationState { return p.state(t, id) }, cond)
}

// pollUntil reads until cond holds (notifications arrive asynchronously), for at most 10 s.
func pollUntil[T any](t *testing.T, p *payEnv, what string, read func() T, cond func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := read()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; reservation is %+v; deliveries: %s", what, st, p.deliveriesSummary())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *payEnv) deliveriesSummary() string {
	var b strings.Builder
	for _, d := range p.sim.Deliveries() {
		fmt.Fprintf(&b, "[%s %s attempts=%d] ", d.Event, d.State, len(d.Attempts))
	}
	return b.String()
}

func paid(st reservationState) bool { return st.Status == "CONFIRMED" && st.PaymentStatus == "PAID" }

// linkOf finds the simulator's payment link for one of our payments (its orderId is our id).
func (p *payEnv) linkOf(t *testing.T, paymentID string) imojesim.Payment {
	t.Helper()
	for _, l := range p.sim.Payments() {
		if l.OrderID == paymentID {
			return l
		}
	}
	t.Fatalf("no payment link for %s", paymentID)
	return imojesim.Payment{}
}

func TestPaymentRoundsForEveryChannel(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "rounds")
	cases := []struct {
		name  string
		input map[string]any
		pay   func(t *testing.T, pay paymentResult)
	}{
		{"BLIK on imoje's page", map[string]any{"channel": "BLIK"}, func(t *testing.T, pay paymentResult) {
			if pay.RedirectURL == nil {
				t.Fatal("BLIK without a code needs imoje's page")
			}
			p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle", BlikCode: "777123"})
		}},
		{"BLIK with a code", map[string]any{"channel": "BLIK", "blikCode": "777123"}, func(t *testing.T, pay paymentResult) {
			// The payer confirms in the bank's app; the simulator settles 777xxx by itself.
		}},
		{"fast transfer", map[string]any{"channel": "PBL", "bankCode": "ing"}, func(t *testing.T, pay paymentResult) {
			p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
		}},
		{"pay later", map[string]any{"channel": "PAY_LATER", "payLaterProvider": "PAYPO"}, func(t *testing.T, pay paymentResult) {
			p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
		}},
		{"card by link", map[string]any{"channel": "CARD"}, func(t *testing.T, pay paymentResult) {
			if pay.RedirectURL == nil || pay.ImojeTransactionID != nil {
				t.Fatalf("card payment is a link: %+v", pay)
			}
			link := p.linkOf(t, pay.ID)
			p.outcome(t, link.ID, imojesim.Outcome{Outcome: "settle", PaymentMethod: "card", PaymentMethodCode: "ecom3ds", CardNumber: "4111111111111111"})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := p.book(t)
			in := map[string]any{"reservationId": r.Reservation.ID, "idempotencyKey": "k-" + c.name}
			for k, v := range c.input {
				in[k] = v
			}
			pay := p.initiate(t, r.CustomerAccessToken, in)
			// A BLIK code the simulator settles at once may be PAID by the time the answer is read.
			if (pay.Status != "PENDING" && pay.Status != "PAID") || pay.Amount.Amount != priceAmount || pay.Amount.Currency != "PLN" {
				t.Fatalf("payment %+v", pay)
			}
			if st := p.state(t, r.Reservation.ID); !paid(st) && (st.Status != "PENDING_PAYMENT" || st.PaymentStatus != "PENDING") {
				t.Fatalf("after initiation: %+v", st)
			}
			c.pay(t, pay)
			st := p.waitFor(t, r.Reservation.ID, "PAID", paid)
			last := st.History[len(st.History)-1]
			if last.FromStatus != "PENDING_PAYMENT" || last.ToStatus != "CONFIRMED" || last.ToPaymentStatus != "PAID" {
				t.Fatalf("history does not record the payment: %+v", st.History)
			}
			if len(st.Payments) != 1 || st.Payments[0].Status != "PAID" {
				t.Fatalf("payments %+v", st.Payments)
			}
		})
	}
}

func (p *payEnv) outcome(t *testing.T, id string, o imojesim.Outcome) {
	t.Helper()
	// Over HTTP, as a test client of the simulator would (the documented outcome endpoint).
	path := "/_sim/transactions/" + id + "/outcome"
	if _, err := p.sim.Transaction(id); err != nil {
		path = "/_sim/payments/" + id + "/outcome"
	}
	body, _ := json.Marshal(o)
	resp, err := http.Post(p.simURL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("outcome %s: %d %s", path, resp.StatusCode, b)
	}
}

func TestRejectedPaymentThenRetrySucceeds(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "reject-retry")
	r := p.book(t)
	first := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": "111111", "idempotencyKey": "try-1"})
	st := p.waitFor(t, r.Reservation.ID, "FAILED", func(s reservationState) bool { return s.PaymentStatus == "FAILED" })
	if st.Status != "PENDING_PAYMENT" {
		t.Fatalf("a rejected payment must keep the hold: %+v", st)
	}
	var pay struct{ Payment paymentResult }
	p.Must(r.CustomerAccessToken, `query($id: UUID!) { payment(id: $id) { status failureCode } }`, map[string]any{"id": first.ID}, &pay)
	if pay.Payment.Status != "FAILED" || pay.Payment.FailureCode == nil || *pay.Payment.FailureCode != "BLK-ERROR-210005" {
		t.Fatalf("rejected payment %+v", pay.Payment)
	}
	second := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "mtransfer", "idempotencyKey": "try-2"})
	if second.ID == first.ID {
		t.Fatal("the retry reused the failed payment")
	}
	p.outcome(t, *second.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
}

// settledDelivery drives a payment to settled with the notification dropped, and returns the
// notification imoje would have sent (body and header exactly as the simulator signed them).
func (p *payEnv) settledDelivery(t *testing.T) (createdReservation, paymentResult, imojesim.Delivery) {
	t.Helper()
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "dropped-" + r.Reservation.ID})
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, TransactionID: *pay.ImojeTransactionID}); err != nil {
		t.Fatal(err)
	}
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	for _, d := range p.sim.Deliveries() {
		if d.TransactionID == *pay.ImojeTransactionID && strings.Contains(d.Event, "settled") {
			return r, pay, d
		}
	}
	t.Fatalf("no settled delivery recorded: %s", p.deliveriesSummary())
	return r, pay, imojesim.Delivery{}
}

func postNotification(t *testing.T, url, header string, body []byte) (int, string) {
	t.Helper()
	code, answer, err := notify(url, header, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, answer
}

// notify posts a notification as imoje does and returns the answer.
func notify(url, header string, body []byte) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, url+"/payment-imoje", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("User-Agent", "imoje")
	if header != "" {
		req.Header.Set("x-imoje-signature", header) // header names are case-insensitive
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// notifyConcurrently posts n copies of one notification at once and returns every answer as
// "<status> <body>" (or the transport's error).
func notifyConcurrently(url, header string, body []byte, n int) []string {
	answers := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			code, answer, err := notify(url, header, body)
			if err != nil {
				answers[i] = err.Error()
				return
			}
			answers[i] = fmt.Sprintf("%d %s", code, answer)
		})
	}
	close(start)
	wg.Wait()
	return answers
}

func TestDuplicateAndOutOfOrderNotifications(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "duplicates")
	r, pay, d := p.settledDelivery(t)
	if st := p.state(t, r.Reservation.ID); st.PaymentStatus != "PENDING" {
		t.Fatalf("the dropped notification arrived anyway: %+v", st)
	}
	for _, a := range notifyConcurrently(p.URL, d.SignatureHeader, []byte(d.Body), 20) {
		if a != `200 {"status":"ok"}` {
			t.Fatalf("a duplicate was answered %q", a)
		}
	}
	st := p.state(t, r.Reservation.ID)
	if !paid(st) {
		t.Fatalf("after 20 copies: %+v", st)
	}
	transitions := 0
	for _, h := range st.History {
		if h.ToPaymentStatus == "PAID" && h.FromPaymentStatus != "PAID" {
			transitions++
		}
	}
	if transitions != 1 {
		t.Fatalf("%d transitions to PAID, want 1: %+v", transitions, st.History)
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE payment_id = $1`, pay.ID); n != 1 {
		t.Fatalf("%d stored notifications, want 1", n)
	}

	// Out of order: a late "pending" (signed by imoje, i.e. the simulator's encoder and the shop key)
	// after "settled" changes nothing.
	tx, err := p.sim.Transaction(*pay.ImojeTransactionID)
	if err != nil {
		t.Fatal(err)
	}
	tx.Status = "pending"
	body, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &tx})
	code, answer := postNotification(t, p.URL, p.sign(t, body), body)
	if code != 200 || answer != `{"status":"ok"}` {
		t.Fatalf("late pending answered %d %s", code, answer)
	}
	if st := p.state(t, r.Reservation.ID); !paid(st) || len(st.History) != len(p.state(t, r.Reservation.ID).History) {
		t.Fatalf("late pending undid PAID: %+v", st)
	}
	var outcome string
	owner, _ := p.DB.Owner()
	if err := owner.QueryRow(context.Background(), `SELECT outcome FROM imoje_notifications WHERE body = $1`, string(body)).Scan(&outcome); err != nil || outcome != "STALE" {
		t.Fatalf("late pending stored as %q (%v)", outcome, err)
	}
}

func (p *payEnv) sign(t *testing.T, body []byte) string {
	t.Helper()
	return signAs(t, p.merchant.ID, p.merchant.Shops[0].ServiceID, p.merchant.Shops[0].ServiceKey, body)
}

func signAs(t *testing.T, merchantID, serviceID, key string, body []byte) string {
	t.Helper()
	sig, err := imojesim.Sign(body, key, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	return "merchantid=" + merchantID + ";serviceid=" + serviceID + ";signature=" + sig + ";alg=sha256"
}

func TestForgedNotificationsChangeNothing(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	})
	a := newPayEnvOn(t, env, "forged-a")
	b := newPayEnvOn(t, env, "forged-b")
	r, pay, d := a.settledDelivery(t)
	body := []byte(d.Body)
	flipped := bytes.Clone(body)
	flipped[len(flipped)/2] ^= 0x01
	tx, _ := a.sim.Transaction(*pay.ImojeTransactionID)
	otherAmount, otherCurrency := tx, tx
	otherAmount.Amount = 1
	otherCurrency.Currency = "EUR"
	amountBody, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &otherAmount})
	currencyBody, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &otherCurrency})
	aShop, bShop := a.merchant.Shops[0], b.merchant.Shops[0]
	cases := []struct {
		name   string
		header string
		body   []byte
		status int
	}{
		{"flipped byte", d.SignatureHeader, flipped, 401},
		{"wrong key", signAs(t, a.merchant.ID, aShop.ServiceID, aShop.ServiceKey+"x", body), body, 401},
		{"another tenant's key for A's shop", signAs(t, a.merchant.ID, aShop.ServiceID, bShop.ServiceKey, body), body, 401},
		{"no signature", "", body, 400},
		{"malformed signature header", "merchantid=x;alg=sha256", body, 400},
		{"unknown shop", signAs(t, "unknownmerchant", "00000000-0000-4000-8000-000000000000", "k", body), body, 404},
		{"malformed body", a.sign(t, []byte(`{"transaction":`)), []byte(`{"transaction":`), 400},
		// Signed by B's shop: it can only ever look in B's payments, where A's order does not exist.
		{"B's shop and key naming A's order", signAs(t, b.merchant.ID, bShop.ServiceID, bShop.ServiceKey, body), body, 400},
		{"amount mismatch", a.sign(t, amountBody), amountBody, 200},
		{"currency mismatch", a.sign(t, currencyBody), currencyBody, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, answer := postNotification(t, env.URL, c.header, c.body)
			if code != c.status {
				t.Fatalf("answered %d %s, want %d", code, answer, c.status)
			}
			if st := a.state(t, r.Reservation.ID); st.PaymentStatus != "PENDING" || st.Status != "PENDING_PAYMENT" {
				t.Fatalf("a forged notification changed the reservation: %+v", st)
			}
		})
	}
	// B's shop naming A's order in its body (service id of B, so the body is consistent) is an
	// unknown order in B's books: kept for the operator, A untouched.
	tx.ServiceID = bShop.ServiceID
	crossBody, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &tx})
	if code, _ := postNotification(t, env.URL, signAs(t, b.merchant.ID, bShop.ServiceID, bShop.ServiceKey, crossBody), crossBody); code != 200 {
		t.Fatalf("cross-tenant notification answered %d", code)
	}
	if st := a.state(t, r.Reservation.ID); st.PaymentStatus != "PENDING" {
		t.Fatalf("tenant B's notification touched tenant A: %+v", st)
	}
	if n := env.Count(`SELECT count(*) FROM imoje_notifications n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = 'forged-b' AND n.outcome = 'UNKNOWN_ORDER'`); n != 1 {
		t.Fatalf("%d unknown-order notifications kept for B", n)
	}
	if n := env.Count(`SELECT count(*) FROM imoje_notifications WHERE outcome = 'MISMATCH'`); n != 2 {
		t.Fatalf("%d mismatches kept, want 2", n)
	}
	// And the genuine notification still works afterwards.
	if code, _ := postNotification(t, env.URL, d.SignatureHeader, body); code != 200 {
		t.Fatalf("genuine notification answered %d", code)
	}
	a.waitFor(t, r.Reservation.ID, "PAID", paid)
}

func TestDroppedNotificationsAreReconciled(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "reconcile")
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, ServiceID: p.merchant.Shops[0].ServiceID}); err != nil {
		t.Fatal(err)
	}
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PAY_LATER", "payLaterProvider": "TWISTO", "idempotencyKey": "lost"})
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	if err := p.sim.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := p.state(t, r.Reservation.ID); st.PaymentStatus != "PENDING" {
		t.Fatalf("a dropped notification arrived: %+v", st)
	}
	// The pending payment with no notification ever received shows up as a setup warning once it
	// has waited long enough.
	owner, _ := p.DB.Owner()
	if _, err := owner.Exec(context.Background(), `UPDATE payments SET created_at = now() - interval '20 minutes' WHERE id = $1`, pay.ID); err != nil {
		t.Fatal(err)
	}
	var setup struct {
		PaymentMethods []struct {
			Imoje *struct {
				SetupWarnings   []string
				NotificationURL string `json:"notificationUrl"`
			}
		}
	}
	p.Must(p.owner.AccessToken, `{ paymentMethods { imoje { setupWarnings notificationUrl } } }`, nil, &setup)
	w := setup.PaymentMethods[0].Imoje
	if w.NotificationURL != p.URL+"/payment-imoje" || len(w.SetupWarnings) == 0 || !strings.Contains(w.SetupWarnings[0], "notification URL") {
		t.Fatalf("setup %+v", w)
	}
	// A payment whose outcome is unknown and that no notification ever named is the same sign.
	if _, err := owner.Exec(context.Background(), `UPDATE payments SET status = 'UNKNOWN' WHERE id = $1`, pay.ID); err != nil {
		t.Fatal(err)
	}
	p.Must(p.owner.AccessToken, `{ paymentMethods { imoje { setupWarnings notificationUrl } } }`, nil, &setup)
	if w := setup.PaymentMethods[0].Imoje; len(w.SetupWarnings) == 0 || !strings.Contains(w.SetupWarnings[0], "notification URL") {
		t.Fatalf("setup with an UNKNOWN payment %+v", w)
	}
	n, err := p.Server.Payments.ReconcileOnce(context.Background(), 10)
	if err != nil || n != 1 {
		t.Fatalf("reconciled %d (%v)", n, err)
	}
	st := p.waitFor(t, r.Reservation.ID, "PAID", paid)
	if !strings.Contains(st.History[len(st.History)-1].Reason, "reconciliation") {
		t.Fatalf("history %+v", st.History)
	}
}

func TestRefundsPartialThenFull(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "refunds")
	r := p.book(t)
	// Staff may start a payment too (e.g. at the desk).
	pay := p.initiate(t, p.owner.AccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "blikCode": "777000", "idempotencyKey": "refund-me"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
	const refundOp = `mutation($in: RefundPaymentInput!) { refundPayment(input: $in) { id status amount { amount currency } } }`
	// Staff only, OWNER/ADMIN, never more than paid.
	p.MustFail(r.CustomerAccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": pay.ID, "amount": 100}}, "FORBIDDEN")
	e := p.MustFail(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": pay.ID, "amount": priceAmount + 1}}, "BAD_USER_INPUT")
	if e.Field() != "input.amount" {
		t.Fatalf("field %q", e.Field())
	}
	p.Must(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": pay.ID, "amount": 2000, "reason": "late"}}, nil)
	p.waitFor(t, r.Reservation.ID, "PARTIALLY_REFUNDED", func(s reservationState) bool { return s.PaymentStatus == "PARTIALLY_REFUNDED" })
	p.MustFail(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": pay.ID, "amount": priceAmount - 2000 + 1}}, "BAD_USER_INPUT")
	var full struct {
		RefundPayment struct{ Amount struct{ Amount int } }
	}
	p.Must(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": pay.ID}}, &full)
	if full.RefundPayment.Amount.Amount != priceAmount-2000 {
		t.Fatalf("full refund of the rest: %+v", full)
	}
	st := p.waitFor(t, r.Reservation.ID, "REFUNDED", func(s reservationState) bool { return s.PaymentStatus == "REFUNDED" })
	if st.Payments[0].RefundedAmount.Amount != priceAmount || len(st.Payments[0].Refunds) != 2 {
		t.Fatalf("payment %+v", st.Payments[0])
	}
	p.MustFail(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": pay.ID, "amount": 1}}, "BAD_USER_INPUT")
	refundNotes := 0
	for _, d := range p.sim.Deliveries() {
		if strings.Contains(d.Body, `"type":"refund"`) && d.State == "delivered" {
			refundNotes++
		}
	}
	if refundNotes < 2 {
		t.Fatalf("%d refund notifications delivered: %s", refundNotes, p.deliveriesSummary())
	}
}

func TestInitiatePaymentIdempotencyUnderConcurrency(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "idem-pay")
	r := p.book(t)
	in := map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "same"}
	var wg sync.WaitGroup
	ids := make(chan string, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := p.post(r.CustomerAccessToken, initiateOp, map[string]any{"in": in})
			if err != nil || len(resp.Errors) > 0 {
				ids <- fmt.Sprintf("error %v %+v", err, resp.Errors)
				return
			}
			var out struct{ InitiatePayment paymentResult }
			_ = json.Unmarshal(resp.Data, &out)
			ids <- out.InitiatePayment.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]int{}
	for id := range ids {
		seen[id]++
	}
	if len(seen) != 1 {
		t.Fatalf("answers %v, want one payment", seen)
	}
	if n := p.Count(`SELECT count(*) FROM payments`); n != 1 {
		t.Fatalf("%d payments", n)
	}
	calls := 0
	for _, tx := range p.sim.Transactions() {
		if tx.Type == "sale" {
			calls++
		}
	}
	if calls != 1 {
		t.Fatalf("%d imoje transactions created, want 1", calls)
	}
	// The same key with other content is a conflict.
	in2 := map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "mtransfer", "idempotencyKey": "same"}
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": in2}, "CONFLICT")
	// Another key while one payment is in progress is refused too (one active payment per reservation).
	in3 := map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "idempotencyKey": "other"}
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": in3}, "CONFLICT")
}

func TestInitiatePaymentRefusals(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "refusals")
	r := p.book(t)
	other := p.book(t)
	base := func(kv ...any) map[string]any {
		in := map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": fmt.Sprint(time.Now().UnixNano())}
		for i := 0; i+1 < len(kv); i += 2 {
			in[kv[i].(string)] = kv[i+1]
		}
		return in
	}
	cases := []struct {
		name, token string
		in          map[string]any
		code, field string
	}{
		{"another reservation's customer token", other.CustomerAccessToken, base(), "NOT_FOUND", "input.reservationId"},
		{"no token", "", base(), "UNAUTHENTICATED", ""},
		{"bad BLIK code", r.CustomerAccessToken, base("channel", "BLIK", "blikCode", "12ab56"), "BAD_USER_INPUT", "input.blikCode"},
		{"PBL without bank", r.CustomerAccessToken, base("bankCode", nil), "BAD_USER_INPUT", "input.bankCode"},
		{"unknown bank", r.CustomerAccessToken, base("bankCode", "nobank"), "BAD_USER_INPUT", "input.bankCode"},
		{"pay later without provider", r.CustomerAccessToken, base("channel", "PAY_LATER", "bankCode", nil), "BAD_USER_INPUT", "input.payLaterProvider"},
		{"no idempotency key", r.CustomerAccessToken, base("idempotencyKey", ""), "BAD_USER_INPUT", "input.idempotencyKey"},
		{"bad return URL", r.CustomerAccessToken, base("returnUrl", "javascript:alert(1)"), "BAD_USER_INPUT", "input.returnUrl"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := p.MustFail(c.token, initiateOp, map[string]any{"in": c.in}, c.code)
			if c.field != "" && e.Field() != c.field {
				t.Fatalf("field %q, want %q (%s)", e.Field(), c.field, e.Message)
			}
		})
	}
	if n := p.Count(`SELECT count(*) FROM payments`); n != 0 {
		t.Fatalf("refused initiations wrote %d payments", n)
	}

	// imoje failing (HTTP 500) leaves a FAILED payment and the reservation as it was.
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultAPIError, Calls: []string{imojesim.CallCreateTransaction}, Times: 1}); err != nil {
		t.Fatal(err)
	}
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": base()}, "PAYMENT_PROVIDER_ERROR")
	if st := p.state(t, r.Reservation.ID); st.Status != "PENDING_PAYMENT" || st.PaymentStatus != "UNPAID" || len(st.Payments) != 1 || st.Payments[0].Status != "FAILED" {
		t.Fatalf("after imoje's error: %+v", st)
	}
	// The customer can try again at once.
	pay := p.initiate(t, r.CustomerAccessToken, base())
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
	// Paying an already paid reservation is refused.
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": base()}, "CONFLICT")
	// And a cancelled one.
	p.Must(other.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "changed my mind") { status } }`, map[string]any{"id": other.Reservation.ID}, nil)
	p.MustFail(other.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": other.Reservation.ID, "channel": "BLIK", "idempotencyKey": "late"}}, "CONFLICT")
}

// bookExpensive books (publicly, on its own slot) a service above every pay-later provider's limit
// in the default channels, with more of its fields from in, performed by the env's staff member.
func (p *payEnv) bookExpensive(t *testing.T, in map[string]any) createdReservation {
	t.Helper()
	svc := map[string]any{"name": "Wedding package", "priceAmount": 9_000_000, "paymentPolicy": "REQUIRED", "durationMinutes": 60}
	for k, v := range in {
		svc[k] = v
	}
	expensive := p.createService(t, svc)
	p.Must(p.owner.AccessToken, `mutation($id: UUID!, $in: StaffMemberInput!) { updateStaffMember(id: $id, input: $in) { id } }`,
		map[string]any{"id": p.staff, "in": map[string]any{"serviceIds": []string{p.service, expensive}}}, nil)
	booking := p.reservationInput(p.day.Add(15*time.Hour), "")
	booking["serviceId"] = expensive
	var out struct{ CreateReservation createdReservation }
	p.Must("", createReservationOp, map[string]any{"in": booking}, &out)
	return out.CreateReservation
}

func TestPayLaterOnlyWithinProviderLimits(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "paylater")
	r := p.bookExpensive(t, nil)
	var opts struct {
		PaymentOptions []struct {
			Channel          string
			PayLaterProvider *string
		}
	}
	p.Must(r.CustomerAccessToken, `query($id: UUID!) { paymentOptions(reservationId: $id) { channel payLaterProvider } }`, map[string]any{"id": r.Reservation.ID}, &opts)
	for _, o := range opts.PaymentOptions {
		if o.Channel == "PAY_LATER" {
			t.Fatalf("pay later offered above its limits: %+v", opts)
		}
	}
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "PAY_LATER", "payLaterProvider": "TWISTO", "idempotencyKey": "too-much"}}, "BAD_USER_INPUT")
	cheap := p.book(t)
	p.Must(cheap.CustomerAccessToken, `query($id: UUID!) { paymentOptions(reservationId: $id) { channel payLaterProvider } }`, map[string]any{"id": cheap.Reservation.ID}, &opts)
	found := false
	for _, o := range opts.PaymentOptions {
		found = found || o.Channel == "PAY_LATER"
	}
	if !found {
		t.Fatalf("pay later not offered within limits: %+v", opts)
	}
}

func TestImojeCredentials(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	})
	p := newPayEnvOn(t, env, "creds")
	shop := p.merchant.Shops[0]
	var got struct {
		PaymentMethods []struct {
			ID    string
			Imoje struct {
				Configured             bool
				MerchantID, ShopID     string
				AuthorizationTokenHint string
				ShopKeyHint            string
				Channels               []string
				ShopChannels           []struct{ Method, Code string }
			}
		}
	}
	raw := env.Do(p.owner.AccessToken, `{ paymentMethods { id imoje { configured merchantId shopId authorizationTokenHint shopKeyHint channels shopChannels { method code } } } }`, nil)
	if err := json.Unmarshal(raw.Data, &got); err != nil || len(got.PaymentMethods) != 1 {
		t.Fatalf("%s %v", raw.Data, err)
	}
	im := got.PaymentMethods[0].Imoje
	if !im.Configured || im.MerchantID != p.merchant.ID || im.ShopID != shop.ServiceID || len(im.ShopChannels) == 0 ||
		im.AuthorizationTokenHint != "••••"+p.merchant.Token[len(p.merchant.Token)-4:] || im.ShopKeyHint != "••••"+shop.ServiceKey[len(shop.ServiceKey)-4:] {
		t.Fatalf("setup %+v", im)
	}
	// Secrets: not in any answer, not in any log line, not in plaintext in the database.
	for _, secret := range []string{p.merchant.Token, shop.ServiceKey} {
		if strings.Contains(string(raw.Data), secret) || strings.Contains(env.Logs.String(), secret) {
			t.Fatal("a secret reached an answer or the logs")
		}
		if n := env.Count(`SELECT count(*) FROM imoje_credentials WHERE token_sealed LIKE '%' || $1 || '%' OR service_key_sealed LIKE '%' || $1 || '%'`, secret); n != 0 {
			t.Fatal("a secret is stored in plaintext")
		}
	}
	// Customers see enabled methods only, and never the imoje setup.
	pub := env.Do("", `query { publicPaymentMethods(tenantSlug: "creds") { displayName kind } }`, nil)
	if len(pub.Errors) > 0 || !strings.Contains(string(pub.Data), "Pay online") {
		t.Fatalf("%+v %s", pub.Errors, pub.Data)
	}
	env.MustFail("", `query { publicPaymentMethods(tenantSlug: "creds") { imoje { merchantId } } }`, nil, "UNAUTHENTICATED")

	// Bad credentials: a clear error naming the field, nothing stored.
	other := imojesim.New(imojesim.Config{Merchants: []imojesim.MerchantConfig{{Shops: []imojesim.ShopConfig{{}}}}})
	defer other.Close()
	foreignShop := other.Merchants()[0].Shops[0].ServiceID
	var m struct{ CreatePaymentMethod struct{ ID string } }
	// A second business tries to connect.
	b := env.SignUp("creds-b")
	env.Must(b.AccessToken, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Online"}) { id } }`, nil, &m)
	bad := func(kv ...string) map[string]any {
		in := p.credentials()
		in["paymentMethodId"] = m.CreatePaymentMethod.ID
		for i := 0; i+1 < len(kv); i += 2 {
			in[kv[i]] = kv[i+1]
		}
		return in
	}
	cases := []struct {
		name  string
		in    map[string]any
		code  string
		field string
	}{
		{"wrong token", bad("authorizationToken", "wrongtoken123456"), "BAD_USER_INPUT", "input.authorizationToken"},
		{"foreign shop", bad("shopId", foreignShop), "BAD_USER_INPUT", "input.shopId"},
		{"shop id not a UUID", bad("shopId", "shop-1"), "BAD_USER_INPUT", "input.shopId"},
		{"merchant id format", bad("merchantId", "Has Spaces"), "BAD_USER_INPUT", "input.merchantId"},
		{"short shop key", bad("shopKey", "abc"), "BAD_USER_INPUT", "input.shopKey"},
		{"custom without URL", bad("customBaseUrl", "ftp://x"), "BAD_USER_INPUT", "input.customBaseUrl"},
		{"shop already connected to another business", bad(), "CONFLICT", "input.shopId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := env.MustFail(b.AccessToken, saveCredentialsOp, map[string]any{"in": c.in}, c.code)
			if e.Field() != c.field {
				t.Fatalf("field %q, want %q: %s", e.Field(), c.field, e.Message)
			}
			for _, secret := range []string{p.merchant.Token, shop.ServiceKey, "wrongtoken123456"} {
				if strings.Contains(e.Message, secret) {
					t.Fatal("a secret in an error message")
				}
			}
		})
	}
	// Four values pasted wrong are four errors in one answer, before imoje is asked.
	all := env.Do(b.AccessToken, saveCredentialsOp, map[string]any{"in": bad("authorizationToken", "short", "merchantId", "Has Spaces",
		"shopId", "shop-1", "shopKey", "abc")})
	fields := map[string]string{}
	for _, e := range all.Errors {
		fields[e.Field()] = e.Code()
	}
	for _, f := range []string{"input.authorizationToken", "input.merchantId", "input.shopId", "input.shopKey"} {
		if fields[f] != "BAD_USER_INPUT" {
			t.Errorf("%s: %q, want BAD_USER_INPUT among %+v", f, fields[f], all.Errors)
		}
	}
	if len(all.Errors) != 4 {
		t.Errorf("%d errors, want 4: %+v", len(all.Errors), all.Errors)
	}
	if n := env.Count(`SELECT count(*) FROM imoje_credentials`); n != 1 {
		t.Fatalf("%d credential rows, want only the first business's", n)
	}
	// STAFF and customers cannot save credentials.
	env.MustFail("", saveCredentialsOp, map[string]any{"in": p.credentials()}, "UNAUTHENTICATED")
}

func TestExpiredHoldCancelsItsPaymentLink(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "expire-link")
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "CARD", "idempotencyKey": "link"})
	link := p.linkOf(t, pay.ID)
	if !link.IsActive {
		t.Fatalf("link %+v", link)
	}
	// The hold runs out (moved into the past rather than waiting 30 minutes) and the worker expires it.
	owner, _ := p.DB.Owner()
	if _, err := owner.Exec(context.Background(), `UPDATE reservations SET hold_expires_at = now() - interval '1 minute' WHERE id = $1`, r.Reservation.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Server.Booking.ExpireDueHolds(context.Background(), 10); err != nil || n != 1 {
		t.Fatalf("expired %d (%v)", n, err)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	after, err := p.sim.Payment(link.ID)
	if err != nil || after.Status != "cancelled" || after.IsActive {
		t.Fatalf("link after the hold expired: %+v (%v)", after, err)
	}
	st := p.waitFor(t, r.Reservation.ID, "the payment cancelled", func(s reservationState) bool {
		return len(s.Payments) == 1 && s.Payments[0].Status == "CANCELLED"
	})
	if st.Status != "EXPIRED" {
		t.Fatalf("reservation %+v", st)
	}
	// Nobody can pay the expired reservation any more.
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "BLIK", "idempotencyKey": "after"}}, "CONFLICT")
}

func TestWebhookAnswers5xxWhenTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "db-down")
	_, _, d := p.settledDelivery(t)
	var last struct {
		PaymentMethods []struct {
			Imoje struct{ LastNotificationAt *time.Time }
		}
	}
	p.Must(p.owner.AccessToken, `{ paymentMethods { imoje { lastNotificationAt } } }`, nil, &last)
	if last.PaymentMethods[0].Imoje.LastNotificationAt != nil {
		t.Fatal("lastNotificationAt set although every notification was dropped")
	}
	// The application's pool is gone: imoje must be told to retry, not that all is well.
	p.Server.Pool.Close()
	code, _ := postNotification(t, p.URL, d.SignatureHeader, []byte(d.Body))
	if code < 500 {
		t.Fatalf("answered %d with the database unavailable, want 5xx so imoje retries", code)
	}
}

func TestLastNotificationAtIsShown(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "last-note")
	p.paidReservation(t, "n")
	var last struct {
		PaymentMethods []struct {
			Imoje struct {
				LastNotificationAt *time.Time
				SetupWarnings      []string
			}
		}
	}
	p.Must(p.owner.AccessToken, `{ paymentMethods { imoje { lastNotificationAt setupWarnings } } }`, nil, &last)
	im := last.PaymentMethods[0].Imoje
	if im.LastNotificationAt == nil || time.Since(*im.LastNotificationAt) > time.Minute || len(im.SetupWarnings) != 0 {
		t.Fatalf("setup after a notification: %+v", im)
	}
}

// TestDevelopmentRoundWithTheEmbeddedSimulator: in development, with no imoje base URL configured, a
// SANDBOX method talks to the simulator mounted under /_imoje, whose demo shop notifies this server.
func TestDevelopmentRoundWithTheEmbeddedSimulator(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	})
	sim := env.Server.Imoje
	if sim == nil {
		t.Fatal("no embedded simulator in development")
	}
	b := &bookingEnv{Env: env, owner: env.SignUp("dev-round")}
	env.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	b.service = b.createService(t, map[string]any{"priceAmount": 5000, "paymentPolicy": "REQUIRED"})
	b.staff = b.createStaff(t, "Ola", b.service)
	env.Must(b.owner.AccessToken, `mutation($id: UUID!) { setWeeklySchedule(staffMemberId: $id, intervals: [{weekday: MONDAY, start: "08:00", end: "20:00"}, {weekday: TUESDAY, start: "08:00", end: "20:00"}, {weekday: WEDNESDAY, start: "08:00", end: "20:00"}, {weekday: THURSDAY, start: "08:00", end: "20:00"}, {weekday: FRIDAY, start: "08:00", end: "20:00"}, {weekday: SATURDAY, start: "08:00", end: "20:00"}, {weekday: SUNDAY, start: "08:00", end: "20:00"}]) { weekday } }`,
		map[string]any{"id": b.staff}, nil)
	var m struct{ CreatePaymentMethod struct{ ID string } }
	env.Must(b.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Online"}) { id } }`, nil, &m)
	demo := sim.Merchants()[0]
	var saved struct {
		SaveImojeCredentials struct{ Imoje struct{ Environment string } }
	}
	env.Must(b.owner.AccessToken, saveCredentialsOp, map[string]any{"in": map[string]any{
		"paymentMethodId": m.CreatePaymentMethod.ID, "authorizationToken": demo.Token, "merchantId": demo.ID,
		"shopId": demo.Shops[0].ServiceID, "shopKey": demo.Shops[0].ServiceKey, "environment": "SANDBOX", "channels": []string{"BLIK", "PBL"},
	}}, &saved)
	now := time.Now().In(warsaw)
	start := time.Date(now.Year(), now.Month(), now.Day()+2, 10, 0, 0, 0, warsaw)
	var out struct{ CreateReservation createdReservation }
	env.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, &out)
	r := out.CreateReservation
	var pay struct{ InitiatePayment paymentResult }
	env.Must(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "dev"}}, &pay)
	if pay.InitiatePayment.RedirectURL == nil || !strings.HasPrefix(*pay.InitiatePayment.RedirectURL, env.URL+"/_imoje/") {
		t.Fatalf("redirect %v", pay.InitiatePayment.RedirectURL)
	}
	if _, err := sim.ApplyOutcome(*pay.InitiatePayment.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"}); err != nil {
		t.Fatal(err)
	}
	p := &payEnv{bookingEnv: b, sim: sim}
	p.waitFor(t, r.Reservation.ID, "PAID through the embedded simulator", paid)
}

func TestPaymentMethodsAndManualPayments(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "methods") // has the IMOJE method "Pay online" (sort 0, default)
	create := func(in map[string]any) string {
		var out struct{ CreatePaymentMethod struct{ ID string } }
		p.Must(p.owner.AccessToken, `mutation($in: PaymentMethodInput!) { createPaymentMethod(input: $in) { id } }`, map[string]any{"in": in}, &out)
		return out.CreatePaymentMethod.ID
	}
	bank := create(map[string]any{"kind": "BANK_TRANSFER", "displayName": "Bank transfer", "sortOrder": 2,
		"accountHolder": "Salon Anna", "accountNumber": "PL61 1090 1014 0000 0712 1981 2874", "titleTemplate": "Reservation {reservation}"})
	onSite := create(map[string]any{"kind": "ON_SITE", "displayName": "At the salon", "sortOrder": 1, "description": "cash or card"})
	create(map[string]any{"kind": "ON_SITE", "displayName": "Hidden", "sortOrder": 3, "enabled": false})
	var pub struct {
		PublicPaymentMethods []struct {
			DisplayName  string
			BankTransfer *struct{ AccountNumber string }
		}
	}
	p.Must("", `query { publicPaymentMethods(tenantSlug: "methods") { displayName bankTransfer { accountNumber } } }`, nil, &pub)
	var names []string
	for _, m := range pub.PublicPaymentMethods {
		names = append(names, m.DisplayName)
	}
	if strings.Join(names, ",") != "Pay online,At the salon,Bank transfer" || pub.PublicPaymentMethods[2].BankTransfer.AccountNumber != "PL61109010140000071219812874" {
		t.Fatalf("customers see %v", names)
	}
	for name, in := range map[string]map[string]any{
		"bad IBAN":             {"kind": "BANK_TRANSFER", "displayName": "X", "accountHolder": "A", "accountNumber": "PL00 1234"},
		"no display name":      {"kind": "ON_SITE", "displayName": " "},
		"account on on-site":   {"kind": "ON_SITE", "displayName": "X", "accountNumber": "PL61109010140000071219812874"},
		"second imoje method":  {"kind": "IMOJE", "displayName": "Again"},
		"bank without account": {"kind": "BANK_TRANSFER", "displayName": "X", "accountHolder": "A"},
	} {
		r := p.Do(p.owner.AccessToken, `mutation($in: PaymentMethodInput!) { createPaymentMethod(input: $in) { id } }`, map[string]any{"in": in})
		if len(r.Errors) == 0 || (r.Errors[0].Code() != "BAD_USER_INPUT" && r.Errors[0].Code() != "CONFLICT") {
			t.Errorf("%s: %+v", name, r.Errors)
		}
	}
	if n := p.Count(`SELECT count(*) FROM payment_methods`); n != 4 {
		t.Fatalf("%d methods: a refused one was written", n)
	}
	// Staff mark a bank transfer paid; it confirms the reservation with a history row naming them.
	r := p.book(t)
	p.MustFail(p.owner.AccessToken, `mutation($r: UUID!, $m: UUID!) { markReservationPaid(reservationId: $r, paymentMethodId: $m) { status } }`,
		map[string]any{"r": r.Reservation.ID, "m": p.method}, "BAD_USER_INPUT")
	var marked struct {
		MarkReservationPaid struct {
			Status, PaymentStatus string
			Service               *struct{ Name string }
			History               []struct{ ToPaymentStatus string }
		}
	}
	p.Must(p.owner.AccessToken, `mutation($r: UUID!, $m: UUID!) { markReservationPaid(reservationId: $r, paymentMethodId: $m, note: "arrived") {
		status paymentStatus service { name } history { toPaymentStatus } } }`,
		map[string]any{"r": r.Reservation.ID, "m": bank}, &marked)
	m := marked.MarkReservationPaid
	if m.Status != "CONFIRMED" || m.PaymentStatus != "PAID" || m.Service == nil || m.Service.Name == "" ||
		len(m.History) == 0 || m.History[len(m.History)-1].ToPaymentStatus != "PAID" {
		t.Fatalf("%+v", marked)
	}
	st := p.state(t, r.Reservation.ID)
	if last := st.History[len(st.History)-1]; last.Actor != p.owner.UserID || !strings.Contains(last.Reason, "Bank transfer") {
		t.Fatalf("history %+v", last)
	}
	p.MustFail(p.owner.AccessToken, `mutation($r: UUID!, $m: UUID!) { markReservationPaid(reservationId: $r, paymentMethodId: $m) { status } }`,
		map[string]any{"r": r.Reservation.ID, "m": onSite}, "CONFLICT")
	p.MustFail(r.CustomerAccessToken, `mutation($r: UUID!, $m: UUID!) { markReservationPaid(reservationId: $r, paymentMethodId: $m) { status } }`,
		map[string]any{"r": r.Reservation.ID, "m": onSite}, "FORBIDDEN")
}

// TestRefundsOfOneMerchantAreSpaced: imoje wants refunds of one merchant at least 5 s apart (here
// 1 s on both sides); the simulator refuses a refund that comes sooner, so two refunds asked for
// at the same moment both succeed only if slotpay spaces them.
func TestRefundsOfOneMerchantAreSpaced(t *testing.T) {
	t.Parallel()
	const spacing = time.Second
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
		o.RefundSpacing = spacing
	})
	p := newPayEnvOn(t, env, "spaced", func(c *imojesim.Config) { c.RefundSpacing = spacing })
	var payments []string
	for i := range 2 {
		_, pay := p.paidReservation(t, fmt.Sprint("spaced-", i))
		payments = append(payments, pay.ID)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 2)
	start := time.Now()
	for _, id := range payments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := p.post(p.owner.AccessToken, `mutation($id: UUID!) { refundPayment(input: {paymentId: $id, amount: 1000}) { status } }`, map[string]any{"id": id})
			if err != nil || len(resp.Errors) > 0 {
				errs <- fmt.Sprint(err, resp.Errors)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("a refund failed: %s", e)
	}
	if elapsed := time.Since(start); elapsed < spacing {
		t.Fatalf("two refunds took %v, less than the spacing: they were not spaced", elapsed)
	}
}

// TestRefundMadeInImojesPanelIsRecorded: a refund the business makes in imoje's panel (not through
// slotpay) arrives only as a notification; slotpay records it and the reservation follows.
func TestRefundMadeInImojesPanelIsRecorded(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "panel-refund")
	r, pay := p.paidReservation(t, "panel")
	panel := imoje.Client{BaseURL: p.simURL + "/v1/merchant", MerchantID: p.merchant.ID, Token: p.merchant.Token}
	if _, err := panel.Refund(context.Background(), *pay.ImojeTransactionID, p.merchant.Shops[0].ServiceID, 5000, "goodwill"); err != nil {
		t.Fatal(err)
	}
	st := p.waitFor(t, r.Reservation.ID, "PARTIALLY_REFUNDED", func(s reservationState) bool { return s.PaymentStatus == "PARTIALLY_REFUNDED" })
	if st.Payments[0].RefundedAmount.Amount != 5000 || len(st.Payments[0].Refunds) != 1 || st.Payments[0].Refunds[0].Status != "SETTLED" {
		t.Fatalf("payment after a panel refund: %+v", st.Payments[0])
	}
}

// TestDroppedRefundNotificationIsReconciled: a refund's notification never comes; reconciliation
// reads the sale's refunds from imoje and settles it.
func TestDroppedRefundNotificationIsReconciled(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "refund-lost")
	r, pay := p.paidReservation(t, "lost-refund")
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, ServiceID: p.merchant.Shops[0].ServiceID}); err != nil {
		t.Fatal(err)
	}
	p.Must(p.owner.AccessToken, `mutation($id: UUID!) { refundPayment(input: {paymentId: $id, amount: 3000}) { status } }`, map[string]any{"id": pay.ID}, nil)
	// The simulator settles the refund a moment later; its notification is dropped.
	deadline := time.Now().Add(5 * time.Second)
	for {
		tx, err := p.sim.Transaction(*pay.ImojeTransactionID)
		if err == nil && len(tx.Refunds) == 1 && tx.Refunds[0].Transaction.Status == "settled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("refund not settled at imoje: %+v %v", tx, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := p.state(t, r.Reservation.ID); st.PaymentStatus != "PAID" || st.Payments[0].Refunds[0].Status != "PENDING" {
		t.Fatalf("before reconciliation: %+v", st)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	st := p.state(t, r.Reservation.ID)
	if st.PaymentStatus != "PARTIALLY_REFUNDED" || st.Payments[0].RefundedAmount.Amount != 3000 || st.Payments[0].Refunds[0].Status != "SETTLED" {
		t.Fatalf("after reconciliation: %+v", st)
	}
}

// paidReservation books a slot and pays it by fast transfer, settled through the simulator.
func (p *payEnv) paidReservation(t *testing.T, key string) (createdReservation, paymentResult) {
	t.Helper()
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": key})
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
	return r, pay
}
