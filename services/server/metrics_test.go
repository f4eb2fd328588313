package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// exposition is one scrape of /metrics, parsed.
type exposition struct {
	raw      string
	families map[string]*dto.MetricFamily
}

func scrape(t *testing.T, url string) exposition {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, raw)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("parse the exposition: %v\n%s", err, raw)
	}
	return exposition{raw: string(raw), families: fams}
}

// value sums the samples of family name whose labels include labels: a counter's or gauge's value,
// a histogram's count of observations.
func (e exposition) value(name string, labels ...string) float64 {
	f := e.families[name]
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.Metric {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		found := false
		for _, l := range m.Label {
			if l.GetName() == pairs[i] && l.GetValue() == pairs[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// delta is what a family (restricted to labels) gained between two scrapes.
func delta(before, after exposition, name string, labels ...string) float64 {
	return after.value(name, labels...) - before.value(name, labels...)
}

// waitMetric scrapes until cond holds for the family's value (gauges follow connections that end
// asynchronously).
func waitMetric(t *testing.T, url, name string, want float64, labels ...string) exposition {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		e := scrape(t, url)
		if e.value(name, labels...) == want {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v, want %v", name, labels, e.value(name, labels...), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const namedCreateReservationOp = `mutation createReservation($in: CreateReservationInput!) { createReservation(input: $in) {
	customerAccessToken reservation { id status paymentStatus startsAt endsAt holdExpiresAt price { amount currency } } } }`

// TestMetricsCountABookingAndAPaymentRound: after a booking, a payment settled through imoje's
// notification, a live subscription, a refused notification, a lost notification reconciled and
// an expired hold, /metrics counts each of them exactly once, and names no business, reservation,
// payment or shop.
func TestMetricsCountABookingAndAPaymentRound(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "metrics-round")
	url := p.URL + "/metrics"
	before := scrape(t, url)

	// A booking by the named operation a widget sends.
	start := p.day.Add(8 * time.Hour)
	p.slot = 1
	var booked struct{ CreateReservation createdReservation }
	p.Must("", namedCreateReservationOp, map[string]any{"in": p.reservationInput(start, "")}, &booked)
	r := booked.CreateReservation
	// A refused one: the same slot again.
	p.MustFail("", namedCreateReservationOp, map[string]any{"in": p.reservationInput(start, "")}, "SLOT_UNAVAILABLE")

	// The customer's page follows the payment live.
	c := connect(t, p.URL, transportWS, r.CustomerAccessToken)
	c.subscribe("pay", paymentUpdatedOp, map[string]any{"id": r.Reservation.ID})
	waitSubscribed(t, p.Env, 1)
	live := waitMetric(t, url, "slotpay_websocket_connections", 1)
	if got := live.value("slotpay_websocket_subscriptions"); got != 1 {
		t.Fatalf("subscriptions gauge %v, want 1", got)
	}

	// The payment: one transaction created at imoje, settled, notified, applied.
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "metrics-1"})
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
	var ev paymentUpdated
	c.next("pay", 5*time.Second, &ev)

	// A notification signed with a key that is not the shop's is refused.
	shop := p.merchant.Shops[0]
	forged := []byte(`{"transaction":{"id":"` + *pay.ImojeTransactionID + `","type":"sale","status":"settled","orderId":"` + pay.ID + `","serviceId":"` + shop.ServiceID + `","amount":12000,"currency":"PLN"}}`)
	if status, _ := postNotification(t, p.URL, signAs(t, p.merchant.ID, shop.ServiceID, "not-the-shop-key", forged), forged); status != http.StatusUnauthorized {
		t.Fatalf("forged notification answered %d", status)
	}
	// imoje delivering the settled notification again is a duplicate.
	var settled *imojesim.Delivery
	for _, d := range p.sim.Deliveries() {
		if d.TransactionID == *pay.ImojeTransactionID && strings.Contains(d.Event, "settled") {
			settled = &d
		}
	}
	if settled == nil {
		t.Fatalf("no settled delivery: %s", p.deliveriesSummary())
	}
	if status, _ := postNotification(t, p.URL, settled.SignatureHeader, []byte(settled.Body)); status != http.StatusOK {
		t.Fatalf("repeated notification answered %d", status)
	}

	// The customer closes the page: the connection ends with 1000, sent by the client.
	if err := c.conn.Close(websocket.StatusNormalClosure, "bye"); err != nil && !errors.Is(err, context.Canceled) {
		t.Logf("close: %v", err)
	}
	waitMetric(t, url, "slotpay_websocket_connections", 0)

	after := scrape(t, url)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"slotpay_graphql_operations_total", []string{"operation", "createReservation", "type", "mutation", "code", "OK"}, 1},
		{"slotpay_graphql_operations_total", []string{"operation", "createReservation", "type", "mutation", "code", "SLOT_UNAVAILABLE"}, 1},
		{"slotpay_graphql_operation_duration_seconds", []string{"operation", "createReservation", "type", "mutation"}, 2},
		{"slotpay_graphql_operations_total", []string{"type", "subscription", "code", "OK"}, 1},
		{"slotpay_imoje_requests_total", []string{"endpoint", "transaction", "method", "POST", "status", "200"}, 1},
		{"slotpay_imoje_request_duration_seconds", []string{"endpoint", "transaction", "method", "POST"}, 1},
		{"slotpay_imoje_notifications_total", []string{"outcome", "applied", "status", "200"}, 1},
		{"slotpay_imoje_notifications_total", []string{"outcome", "refused_signature", "status", "401"}, 1},
		{"slotpay_imoje_notifications_total", []string{"outcome", "duplicate", "status", "200"}, 1},
		// imoje also tells that the transaction is pending: nothing to change.
		{"slotpay_imoje_notifications_total", []string{"outcome", "no_change", "status", "200"}, 1},
		{"slotpay_imoje_notifications_total", nil, 4},
		{"slotpay_http_requests_total", []string{"route", "/payment-imoje", "method", "POST", "status", "200"}, 3},
		{"slotpay_http_requests_total", []string{"route", "/payment-imoje", "method", "POST", "status", "401"}, 1},
		{"slotpay_http_requests_total", []string{"route", "/graphql", "method", "GET", "status", "101"}, 1},
		{"slotpay_websocket_closes_total", []string{"code", "1000", "by", "client"}, 1},
		{"slotpay_websocket_closes_total", nil, 1},
	} {
		if got := delta(before, after, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v grew by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := after.value("slotpay_websocket_subscriptions"); got != 0 {
		t.Errorf("subscriptions gauge %v after the connection ended, want 0", got)
	}

	// A payment whose notification is lost waits for reconciliation: it is in the backlog until
	// reconciliation asks imoje, which applies it.
	r2 := p.book(t)
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, ServiceID: shop.ServiceID}); err != nil {
		t.Fatal(err)
	}
	pay2 := p.initiate(t, r2.CustomerAccessToken, map[string]any{"reservationId": r2.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "metrics-2"})
	p.outcome(t, *pay2.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	if err := p.sim.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	owner, err := p.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE payments SET created_at = now() - interval '10 minutes' WHERE id = $1`, pay2.ID); err != nil {
		t.Fatal(err)
	}
	pending := scrape(t, url)
	if got := pending.value("slotpay_reconciliation_backlog_payments"); got != 1 {
		t.Errorf("backlog %v with one payment past its check time, want 1", got)
	}
	if got := pending.value("slotpay_payments_open"); got != 1 {
		t.Errorf("open payments %v, want 1", got)
	}
	if age := pending.value("slotpay_payments_oldest_open_age_seconds"); age < 590 || age > 3600 {
		t.Errorf("oldest open payment %v s old, want about 600", age)
	}
	if n, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil || n != 1 {
		t.Fatalf("reconciled %d (%v)", n, err)
	}
	p.waitFor(t, r2.Reservation.ID, "PAID", paid)

	// An unpaid hold runs out and the expiry worker's round ends it.
	r3 := p.book(t)
	if _, err := owner.Exec(context.Background(), `UPDATE reservations SET hold_expires_at = now() - interval '1 minute' WHERE id = $1`, r3.Reservation.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Server.Booking.ExpireDueHolds(context.Background(), 10); err != nil || n != 1 {
		t.Fatalf("expired %d holds (%v)", n, err)
	}

	final := scrape(t, url)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"slotpay_reconciliation_backlog_payments", nil, 0},
		{"slotpay_payments_open", nil, 0},
		{"slotpay_payments_oldest_open_age_seconds", nil, 0},
		{"slotpay_reconciliation_backlog_refunds", nil, 0},
	} {
		if got := final.value(c.name, c.labels...); got != c.want {
			t.Errorf("%s = %v after reconciliation, want %v", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"slotpay_reconciliation_outcomes_total", []string{"outcome", "applied"}, 1},
		{"slotpay_imoje_requests_total", []string{"endpoint", "transaction/{id}", "method", "GET", "status", "200"}, 1},
		{"slotpay_imoje_notifications_total", nil, 0}, // the lost one never came
		{"slotpay_booking_holds_expired_total", nil, 1},
	} {
		if got := delta(after, final, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v grew by %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// The pool, the build and the process are described too.
	if final.value("slotpay_db_pool_total_connections") < 1 || final.value("slotpay_db_pool_acquires_total") < 1 {
		t.Errorf("pool statistics missing: total %v, acquires %v", final.value("slotpay_db_pool_total_connections"), final.value("slotpay_db_pool_acquires_total"))
	}
	if final.value("slotpay_build_info", "go_version", runtime.Version()) != 1 {
		t.Errorf("slotpay_build_info does not name %s", runtime.Version())
	}
	for _, family := range []string{"go_goroutines", "process_cpu_seconds_total", "slotpay_events_slow_consumers_total",
		"slotpay_db_pool_acquire_waits_total", "slotpay_db_pool_acquire_wait_seconds_total", "slotpay_http_request_duration_seconds"} {
		if final.families[family] == nil {
			t.Errorf("family %s missing", family)
		}
	}

	// Nothing in the exposition names a business, a person, a reservation, a payment or a shop.
	for _, secret := range []string{p.owner.TenantID, p.owner.Slug, p.owner.Email, p.owner.UserID, r.Reservation.ID, r2.Reservation.ID,
		r3.Reservation.ID, pay.ID, pay2.ID, *pay.ImojeTransactionID, *pay2.ImojeTransactionID, p.merchant.ID, shop.ServiceID, p.method,
		"jan@example.com", "Kowalski"} {
		if strings.Contains(final.raw, secret) {
			t.Errorf("the exposition contains %q", secret)
		}
	}
}

// TestMetricsOnTheirOwnAddress: with SLOTPAY_METRICS_ADDR, the public listener answers 404 for
// /metrics and the metrics listener serves them (and nothing else).
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := free.Addr().String()
	free.Close()
	env := servertest.New(t, func(c *config.Config, _ *server.Options) { c.MetricsAddr = metricsAddr })

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := get(env.URL + "/metrics"); status != http.StatusNotFound {
		t.Fatalf("public /metrics answered %d, want 404", status)
	}

	// Run serves the public listener and, beside it, the metrics one.
	public, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.Server.Run(ctx, public) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.Dial("tcp", metricsAddr)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics listener not up: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status, _ := get("http://" + public.Addr().String() + "/metrics"); status != http.StatusNotFound {
		t.Fatalf("/metrics on the public listener served by Run answered %d, want 404", status)
	}
	if status, _ := get("http://" + public.Addr().String() + "/healthz"); status != http.StatusOK {
		t.Fatalf("/healthz on the public listener answered %d", status)
	}
	e := scrape(t, "http://"+metricsAddr+"/metrics")
	if e.value("slotpay_build_info") != 1 {
		t.Fatalf("metrics listener serves no slotpay_build_info:\n%s", e.raw)
	}
	// The 404s of the public listener were counted, under the fixed route label.
	if e.value("slotpay_http_requests_total", "route", "/metrics", "status", "404") != 2 {
		t.Fatalf("public /metrics 404s not counted:\n%s", e.raw)
	}
	if status, _ := get("http://" + metricsAddr + "/graphql"); status != http.StatusNotFound {
		t.Fatalf("the metrics listener answered /graphql with %d, want 404", status)
	}
}

// TestMetricsCountServerClosesAndSlowConsumers: a connection the server closes (an invalid token:
// 4401) is counted under its code as the server's, and a subscriber the broker drops for
// overflowing its buffer is counted as a slow consumer.
func TestMetricsCountServerClosesAndSlowConsumers(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(_ *config.Config, o *server.Options) { o.EventBufferSize = 2 })
	url := env.URL + "/metrics"
	owner := env.SignUp("metrics-closes")
	before := scrape(t, url)

	c := mustDialWS(t, env.URL, transportWS)
	c.init("not-a-token")
	c.expectClose(4401, 5*time.Second)
	// One scrape may read the close counter before the connection gauge changes under it, so each
	// is waited for on its own.
	waitMetric(t, url, "slotpay_websocket_closes_total", before.value("slotpay_websocket_closes_total", "code", "4401", "by", "server")+1, "code", "4401", "by", "server")
	after := waitMetric(t, url, "slotpay_websocket_connections", 0)
	if got := delta(before, after, "slotpay_websocket_closes_total", "code", "4401", "by", "server"); got != 1 {
		t.Errorf("4401 closes grew by %v, want 1", got)
	}
	if got := delta(before, after, "slotpay_websocket_closes_total"); got != 1 {
		t.Errorf("closes grew by %v, want 1", got)
	}

	tenant := uuid.MustParse(owner.TenantID)
	sub, _ := subscribeEvents(t, env.Server.Events, events.Filter{TenantID: tenant})
	defer sub.Close()
	for range env.Server.Events.BufferSize() + 1 { // nobody reads: the last one overflows
		env.Server.Events.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: tenant, ReservationID: uuid.New()})
	}
	if !errors.Is(sub.Err(), events.ErrSlowConsumer) {
		t.Fatalf("subscription ended with %v, want ErrSlowConsumer", sub.Err())
	}
	final := scrape(t, url)
	if got := delta(after, final, "slotpay_events_slow_consumers_total"); got != 1 {
		t.Errorf("slow consumers grew by %v, want 1", got)
	}
}
