package imojesim

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestFaultDuplicate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.sim.AddFault(Fault{Kind: FaultDuplicate, ServiceID: e.shop.ServiceID, Copies: 3}); err != nil {
		t.Fatal(err)
	}
	e.outcome(t, e.createSale(t, nil), Outcome{Outcome: "pending"})
	e.idle(t)
	reqs := e.rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d deliveries, want 3 copies", len(reqs))
	}
	for _, r := range reqs[1:] {
		if !bytes.Equal(r.body, reqs[0].body) || r.header.Get("X-Imoje-Signature") != reqs[0].header.Get("X-Imoje-Signature") {
			t.Fatal("copies differ")
		}
	}
}

func TestFaultOutOfOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createSale(t, nil)
	other := e.createSale(t, nil)
	f, err := e.sim.AddFault(Fault{Kind: FaultOutOfOrder, TransactionID: id})
	if err != nil {
		t.Fatal(err)
	}
	e.outcome(t, id, Outcome{Outcome: "pending"})
	e.idle(t)
	if n := len(e.rc.requests()); n != 0 {
		t.Fatalf("pending sent before the final notification: %d", n)
	}
	e.outcome(t, id, Outcome{})
	e.outcome(t, other, Outcome{}) // not affected
	e.idle(t)
	var mine, others []string
	for _, n := range e.rc.notifications(t) {
		if n.Transaction.ID == id {
			mine = append(mine, n.Transaction.Status)
		} else {
			others = append(others, n.Transaction.Status)
		}
	}
	if !slices.Equal(mine, []string{"settled", "pending"}) || !slices.Equal(others, []string{"pending", "settled"}) {
		t.Fatalf("order: faulted %v, other %v", mine, others)
	}
	if d := e.sim.Deliveries()[0]; !slices.Contains(d.Faults, f.ID+":outOfOrder") {
		t.Fatalf("log does not name the fault: %+v", d)
	}
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.AddFault(Fault{Kind: FaultDelay, Delay: Duration(80 * time.Millisecond), Times: 1})
	start := time.Now()
	e.outcome(t, e.createSale(t, nil), Outcome{})
	waitFor(t, "both notifications", func() bool { return len(e.rc.requests()) == 2 })
	reqs := e.rc.requests()
	// The first (pending) was delayed; the second (settled) was not and overtook it.
	ns := e.rc.notifications(t)
	if got := statuses(ns); !slices.Equal(got, []string{"sale settled", "sale pending"}) {
		t.Fatalf("arrival order = %v", got)
	}
	if d := reqs[1].at.Sub(start); d < 80*time.Millisecond {
		t.Fatalf("delayed notification arrived after %v", d)
	}
	if len(e.sim.Faults()) != 0 {
		t.Fatal("a fault with times=1 stayed")
	}
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createSale(t, nil)
	e.sim.AddFault(Fault{Kind: FaultDrop, TransactionID: id})
	e.outcome(t, id, Outcome{})
	e.idle(t)
	if n := len(e.rc.requests()); n != 0 {
		t.Fatalf("%d dropped notifications arrived", n)
	}
	for _, d := range e.sim.Deliveries() {
		if d.State != DeliveryDropped || len(d.Attempts) != 0 {
			t.Fatalf("delivery = %+v", d)
		}
	}
	// The receiver reconciles through GET transaction.
	status, body := e.call(t, "GET", e.api("/transaction/"+id), "", nil)
	if status != http.StatusOK || body["transaction"].(map[string]any)["status"] != "settled" {
		t.Fatalf("GET: %d %v", status, body)
	}
}

func TestFaultAPIError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f, err := e.sim.AddFault(Fault{Kind: FaultAPIError, ServiceID: e.shop.ServiceID, Calls: []string{CallCreateTransaction}, Times: 2})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		status, body := e.call(t, "POST", e.api("/transaction"), "", e.saleRequest())
		if apiErr := assertAPIError(t, status, http.StatusInternalServerError, body); apiErr["code"] != "SIMULATED_FAULT" {
			t.Fatalf("error = %v", apiErr)
		}
	}
	if n := len(e.sim.Transactions()); n != 0 {
		t.Fatalf("a failed call created %d transactions", n)
	}
	// Other calls were not affected, and after two times the fault is gone.
	if status, _ := e.call(t, "GET", e.api("/service/"+e.shop.ServiceID), "", nil); status != http.StatusOK {
		t.Fatalf("getService: %d", status)
	}
	e.createSale(t, nil)
	if err := e.sim.RemoveFault(f.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fault still there: %v", err)
	}
	// Per transaction: only GET of that transaction fails, with the chosen status.
	id := e.createSale(t, nil)
	e.sim.AddFault(Fault{Kind: FaultAPIError, TransactionID: id, StatusCode: 503})
	status, body := e.call(t, "GET", e.api("/transaction/"+id), "", nil)
	assertAPIError(t, status, http.StatusServiceUnavailable, body)
	if status, _ := e.call(t, "GET", e.api("/transaction/"+e.sim.Transactions()[0].ID), "", nil); status != http.StatusOK {
		t.Fatalf("other transaction: %d", status)
	}
}

func TestFaultAPISlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sim.AddFault(Fault{Kind: FaultAPISlow, Delay: Duration(200 * time.Millisecond), Calls: []string{CallCreateTransaction}, Times: 1})
	client := &http.Client{Timeout: 50 * time.Millisecond}
	raw, _ := jsonBody(e.saleRequest())
	req, _ := http.NewRequest("POST", e.srv.URL+e.api("/transaction"), raw)
	req.Header.Set("Authorization", "Bearer "+e.merchant.Token)
	start := time.Now()
	if _, err := client.Do(req); err == nil || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("want a client timeout, got %v after %v", err, time.Since(start))
	}
	// The slow call still took effect after the client gave up: the shop must reconcile.
	waitFor(t, "the slow call to finish", func() bool { return len(e.sim.Transactions()) == 1 })
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("call finished after %v, before the injected delay", d)
	}
	// The next call is fast again.
	start = time.Now()
	e.createSale(t, nil)
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Fatalf("second call took %v", d)
	}
}

func TestFaultValidationAndAdminEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := []map[string]any{
		{"kind": "explode"},
		{"kind": "delay"},
		{"kind": "duplicate", "copies": 1},
		{"kind": "apiError", "statusCode": 200},
		{"kind": "apiError", "calls": []string{"launchRocket"}},
		{"kind": "drop", "times": -1},
	}
	for _, f := range bad {
		if status, body := e.call(t, "POST", "/_sim/faults", "-", f); status != http.StatusUnprocessableEntity {
			t.Fatalf("fault %v: %d %v", f, status, body)
		}
	}
	status, body := e.call(t, "POST", "/_sim/faults", "-", map[string]any{"kind": "delay", "delay": "1.5s", "serviceId": e.shop.ServiceID})
	if status != http.StatusCreated || body["delay"] != "1.5s" || body["id"] == "" {
		t.Fatalf("add: %d %v", status, body)
	}
	_, list := e.call(t, "GET", "/_sim/faults", "-", nil)
	if len(list["faults"].([]any)) != 1 {
		t.Fatalf("faults = %v", list)
	}
	if status, _ := e.call(t, "DELETE", "/_sim/faults/"+body["id"].(string), "-", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := e.call(t, "DELETE", "/_sim/faults/"+body["id"].(string), "-", nil); status != http.StatusNotFound {
		t.Fatalf("delete again: %d", status)
	}
	e.call(t, "POST", "/_sim/faults", "-", map[string]any{"kind": "drop"})
	if status, _ := e.call(t, "DELETE", "/_sim/faults", "-", nil); status != http.StatusNoContent || len(e.sim.Faults()) != 0 {
		t.Fatal("clear failed")
	}
}

func TestCloseStopsRetries(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.setResponse(func(int) (int, string) { return 500, "" })
	sim := New(Config{TimeFactor: 0.001, Merchants: []MerchantConfig{{Shops: []ShopConfig{{NotificationURL: rc.URL}}}}})
	m := sim.Merchants()[0]
	link, errs := func() (*paymentLink, []FieldError) {
		sim.mu.Lock()
		defer sim.mu.Unlock()
		l, errs := sim.newPaymentLocked(sim.merchants[m.ID], PaymentRequest{ServiceID: m.Shops[0].ServiceID, Amount: "100", Currency: "PLN", OrderID: "o", Customer: &Customer{FirstName: "a", LastName: "b", Email: "a@b.pl"}}, "http://x")
		if l != nil {
			sim.payments[l.id] = l
		}
		return l, errs
	}()
	if errs != nil {
		t.Fatal(errs)
	}
	sim.ApplyOutcome(link.id, Outcome{Outcome: "cancel"})
	waitFor(t, "a retry", func() bool { return len(rc.requests()) >= 2 })
	sim.Close()
	n := len(rc.requests())
	time.Sleep(50 * time.Millisecond)
	if len(rc.requests()) != n {
		t.Fatal("retries went on after Close")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}
