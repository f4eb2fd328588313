package imojesim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(strings.NewReader(`{
		"baseUrl": "http://127.0.0.1:8089",
		"timeFactor": 0.01,
		"refundSpacing": "0s",
		"deliveryTimeout": "3s",
		"merchants": [{"id": "m1", "token": "t1", "shops": [{
			"serviceId": "s1", "serviceKey": "k1", "notificationUrl": "http://127.0.0.1:9000/hook",
			"channels": [{"method": "blik", "code": "blik", "min": 1, "max": 500000}, {"method": "pbl", "code": "ing", "active": false}]
		}]}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseURL != "http://127.0.0.1:8089" || cfg.TimeFactor != 0.01 || cfg.RefundSpacing >= 0 || cfg.DeliveryTimeout != 3*time.Second {
		t.Fatalf("cfg = %+v", cfg)
	}
	ch := cfg.Merchants[0].Shops[0].Channels
	if !ch[0].Active || !ch[0].Online || ch[1].Active || !ch[1].Online {
		t.Fatalf("channels = %+v", ch)
	}
	for _, bad := range []string{`{"merchant": []}`, `{"timeFactor": "fast"}`, `{"refundSpacing": "soon"}`, `[`} {
		if _, err := LoadConfig(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestDemoConfig(t *testing.T) {
	t.Parallel()
	a, b := DemoConfig(), DemoConfig()
	if len(a.Merchants) != 1 || len(a.Merchants[0].Shops) != 1 {
		t.Fatalf("demo = %+v", a)
	}
	if a.Merchants[0].Token == b.Merchants[0].Token || a.Merchants[0].Shops[0].ServiceKey == b.Merchants[0].Shops[0].ServiceKey {
		t.Fatal("demo credentials are not generated afresh")
	}
	if len(a.Merchants[0].Shops[0].Channels) != len(DefaultChannels()) {
		t.Fatal("demo shop lacks the default channels")
	}
	sim := New(a)
	defer sim.Close()
	if _, err := sim.AddMerchant(a.Merchants[0]); err == nil {
		t.Fatal("the same merchant was added twice")
	}
}

func TestDefaultChannels(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range DefaultChannels() {
		if !c.Active || !c.Online || c.Currency != "PLN" || c.Min < 1 || c.Max < c.Min {
			t.Errorf("channel %+v", c)
		}
		seen[c.Method+"/"+c.Code] = true
	}
	for _, want := range []string{"blik/blik", "pbl/ing", "pbl/ipko", "card/ecom3ds", "imoje_paylater/imoje_twisto", "imoje_paylater/paypo", "imoje_paylater/blik_paylater", "imoje_paylater/pragma_go"} {
		if !seen[want] {
			t.Errorf("no default channel %s", want)
		}
	}
}

func TestValidOrderID(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"Zamowienie test": true, "A-1_2.3/4#5": true, "Zamówienie ąę": true, strings.Repeat("x", 100): true,
		"": false, strings.Repeat("x", 101): false, "a;b": false, "a\nb": false, "emoji😀": false, "€": false,
	}
	for id, want := range tests {
		if got := validOrderID(id); got != want {
			t.Errorf("validOrderID(%q) = %v", id, got)
		}
	}
}

// Whatever arrives at POST transaction, the answer is 200, 400 or 422 with imoje's error shape,
// and a refused call creates nothing.
func FuzzCreateTransaction(f *testing.F) {
	valid, _ := json.Marshal(map[string]any{
		"type": "sale", "serviceId": "s1", "amount": 100, "currency": "PLN", "orderId": "o1",
		"paymentMethod": "blik", "paymentMethodCode": "blik", "blikCode": "777123", "clientIp": "10.0.0.1",
		"successReturnUrl": "https://a.pl/s", "failureReturnUrl": "https://a.pl/f",
		"customer": map[string]any{"firstName": "a", "lastName": "b", "email": "a@b.pl"},
	})
	f.Add(valid)
	f.Add([]byte(`{"amount":1e400}`))
	f.Add([]byte(`{"amount":"12"}`))
	f.Add([]byte(`{"customer":null,"validTo":-1}`))
	sim := New(Config{TimeFactor: fastFactor, RefundSpacing: -1, Merchants: []MerchantConfig{{ID: "m1", Token: "t", Shops: []ShopConfig{{ServiceID: "s1"}}}}})
	f.Cleanup(sim.Close)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := len(sim.Transactions())
		req := httptest.NewRequest("POST", "/v1/merchant/m1/transaction", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		after := len(sim.Transactions())
		switch rec.Code {
		case http.StatusOK:
			if after != before+1 {
				t.Fatalf("200 but %d → %d transactions", before, after)
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			var e map[string]APIError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["apiErrorResponse"].Code == "" {
				t.Fatalf("error body %s", rec.Body.Bytes())
			}
			if after != before {
				t.Fatalf("refused call created a transaction")
			}
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
