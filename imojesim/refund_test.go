package imojesim

import (
	"net/http"
	"testing"
	"time"
)

func TestRefunds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createSale(t, func(r map[string]any) { r["amount"] = 10000 })
	refund := func(amount any) (int, map[string]any) {
		return e.call(t, "POST", e.api("/transaction/"+id+"/refund"), "", map[string]any{"type": "refund", "serviceId": e.shop.ServiceID, "amount": amount, "title": "Zwrot"})
	}
	// Not settled yet: refused.
	status, body := refund(100)
	assertAPIError(t, status, http.StatusUnprocessableEntity, body)
	e.outcome(t, id, Outcome{})

	// Partial refund.
	status, body = refund(3000)
	if status != http.StatusOK {
		t.Fatalf("partial refund: %d %v", status, body)
	}
	r1 := body["transaction"].(map[string]any)
	if r1["type"] != "refund" || r1["status"] != "new" || r1["amount"] != 3000.0 || r1["id"] == id || r1["serviceId"] != e.shop.ServiceID || r1["orderId"] != "order-1" {
		t.Fatalf("refund = %v", r1)
	}

	// Within 5 s of the last refund: refused, nothing changes.
	status, body = refund(1000)
	assertAPIError(t, status, http.StatusUnprocessableEntity, body)
	e.sim.Advance(5 * time.Second)

	// Over-refunds are refused: more than what is left, and invalid bodies.
	invalid := []map[string]any{
		{"type": "refund", "serviceId": e.shop.ServiceID, "amount": 7001},
		{"type": "refund", "serviceId": e.shop.ServiceID, "amount": 0},
		{"type": "sale", "serviceId": e.shop.ServiceID, "amount": 100},
		{"type": "refund", "serviceId": "0b6a1f0e-1111-4222-8333-444455556666", "amount": 100},
		{"type": "refund", "amount": 100},
	}
	for _, req := range invalid {
		status, body := e.call(t, "POST", e.api("/transaction/"+id+"/refund"), "", req)
		assertAPIError(t, status, http.StatusUnprocessableEntity, body)
	}
	status, body = e.call(t, "POST", e.api("/transaction/00000000-0000-4000-8000-000000000000/refund"), "", invalid[0])
	assertAPIError(t, status, http.StatusNotFound, body)
	if tx, _ := e.sim.Transaction(id); len(tx.Refunds) != 1 {
		t.Fatalf("invalid refunds changed the sale: %+v", tx.Refunds)
	}

	// The rest: a full refund of what is left.
	status, body = refund(7000)
	if status != http.StatusOK {
		t.Fatalf("refund of the rest: %d %v", status, body)
	}
	r2 := body["transaction"].(map[string]any)
	e.sim.Advance(5 * time.Second)
	status, body = refund(1)
	assertAPIError(t, status, http.StatusUnprocessableEntity, body)

	// Refunds settle by themselves and are notified as type "refund".
	waitFor(t, "refunds settled", func() bool {
		tx, _ := e.sim.Transaction(id)
		return tx.Refunds[0].Transaction.Status == "settled" && tx.Refunds[1].Transaction.Status == "settled"
	})
	e.idle(t)
	status, body = e.call(t, "GET", e.api("/transaction/"+id), "", nil)
	refunds := body["transaction"].(map[string]any)["refunds"].([]any)
	if status != http.StatusOK || len(refunds) != 2 || refunds[1].(map[string]any)["transaction"].(map[string]any)["id"] != r2["id"] {
		t.Fatalf("GET transaction refunds = %v", refunds)
	}
	var refundNotices []*Transaction
	for _, n := range e.rc.notifications(t) {
		if n.Transaction.Type == "refund" {
			refundNotices = append(refundNotices, n.Transaction)
			if n.Action != nil || n.Payment != nil {
				t.Errorf("refund notification carries more than the transaction: %+v", n)
			}
		}
	}
	if len(refundNotices) != 2 || refundNotices[0].ID != r1["id"] || refundNotices[0].Amount != 3000 || refundNotices[0].Status != "settled" || refundNotices[1].Amount != 7000 {
		t.Fatalf("refund notifications = %+v", refundNotices)
	}
	// The sale stays settled.
	if tx, _ := e.sim.Transaction(id); tx.Status != "settled" {
		t.Fatalf("sale is %s", tx.Status)
	}
}

func TestRejectedRefundFreesTheAmount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.RefundSpacing = -1; c.TimeFactor = 1 }) // refunds wait 2 s: time to reject
	id := e.createSale(t, func(r map[string]any) { r["amount"] = 500 })
	e.outcome(t, id, Outcome{})
	_, body := e.call(t, "POST", e.api("/transaction/"+id+"/refund"), "", map[string]any{"type": "refund", "serviceId": e.shop.ServiceID, "amount": 500})
	refundID := body["transaction"].(map[string]any)["id"].(string)
	if res := e.outcome(t, refundID, Outcome{Outcome: "reject"}); res.Transaction.Status != "rejected" || res.Transaction.Type != "refund" {
		t.Fatalf("refund outcome = %+v", res)
	}
	// With spacing off, a second refund right away is fine, and the full amount is available again.
	status, body := e.call(t, "POST", e.api("/transaction/"+id+"/refund"), "", map[string]any{"type": "refund", "serviceId": e.shop.ServiceID, "amount": 500})
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
}
