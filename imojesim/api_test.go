package imojesim

import (
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func assertAPIError(t *testing.T, status, wantStatus int, body map[string]any) map[string]any {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status = %d, want %d: %v", status, wantStatus, body)
	}
	e, ok := body["apiErrorResponse"].(map[string]any)
	if !ok {
		t.Fatalf("no apiErrorResponse in %v", body)
	}
	if got := keys(e); !slices.Equal(got, []string{"code", "errors", "instance", "message"}) {
		t.Fatalf("apiErrorResponse keys = %v", got)
	}
	return e
}

func TestCreateTransactionResponseShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := e.call(t, "POST", e.api("/transaction"), "", e.saleRequest())
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	if got := keys(body); !slices.Equal(got, []string{"action", "transaction"}) {
		t.Fatalf("top-level keys = %v", got)
	}
	tx := body["transaction"].(map[string]any)
	wantKeys := []string{"amount", "created", "currency", "id", "modified", "notificationUrl", "orderId", "paymentMethod", "paymentMethodCode", "serviceId", "source", "status", "title", "type"}
	if got := keys(tx); !slices.Equal(got, wantKeys) {
		t.Fatalf("transaction keys = %v", got)
	}
	want := map[string]any{"type": "sale", "status": "new", "source": "api", "serviceId": e.shop.ServiceID, "amount": 12345.0,
		"currency": "PLN", "orderId": "order-1", "title": "Court booking", "paymentMethod": "pbl", "paymentMethodCode": "ipko", "notificationUrl": e.rc.URL}
	for k, v := range want {
		if tx[k] != v {
			t.Errorf("transaction.%s = %v, want %v", k, tx[k], v)
		}
	}
	action := body["action"].(map[string]any)
	if got := keys(action); !slices.Equal(got, []string{"contentBodyRaw", "contentType", "method", "type", "url"}) {
		t.Fatalf("action keys = %v", got)
	}
	if action["type"] != "redirect" || action["method"] != "GET" || action["url"] != e.srv.URL+"/paywall/"+tx["id"].(string) {
		t.Fatalf("action = %v", action)
	}
	// The paywall page is there.
	resp, err := http.Get(action["url"].(string))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("paywall: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestCreateTransactionAllMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, method, code string
		amount             int
		extra              map[string]any
		wantStatus         string
	}{
		{"blik redirect", "blik", "blik", 1000, nil, "new"},
		{"blik with code", "blik", "blik", 1000, map[string]any{"blikCode": "123456", "clientIp": "203.0.113.7"}, "pending"},
		{"bank transfer", "pbl", "mtransfer", 1000, nil, "new"},
		{"twisto", "imoje_paylater", "imoje_twisto", 1000, nil, "new"},
		{"paypo", "imoje_paylater", "paypo", 10000, nil, "new"},
		{"blik pay later", "imoje_paylater", "blik_paylater", 10000, nil, "new"},
		{"pragma go", "imoje_paylater", "pragma_go", 100000, nil, "new"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := e.saleRequest()
			req["paymentMethod"], req["paymentMethodCode"], req["amount"] = tc.method, tc.code, tc.amount
			maps.Copy(req, tc.extra)
			status, body := e.call(t, "POST", e.api("/transaction"), "", req)
			if status != http.StatusOK {
				t.Fatalf("status %d: %v", status, body)
			}
			if got := body["transaction"].(map[string]any)["status"]; got != tc.wantStatus {
				t.Fatalf("status = %v, want %s", got, tc.wantStatus)
			}
		})
	}
}

func TestCreateTransactionInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.Merchants[0].Shops[0].Channels = append(DefaultChannels(),
			ChannelConfig{Method: "pbl", Code: "getin", Currency: "PLN", Min: 1, Max: 1000000, Active: false, Online: true},
			ChannelConfig{Method: "pbl", Code: "noble", Currency: "PLN", Min: 1, Max: 1000000, Active: true, Online: false})
	})
	tests := []struct {
		name  string
		field string
		edit  func(map[string]any)
	}{
		{"type missing", "type", func(r map[string]any) { delete(r, "type") }},
		{"type refund", "type", func(r map[string]any) { r["type"] = "refund" }},
		{"serviceId missing", "serviceId", func(r map[string]any) { delete(r, "serviceId") }},
		{"serviceId unknown", "serviceId", func(r map[string]any) { r["serviceId"] = "00000000-0000-4000-8000-000000000000" }},
		{"serviceId of another merchant", "serviceId", func(r map[string]any) { r["serviceId"] = "0b6a1f0e-1111-4222-8333-444455556666" }},
		{"amount missing", "amount", func(r map[string]any) { delete(r, "amount") }},
		{"amount zero", "amount", func(r map[string]any) { r["amount"] = 0 }},
		{"amount negative", "amount", func(r map[string]any) { r["amount"] = -5 }},
		{"amount too large", "amount", func(r map[string]any) { r["amount"] = 1000000000 }},
		{"amount fractional", "amount", func(r map[string]any) { r["amount"] = 12.5 }},
		{"currency missing", "currency", func(r map[string]any) { delete(r, "currency") }},
		{"currency unknown", "currency", func(r map[string]any) { r["currency"] = "XYZ" }},
		{"currency not of channel", "currency", func(r map[string]any) { r["currency"] = "EUR" }},
		{"orderId missing", "orderId", func(r map[string]any) { delete(r, "orderId") }},
		{"orderId too long", "orderId", func(r map[string]any) { r["orderId"] = strings.Repeat("a", 101) }},
		{"orderId bad character", "orderId", func(r map[string]any) { r["orderId"] = "order<1>" }},
		{"title too long", "title", func(r map[string]any) { r["title"] = strings.Repeat("t", 256) }},
		{"paymentMethod missing", "paymentMethod", func(r map[string]any) { delete(r, "paymentMethod") }},
		{"paymentMethod unknown", "paymentMethod", func(r map[string]any) { r["paymentMethod"] = "bitcoin" }},
		{"card without PCI", "paymentMethod", func(r map[string]any) { r["paymentMethod"], r["paymentMethodCode"] = "card", "ecom3ds" }},
		{"paymentMethodCode missing", "paymentMethodCode", func(r map[string]any) { delete(r, "paymentMethodCode") }},
		{"paymentMethodCode unknown", "paymentMethodCode", func(r map[string]any) { r["paymentMethodCode"] = "nobank" }},
		{"channel inactive", "paymentMethodCode", func(r map[string]any) { r["paymentMethodCode"] = "getin" }},
		{"channel offline", "paymentMethodCode", func(r map[string]any) { r["paymentMethodCode"] = "noble" }},
		{"code of another method", "paymentMethodCode", func(r map[string]any) { r["paymentMethod"], r["paymentMethodCode"] = "blik", "ipko" }},
		{"pay later above provider limit", "amount", func(r map[string]any) {
			r["paymentMethod"], r["paymentMethodCode"], r["amount"] = "imoje_paylater", "imoje_twisto", 150001
		}},
		{"pay later below provider minimum", "amount", func(r map[string]any) {
			r["paymentMethod"], r["paymentMethodCode"], r["amount"] = "imoje_paylater", "pragma_go", 100
		}},
		{"successReturnUrl missing", "successReturnUrl", func(r map[string]any) { delete(r, "successReturnUrl") }},
		{"failureReturnUrl not http", "failureReturnUrl", func(r map[string]any) { r["failureReturnUrl"] = "ftp://shop/fail" }},
		{"notificationUrl relative", "notificationUrl", func(r map[string]any) { r["notificationUrl"] = "/webhook" }},
		{"blikCode five digits", "blikCode", func(r map[string]any) {
			r["paymentMethod"], r["paymentMethodCode"], r["blikCode"], r["clientIp"] = "blik", "blik", "12345", "203.0.113.7"
		}},
		{"blikCode letters", "blikCode", func(r map[string]any) {
			r["paymentMethod"], r["paymentMethodCode"], r["blikCode"], r["clientIp"] = "blik", "blik", "12345a", "203.0.113.7"
		}},
		{"blikCode with bank transfer", "blikCode", func(r map[string]any) { r["blikCode"], r["clientIp"] = "777123", "203.0.113.7" }},
		{"blikCode without clientIp", "clientIp", func(r map[string]any) {
			r["paymentMethod"], r["paymentMethodCode"], r["blikCode"] = "blik", "blik", "777123"
		}},
		{"clientIp invalid", "clientIp", func(r map[string]any) { r["clientIp"] = "999.1.1.1" }},
		{"validTo too soon", "validTo", func(r map[string]any) { r["validTo"] = time.Now().Add(30 * time.Second).Unix() }},
		{"validTo in the past", "validTo", func(r map[string]any) { r["validTo"] = 1 }},
		{"customer missing", "customer", func(r map[string]any) { delete(r, "customer") }},
		{"customer email invalid", "customer.email", func(r map[string]any) {
			r["customer"] = map[string]any{"firstName": "J", "lastName": "K", "email": "not-an-email"}
		}},
		{"customer firstName missing", "customer.firstName", func(r map[string]any) {
			r["customer"] = map[string]any{"lastName": "K", "email": "j@example.com"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := e.saleRequest()
			tc.edit(req)
			status, body := e.call(t, "POST", e.api("/transaction"), "", req)
			apiErr := assertAPIError(t, status, http.StatusUnprocessableEntity, body)
			var fields []string
			for _, fe := range apiErr["errors"].([]any) {
				fields = append(fields, fe.(map[string]any)["field"].(string))
			}
			if !slices.Contains(fields, tc.field) {
				t.Fatalf("errors name %v, want %s", fields, tc.field)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(e.sim.Transactions()); n != 0 {
			t.Errorf("invalid calls created %d transactions", n)
		}
		if n := len(e.sim.Deliveries()); n != 0 {
			t.Errorf("invalid calls sent %d notifications", n)
		}
	})
}

func TestStrictNotificationURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.StrictNotificationURLs = true })
	for _, u := range []string{"http://localhost/hook", "https://shop.example:8443/hook"} {
		req := e.saleRequest()
		req["notificationUrl"] = u
		status, body := e.call(t, "POST", e.api("/transaction"), "", req)
		assertAPIError(t, status, http.StatusUnprocessableEntity, body)
	}
	req := e.saleRequest()
	req["notificationUrl"] = "https://shop.example/hook"
	if status, body := e.call(t, "POST", e.api("/transaction"), "", req); status != http.StatusOK {
		t.Fatalf("plain https URL refused: %d %v", status, body)
	}
}

func TestMalformedBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, body := range []string{"", "{", `{"amount":"abc"}`, `[1]`, `{"type":"sale"} {}`} {
		status, resp := e.call(t, "POST", e.api("/transaction"), "", body)
		assertAPIError(t, status, http.StatusBadRequest, resp)
	}
	if n := len(e.sim.Transactions()); n != 0 {
		t.Fatalf("%d transactions created", n)
	}
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	txID := e.createSale(t, nil)
	paymentBody := e.paymentRequest()
	endpoints := []struct {
		method, path string
		body         any
	}{
		{"POST", "/transaction", e.saleRequest()},
		{"GET", "/transaction/" + txID, nil},
		{"POST", "/transaction/" + txID + "/refund", map[string]any{"type": "refund", "serviceId": e.shop.ServiceID, "amount": 1}},
		{"POST", "/payment", paymentBody},
		{"GET", "/payment/" + txID, nil},
		{"POST", "/payment/cancel", map[string]any{"serviceId": e.shop.ServiceID, "paymentId": txID}},
		{"GET", "/service/" + e.shop.ServiceID, nil},
	}
	tokens := []struct{ name, token, merchant string }{
		{"no token", "-", e.merchant.ID},
		{"wrong token", "not-the-token", e.merchant.ID},
		{"token of another merchant", "token-of-another-merchant", e.merchant.ID},
		{"unknown merchant", e.merchant.Token, "unknownmerchant00000"},
	}
	before := e.sim.Transactions()
	for _, ep := range endpoints {
		for _, tk := range tokens {
			t.Run(ep.method+" "+strings.SplitN(ep.path, "/", 3)[1]+" "+tk.name, func(t *testing.T) {
				status, body := e.call(t, ep.method, "/v1/merchant/"+tk.merchant+ep.path, tk.token, ep.body)
				assertAPIError(t, status, http.StatusUnauthorized, body)
			})
		}
	}
	if after := e.sim.Transactions(); !reflect.DeepEqual(before, after) {
		t.Fatalf("unauthorized calls changed transactions")
	}
}

func TestGetTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createSale(t, nil)
	status, body := e.call(t, "GET", e.api("/transaction/"+id), "", nil)
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	tx := body["transaction"].(map[string]any)
	if tx["id"] != id || tx["status"] != "new" {
		t.Fatalf("transaction = %v", tx)
	}
	if refunds, ok := tx["refunds"].([]any); !ok || len(refunds) != 0 {
		t.Fatalf("refunds = %#v, want []", tx["refunds"])
	}
	status, body = e.call(t, "GET", e.api("/transaction/00000000-0000-4000-8000-000000000000"), "", nil)
	assertAPIError(t, status, http.StatusNotFound, body)
	// Another merchant, with its own valid token, cannot see it.
	status, body = e.call(t, "GET", "/v1/merchant/othermerchant0000001/transaction/"+id, "token-of-another-merchant", nil)
	assertAPIError(t, status, http.StatusNotFound, body)
}

func TestGetService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := e.call(t, "GET", e.api("/service/"+e.shop.ServiceID), "", nil)
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	svc := body["service"].(map[string]any)
	if svc["id"] != e.shop.ServiceID || svc["isActive"] != true {
		t.Fatalf("service = %v", svc)
	}
	methods := svc["paymentMethods"].([]any)
	if len(methods) != len(DefaultChannels()) {
		t.Fatalf("%d methods", len(methods))
	}
	var twisto map[string]any
	for _, m := range methods {
		if m.(map[string]any)["paymentMethodCode"] == "imoje_twisto" {
			twisto = m.(map[string]any)
		}
	}
	if got := keys(twisto); !slices.Equal(got, []string{"currency", "description", "isActive", "isOnline", "paymentMethod", "paymentMethodCode", "transactionLimits"}) {
		t.Fatalf("method keys = %v", got)
	}
	limits := twisto["transactionLimits"].(map[string]any)
	if limits["maxTransaction"].(map[string]any)["value"] != 150000.0 || limits["minTransaction"].(map[string]any)["value"] != 100.0 {
		t.Fatalf("twisto limits = %v", limits)
	}
	for _, id := range []string{"0b6a1f0e-1111-4222-8333-444455556666", "nope"} {
		status, body = e.call(t, "GET", e.api("/service/"+id), "", nil)
		assertAPIError(t, status, http.StatusNotFound, body)
	}
}

func TestPaymentLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := e.paymentRequest()
	req["visibleMethod"] = []string{"blik", "pbl"}
	status, body := e.call(t, "POST", e.api("/payment"), "", req)
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	p := body["payment"].(map[string]any)
	id := p["id"].(string)
	for k, v := range map[string]any{"url": e.srv.URL + "/paywall/" + id, "serviceId": e.shop.ServiceID, "orderId": "link-1",
		"title": "Lesson", "amount": 5000.0, "currency": "PLN", "status": "new", "isActive": true} {
		if p[k] != v {
			t.Errorf("payment.%s = %v, want %v", k, p[k], v)
		}
	}

	// GET answers flat, with the transactions.
	status, got := e.call(t, "GET", e.api("/payment/"+id), "", nil)
	if status != http.StatusOK || got["id"] != id || got["payment"] != nil {
		t.Fatalf("GET payment: %d %v", status, got)
	}
	if txs, ok := got["transactions"].([]any); !ok || len(txs) != 0 {
		t.Fatalf("transactions = %#v", got["transactions"])
	}

	// The payer pays by BLIK on the paywall.
	res := e.outcome(t, id, Outcome{PaymentMethod: "blik", PaymentMethodCode: "blik", BlikCode: "777000"})
	if res.Transaction.Status != StatusSettled || res.RedirectURL != "https://shop.example/ok" {
		t.Fatalf("outcome = %+v", res)
	}
	_, got = e.call(t, "GET", e.api("/payment/"+id), "", nil)
	if got["status"] != "settled" || got["isActive"] != false || len(got["transactions"].([]any)) != 1 {
		t.Fatalf("after paying: %v", got)
	}
	// Card is not among visibleMethod.
	if _, err := e.sim.ApplyOutcome(id, Outcome{PaymentMethodCode: "ecom3ds"}); err == nil {
		t.Fatal("paid a settled link again")
	}
	e.idle(t)
	ns := e.rc.notifications(t)
	if got := statuses(ns); !slices.Equal(got, []string{"sale pending", "sale settled"}) {
		t.Fatalf("notifications = %v", got)
	}
	if ns[1].Payment == nil || ns[1].Payment.ID != id || ns[1].Payment.Status != "settled" || ns[1].Action != nil {
		t.Fatalf("settled notification = %+v", ns[1])
	}
	if ns[0].Action == nil || ns[0].Action.URL != e.srv.URL+"/paywall/"+id {
		t.Fatalf("pending notification action = %+v", ns[0].Action)
	}
}

func TestPaymentLinkInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, field string
		edit        func(map[string]any)
	}{
		{"serviceId of another merchant", "serviceId", func(r map[string]any) { r["serviceId"] = "0b6a1f0e-1111-4222-8333-444455556666" }},
		{"amount zero", "amount", func(r map[string]any) { r["amount"] = 0 }},
		{"currency unknown", "currency", func(r map[string]any) { r["currency"] = "PLZ" }},
		{"orderId bad character", "orderId", func(r map[string]any) { r["orderId"] = "a|b" }},
		{"customer missing", "customer", func(r map[string]any) { delete(r, "customer") }},
		{"visibleMethod unknown", "visibleMethod[1]", func(r map[string]any) { r["visibleMethod"] = []string{"blik", "cash"} }},
		{"preselect unknown", "preselectMethodCode", func(r map[string]any) { r["preselectMethodCode"] = "nobank" }},
		{"validTo too soon", "validTo", func(r map[string]any) { r["validTo"] = time.Now().Unix() + 10 }},
		{"returnUrl invalid", "returnUrl", func(r map[string]any) { r["returnUrl"] = "shop" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := e.paymentRequest()
			tc.edit(req)
			status, body := e.call(t, "POST", e.api("/payment"), "", req)
			apiErr := assertAPIError(t, status, http.StatusUnprocessableEntity, body)
			if f := apiErr["errors"].([]any)[0].(map[string]any)["field"]; f != tc.field {
				t.Fatalf("field = %v, want %s", f, tc.field)
			}
		})
	}
	t.Cleanup(func() {
		if len(e.sim.payments) != 0 {
			t.Errorf("invalid calls created payment links")
		}
	})
}

func TestCancelPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := e.call(t, "POST", e.api("/payment"), "", e.paymentRequest())
	if status != http.StatusOK {
		t.Fatal(body)
	}
	id := body["payment"].(map[string]any)["id"].(string)
	invalid := []map[string]any{
		{"serviceId": e.shop.ServiceID},
		{"paymentId": id},
		{"serviceId": e.shop.ServiceID, "paymentId": "00000000-0000-4000-8000-000000000000"},
		{"serviceId": "0b6a1f0e-1111-4222-8333-444455556666", "paymentId": id},
	}
	for _, req := range invalid {
		status, body := e.call(t, "POST", e.api("/payment/cancel"), "", req)
		assertAPIError(t, status, http.StatusUnprocessableEntity, body)
	}
	if p, _ := e.sim.Payment(id); p.Status != StatusNew {
		t.Fatalf("invalid cancels changed the link: %s", p.Status)
	}
	status, body = e.call(t, "POST", e.api("/payment/cancel"), "", map[string]any{"serviceId": e.shop.ServiceID, "paymentId": id})
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	if p := body["payment"].(map[string]any); p["status"] != "cancelled" || p["isActive"] != false {
		t.Fatalf("cancelled payment = %v", p)
	}
	status, body = e.call(t, "POST", e.api("/payment/cancel"), "", map[string]any{"serviceId": e.shop.ServiceID, "paymentId": id})
	assertAPIError(t, status, http.StatusUnprocessableEntity, body)
	e.idle(t)
	ns := e.rc.notifications(t)
	if len(ns) != 1 || ns[0].Transaction != nil || ns[0].Action != nil || ns[0].Payment.Status != "cancelled" {
		t.Fatalf("notifications = %+v", ns)
	}
}

func TestPaymentLinkExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := e.paymentRequest()
	req["validTo"] = e.sim.Now().Unix() + 120
	_, body := e.call(t, "POST", e.api("/payment"), "", req)
	id := body["payment"].(map[string]any)["id"].(string)
	e.sim.Advance(90 * time.Second)
	if p, _ := e.sim.Payment(id); p.Status != StatusNew || !p.IsActive {
		t.Fatalf("expired early: %+v", p)
	}
	e.sim.Advance(31 * time.Second)
	_, got := e.call(t, "GET", e.api("/payment/"+id), "", nil)
	if got["status"] != "cancelled" || got["isActive"] != false {
		t.Fatalf("after validTo: %v", got)
	}
	if _, err := e.sim.ApplyOutcome(id, Outcome{PaymentMethodCode: "blik"}); err == nil {
		t.Fatal("paid an expired link")
	}
	e.idle(t)
	ns := e.rc.notifications(t)
	if len(ns) != 1 || ns[0].Transaction != nil || ns[0].Payment == nil || ns[0].Payment.Status != "cancelled" {
		t.Fatalf("notifications = %+v", ns)
	}
}
