package imojesim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fastFactor makes imoje's schedule run in milliseconds: 10 s → 1 ms, 5 min → 30 ms.
const fastFactor = 0.0001

// receiver is a shop's notification endpoint that records what arrives.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	response func(n int) (int, string) // n counts from 1
}

type received struct {
	at     time.Time
	body   []byte
	header http.Header
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{response: func(int) (int, string) { return http.StatusOK, `{"status":"ok"}` }}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{at: time.Now(), body: body, header: r.Header.Clone()})
		n := len(rc.got)
		respond := rc.response
		rc.mu.Unlock()
		status, text := respond(n)
		w.WriteHeader(status)
		io.WriteString(w, text)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) setResponse(f func(n int) (int, string)) {
	rc.mu.Lock()
	rc.response = f
	rc.mu.Unlock()
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// notifications decodes what arrived so far.
func (rc *receiver) notifications(t *testing.T) []Notification {
	t.Helper()
	var out []Notification
	for _, r := range rc.requests() {
		var n Notification
		if err := json.Unmarshal(r.body, &n); err != nil {
			t.Fatalf("notification is not JSON: %v: %s", err, r.body)
		}
		out = append(out, n)
	}
	return out
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// env is one simulator served over HTTP with one merchant, one shop and a receiver.
type env struct {
	sim      *Simulator
	srv      *httptest.Server
	merchant MerchantConfig
	shop     ShopConfig
	rc       *receiver
}

func newEnv(t *testing.T, mutate ...func(*Config)) *env {
	t.Helper()
	rc := newReceiver(t)
	cfg := Config{
		TimeFactor: fastFactor,
		Merchants: []MerchantConfig{{
			ID: "mdy7zxvxudgarxbsou9n", Token: "token-of-the-merchant",
			Shops: []ShopConfig{{ServiceID: "a33f331b-23fc-42b0-9fd1-67f310028b46", ServiceKey: "PIcMy86ssE5wuNHAuQn5zPKf6hCAwX3Oxvjw", NotificationURL: rc.URL}},
		}, {
			ID: "othermerchant0000001", Token: "token-of-another-merchant",
			Shops: []ShopConfig{{ServiceID: "0b6a1f0e-1111-4222-8333-444455556666", ServiceKey: "other-key", NotificationURL: rc.URL}},
		}},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	ms := sim.Merchants()
	e := &env{sim: sim, srv: srv, rc: rc}
	for _, m := range ms {
		if m.ID == "mdy7zxvxudgarxbsou9n" {
			e.merchant, e.shop = m, m.Shops[0]
		}
	}
	return e
}

// call makes a REST call with the merchant's token (or the given one) and decodes the answer.
func (e *env) call(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token == "" {
		token = e.merchant.Token
	}
	if token != "-" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

func (e *env) api(path string) string { return "/v1/merchant/" + e.merchant.ID + path }

// saleRequest is a valid POST transaction body; mutate it per case.
func (e *env) saleRequest() map[string]any {
	return map[string]any{
		"type": "sale", "serviceId": e.shop.ServiceID, "amount": 12345, "currency": "PLN",
		"orderId": "order-1", "title": "Court booking", "paymentMethod": "pbl", "paymentMethodCode": "ipko",
		"successReturnUrl": "https://shop.example/ok", "failureReturnUrl": "https://shop.example/fail",
		"customer": map[string]any{"firstName": "Jan", "lastName": "Kowalski", "email": "jan@example.com"},
	}
}

func (e *env) paymentRequest() map[string]any {
	return map[string]any{
		"serviceId": e.shop.ServiceID, "amount": 5000, "currency": "PLN", "orderId": "link-1", "title": "Lesson",
		"successReturnUrl": "https://shop.example/ok", "failureReturnUrl": "https://shop.example/fail",
		"customer": map[string]any{"firstName": "Anna", "lastName": "Nowak", "email": "anna@example.com"},
	}
}

// createSale creates a transaction over HTTP and returns its id.
func (e *env) createSale(t *testing.T, mutate func(map[string]any)) string {
	t.Helper()
	req := e.saleRequest()
	if mutate != nil {
		mutate(req)
	}
	status, body := e.call(t, "POST", e.api("/transaction"), "", req)
	if status != http.StatusOK {
		t.Fatalf("create transaction: %d %v", status, body)
	}
	return body["transaction"].(map[string]any)["id"].(string)
}

func (e *env) outcome(t *testing.T, id string, o Outcome) OutcomeResult {
	t.Helper()
	res, err := e.sim.ApplyOutcome(id, o)
	if err != nil {
		t.Fatalf("outcome %+v on %s: %v", o, id, err)
	}
	return res
}

func (e *env) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// statuses lists "type status" of each notification's transaction, or "payment status".
func statuses(ns []Notification) []string {
	var out []string
	for _, n := range ns {
		if n.Transaction != nil {
			out = append(out, n.Transaction.Type+" "+n.Transaction.Status)
		} else {
			out = append(out, "payment "+n.Payment.Status)
		}
	}
	return out
}

func jsonBody(v any) (io.Reader, error) {
	raw, err := json.Marshal(v)
	return bytes.NewReader(raw), err
}
