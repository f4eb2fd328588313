package imojesim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// noRedirect is a client that shows the paywall's redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func getPage(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

func submit(t *testing.T, u string, form url.Values) *http.Response {
	t.Helper()
	resp, err := noRedirect.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestPaywallLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := e.paymentRequest()
	req["amount"] = 200000 // 2000 PLN: above Twisto's limit, within PayPo's
	_, body := e.call(t, "POST", e.api("/payment"), "", req)
	p := body["payment"].(map[string]any)
	page := getPage(t, p["url"].(string))
	for _, want := range []string{"2000,00 PLN", "link-1", "Anna Nowak", `value="blik:blik"`, `value="pbl:ipko"`, `value="card:ecom3ds"`,
		`value="imoje_paylater:paypo"`, "Twisto", "will be declined", `name="blikCode"`, `name="cardNumber"`, `value="settle"`, `value="reject"`, `value="cancel"`} {
		if !strings.Contains(page, want) {
			t.Errorf("paywall lacks %q", want)
		}
	}
	// No channel chosen: the page says so and nothing changes.
	resp := submit(t, p["url"].(string), url.Values{"outcome": {"settle"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no channel: %d", resp.StatusCode)
	}
	// Reject without choosing a method, or BLIK without a code: the page asks again.
	for _, form := range []url.Values{{"outcome": {"reject"}}, {"outcome": {"settle"}, "channel": {"blik:blik"}}} {
		if resp := submit(t, p["url"].(string), form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%v: %d", form, resp.StatusCode)
		}
	}
	// Pay-later above the provider's limit: rejected, payer sent to the failure URL.
	resp = submit(t, p["url"].(string), url.Values{"outcome": {"settle"}, "channel": {"imoje_paylater:imoje_twisto"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://shop.example/fail" {
		t.Fatalf("twisto: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Card declined by a test number, then paid with a good card.
	resp = submit(t, p["url"].(string), url.Values{"outcome": {"settle"}, "channel": {"card:ecom3ds"}, "cardNumber": {"4000 0000 0000 9995"}})
	if resp.Header.Get("Location") != "https://shop.example/fail" {
		t.Fatalf("declined card: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = submit(t, p["url"].(string), url.Values{"outcome": {"settle"}, "channel": {"card:ecom3ds"}, "cardNumber": {"4111 1111 1111 1111"}})
	if resp.Header.Get("Location") != "https://shop.example/ok" {
		t.Fatalf("good card: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	got, _ := e.sim.Payment(p["id"].(string))
	var results []string
	for _, tx := range got.Transactions {
		results = append(results, tx.PaymentMethodCode+" "+tx.Status+" "+tx.StatusCode)
	}
	if want := []string{"imoje_twisto rejected ", "ecom3ds rejected CODE_51", "ecom3ds settled "}; !slices.Equal(results, want) || got.Status != "settled" {
		t.Fatalf("link %s, transactions %q", got.Status, results)
	}
	if page := getPage(t, p["url"].(string)); !strings.Contains(page, "Paid") || strings.Contains(page, `value="settle"`) {
		t.Fatal("paid link still offers payment")
	}
}

func TestPaywallTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name     string
		create   func(map[string]any)
		form     url.Values
		location string
		status   string
	}{
		{"bank approves", nil, url.Values{"outcome": {"settle"}}, "https://shop.example/ok", "settled"},
		{"bank rejects", nil, url.Values{"outcome": {"reject"}}, "https://shop.example/fail", "rejected"},
		{"payer cancels", nil, url.Values{"outcome": {"cancel"}}, "https://shop.example/fail", "cancelled"},
		{"blik code entered", blik, url.Values{"outcome": {"settle"}, "blikCode": {"777777"}}, "https://shop.example/ok", "settled"},
		{"blik wrong code", blik, url.Values{"outcome": {"settle"}, "blikCode": {"111111"}}, "https://shop.example/fail", "rejected"},
		{"pay later", func(r map[string]any) { r["paymentMethod"], r["paymentMethodCode"] = "imoje_paylater", "paypo" },
			url.Values{"outcome": {"settle"}}, "https://shop.example/ok", "settled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := e.createSale(t, tc.create)
			u := e.srv.URL + "/paywall/" + id
			if page := getPage(t, u); !strings.Contains(page, "123,45 PLN") {
				t.Fatal("paywall does not show the amount")
			}
			resp := submit(t, u, tc.form)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.location {
				t.Fatalf("answer %d → %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if tx, _ := e.sim.Transaction(id); tx.Status != tc.status {
				t.Fatalf("status %s", tx.Status)
			}
		})
	}
	// A malformed BLIK code is shown to the payer and changes nothing.
	id := e.createSale(t, blik)
	if resp := submit(t, e.srv.URL+"/paywall/"+id, url.Values{"outcome": {"settle"}, "blikCode": {"12"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad code: %d", resp.StatusCode)
	}
	if tx, _ := e.sim.Transaction(id); tx.Status != "new" {
		t.Fatalf("bad code changed the transaction: %s", tx.Status)
	}
	// A payer must type a BLIK code; the form says so and nothing changes.
	if resp := submit(t, e.srv.URL+"/paywall/"+id, url.Values{"outcome": {"settle"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no code: %d", resp.StatusCode)
	}
	if tx, _ := e.sim.Transaction(id); tx.Status != "new" {
		t.Fatalf("missing code changed the transaction: %s", tx.Status)
	}
	if resp, _ := http.Get(e.srv.URL + "/paywall/nope"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown paywall: %d", resp.StatusCode)
	}
}

// Mounted under a prefix with http.StripPrefix, the generated URLs carry the prefix, whether it
// comes from Config.BaseURL or is derived from the request.
func TestMountedUnderPrefix(t *testing.T) {
	t.Parallel()
	for _, withBaseURL := range []bool{false, true} {
		mux := http.NewServeMux()
		srv := httptest.NewUnstartedServer(mux) // its URL is known before it starts
		cfg := Config{TimeFactor: fastFactor, Merchants: []MerchantConfig{{ID: "m0000000000000000001", Token: "tok", Shops: []ShopConfig{{ServiceID: "s1"}}}}}
		if withBaseURL {
			cfg.BaseURL = "http://" + srv.Listener.Addr().String() + "/_imoje/"
		}
		sim := New(cfg)
		t.Cleanup(sim.Close)
		mux.Handle("/_imoje/", http.StripPrefix("/_imoje", sim))
		srv.Start()
		t.Cleanup(srv.Close)
		e := &env{sim: sim, srv: srv, merchant: MerchantConfig{ID: "m0000000000000000001", Token: "tok"}, shop: ShopConfig{ServiceID: "s1"}}
		status, body := e.call(t, "POST", "/_imoje"+e.api("/transaction"), "", e.saleRequest())
		if status != http.StatusOK {
			t.Fatalf("%d %v", status, body)
		}
		actionURL := body["action"].(map[string]any)["url"].(string)
		if !strings.HasPrefix(actionURL, srv.URL+"/_imoje/paywall/") {
			t.Fatalf("action url = %s", actionURL)
		}
		getPage(t, actionURL)
		resp := submit(t, actionURL, url.Values{"outcome": {"settle"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("paywall post under prefix: %d", resp.StatusCode)
		}
		if page := getPage(t, srv.URL+"/_imoje/_sim/"); !strings.Contains(page, "Notification log") {
			t.Fatal("dashboard under prefix")
		}
	}
}
