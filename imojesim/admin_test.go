package imojesim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAdminMerchantsAndShops(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := e.call(t, "POST", "/_sim/merchants", "-", map[string]any{
		"shops": []map[string]any{{"notificationUrl": e.rc.URL, "channels": []map[string]any{{"method": "blik", "code": "blik", "min": 1, "max": 1000}}}},
	})
	if status != http.StatusCreated {
		t.Fatalf("%d %v", status, body)
	}
	m := body["merchant"].(map[string]any)
	id, token := m["id"].(string), m["token"].(string)
	shop := m["shops"].([]any)[0].(map[string]any)
	if len(id) != 20 || len(token) < 32 || len(shop["serviceId"].(string)) != 36 || shop["serviceKey"] == "" {
		t.Fatalf("generated credentials = %v", m)
	}
	ch := shop["channels"].([]any)[0].(map[string]any)
	if ch["active"] != true || ch["online"] != true || ch["currency"] != "PLN" {
		t.Fatalf("channel defaults = %v", ch)
	}
	// The new merchant works at once, with its own token only.
	path := "/v1/merchant/" + id + "/service/" + shop["serviceId"].(string)
	if status, _ := e.call(t, "GET", path, token, nil); status != http.StatusOK {
		t.Fatalf("new merchant: %d", status)
	}
	if status, _ := e.call(t, "GET", path, e.merchant.Token, nil); status != http.StatusUnauthorized {
		t.Fatalf("foreign token: %d", status)
	}
	// Duplicates are refused; a shop can be added and its notification URL changed.
	if status, _ := e.call(t, "POST", "/_sim/merchants", "-", map[string]any{"id": id}); status != http.StatusConflict {
		t.Fatalf("duplicate merchant: %d", status)
	}
	status, body = e.call(t, "POST", "/_sim/merchants/"+id+"/shops", "-", map[string]any{"serviceId": "shop-two"})
	if status != http.StatusCreated || body["shop"].(map[string]any)["serviceId"] != "shop-two" {
		t.Fatalf("add shop: %d %v", status, body)
	}
	if status, _ := e.call(t, "POST", "/_sim/merchants/nobody/shops", "-", map[string]any{}); status != http.StatusNotFound {
		t.Fatalf("shop of unknown merchant: %d", status)
	}
	if status, _ := e.call(t, "PATCH", "/_sim/shops/shop-two", "-", map[string]any{"notificationUrl": "https://x.example/hook"}); status != http.StatusNoContent {
		t.Fatalf("patch shop: %d", status)
	}
	_, list := e.call(t, "GET", "/_sim/merchants", "-", nil)
	if n := len(list["merchants"].([]any)); n != 3 {
		t.Fatalf("%d merchants", n)
	}
}

func TestAdminClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := e.call(t, "POST", "/_sim/clock", "-", map[string]any{"now": "2030-01-02T03:04:05Z"})
	if status != http.StatusOK || !strings.HasPrefix(body["now"].(string), "2030-01-02T03:04:0") {
		t.Fatalf("set: %d %v", status, body)
	}
	status, body = e.call(t, "POST", "/_sim/clock", "-", map[string]any{"advance": "1h"})
	if status != http.StatusOK || !strings.HasPrefix(body["now"].(string), "2030-01-02T04:04:0") {
		t.Fatalf("advance: %d %v", status, body)
	}
	if status, _ := e.call(t, "POST", "/_sim/clock", "-", map[string]any{}); status != http.StatusBadRequest {
		t.Fatalf("empty clock change: %d", status)
	}
	// Timestamps follow the simulator's clock.
	id := e.createSale(t, nil)
	if tx, _ := e.sim.Transaction(id); time.Unix(tx.Created, 0).Year() != 2030 {
		t.Fatalf("created = %d", tx.Created)
	}
}

func TestAdminOutcomeEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createSale(t, nil)
	_, body := e.call(t, "POST", e.api("/payment"), "", e.paymentRequest())
	linkID := body["payment"].(map[string]any)["id"].(string)
	tests := []struct {
		name, path string
		body       any
		status     int
	}{
		{"unknown transaction", "/_sim/transactions/nope/outcome", map[string]any{"outcome": "settle"}, 404},
		{"link id on transactions", "/_sim/transactions/" + linkID + "/outcome", map[string]any{"outcome": "settle"}, 404},
		{"unknown outcome", "/_sim/transactions/" + id + "/outcome", map[string]any{"outcome": "explode"}, 422},
		{"not JSON", "/_sim/transactions/" + id + "/outcome", "{", 400},
		{"link channel not offered", "/_sim/payments/" + linkID + "/outcome", map[string]any{"paymentMethodCode": "nobank"}, 422},
		{"link pays by bank", "/_sim/payments/" + linkID + "/outcome", map[string]any{"paymentMethod": "pbl", "paymentMethodCode": "ing"}, 200},
		{"transaction pays", "/_sim/transactions/" + id + "/outcome", map[string]any{}, 200},
	}
	for _, tc := range tests { // in order: the last two change state
		status, body := e.call(t, "POST", tc.path, "-", tc.body)
		if status != tc.status {
			t.Fatalf("%s: %d %v", tc.name, status, body)
		}
	}
	_, list := e.call(t, "GET", "/_sim/deliveries?transactionId="+id, "-", nil)
	if n := len(list["deliveries"].([]any)); n != 2 {
		t.Fatalf("%d deliveries for the transaction", n)
	}
	_, list = e.call(t, "GET", "/_sim/transactions", "-", nil)
	if n := len(list["transactions"].([]any)); n != 2 {
		t.Fatalf("%d transactions", n)
	}
	e.idle(t)
	page := getPage(t, e.srv.URL+"/_sim/")
	for _, want := range []string{"Notification log", id, linkID, "sale settled", e.merchant.Token, "delivered"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	resp, err := noRedirect.Get(e.srv.URL + "/")
	if err != nil || resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "_sim/" {
		t.Fatalf("root: %v %v", resp, err)
	}
}

// Many payers and shops at once: run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			id := e.createSale(t, func(r map[string]any) { r["orderId"] = fmt.Sprintf("order-%d", i) })
			e.sim.ApplyOutcome(id, Outcome{Outcome: []string{"settle", "reject", "cancel", "pending"}[i%4]})
			e.call(t, "GET", e.api("/transaction/"+id), "", nil)
			e.sim.Deliveries()
			e.sim.Advance(time.Millisecond)
		})
	}
	wg.Wait()
	e.idle(t)
	if n := len(e.sim.Transactions()); n != 20 {
		t.Fatalf("%d transactions", n)
	}
	if got, want := len(e.rc.requests()), 5*2+5*2+5*1+5*1; got != want {
		t.Fatalf("%d notifications, want %d", got, want)
	}
}
