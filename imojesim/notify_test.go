package imojesim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"
)

// A full round over HTTP: create a transaction, the payer pays (test endpoint), the shop receives
// signed notifications that verify with its key and with no other.
func TestFullRoundOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createSale(t, nil)
	status, body := e.call(t, "POST", "/_sim/transactions/"+id+"/outcome", "-", map[string]any{"outcome": "settle"})
	if status != http.StatusOK {
		t.Fatalf("outcome: %d %v", status, body)
	}
	if body["redirectUrl"] != "https://shop.example/ok" || body["transaction"].(map[string]any)["status"] != "settled" {
		t.Fatalf("outcome answer = %v", body)
	}
	e.idle(t)
	reqs := e.rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d notifications, want pending and settled", len(reqs))
	}
	for i, r := range reqs {
		for header, want := range map[string]string{
			"Content-Type": "application/json; charset=UTF-8", "User-Agent": "imoje", "Accept": "text/plain",
		} {
			if got := r.header.Get(header); got != want {
				t.Errorf("notification %d: %s = %q, want %q", i, header, got, want)
			}
		}
		h, err := VerifyNotification(r.body, r.header.Get("X-Imoje-Signature"), e.shop.ServiceKey)
		if err != nil {
			t.Fatalf("notification %d does not verify with the shop key: %v", i, err)
		}
		if h.MerchantID != e.merchant.ID || h.ServiceID != e.shop.ServiceID || h.Alg != "sha256" {
			t.Fatalf("signature header = %+v", h)
		}
		for _, key := range []string{"other-key", "", e.shop.ServiceKey + " "} {
			if _, err := VerifyNotification(r.body, r.header.Get("X-Imoje-Signature"), key); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("verified with key %q: %v", key, err)
			}
		}
		if bytes.HasSuffix(r.body, []byte("\n")) || bytes.Contains(r.body, []byte(": ")) {
			t.Fatalf("notification is not compact JSON: %s", r.body)
		}
	}
	ns := e.rc.notifications(t)
	if got := statuses(ns); !slices.Equal(got, []string{"sale pending", "sale settled"}) {
		t.Fatalf("notifications = %v", got)
	}
	tx := ns[1].Transaction
	if tx.ID != id || tx.ServiceID != e.shop.ServiceID || tx.Amount != 12345 || tx.OrderID != "order-1" || tx.PaymentMethodCode != "ipko" || tx.Source != "api" {
		t.Fatalf("settled transaction = %+v", tx)
	}
	if ns[0].Action == nil || ns[1].Action != nil || ns[0].Payment != nil {
		t.Fatalf("objects: pending %+v, settled %+v", ns[0], ns[1])
	}
	// The log shows each delivery with its attempt.
	for _, d := range e.sim.Deliveries() {
		if d.State != DeliveryDelivered || len(d.Attempts) != 1 || !d.Attempts[0].Accepted || d.Attempts[0].StatusCode != 200 {
			t.Fatalf("delivery = %+v", d)
		}
	}
	// A final state never changes.
	if _, err := e.sim.ApplyOutcome(id, Outcome{Outcome: "reject"}); !errors.Is(err, ErrFinalState) {
		t.Fatalf("reject after settle: %v", err)
	}
	status, body = e.call(t, "POST", "/_sim/transactions/"+id+"/outcome", "-", map[string]any{"outcome": "pending"})
	if status != http.StatusConflict {
		t.Fatalf("pending after settle over HTTP: %d %v", status, body)
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name         string
		create       func(map[string]any)
		outcome      Outcome
		wantStatus   string
		wantCode     string
		wantRedirect string
		wantNotices  []string
	}{
		{"bank pays", nil, Outcome{}, "settled", "", "https://shop.example/ok", []string{"sale pending", "sale settled"}},
		{"payer rejects", nil, Outcome{Outcome: "reject"}, "rejected", "", "https://shop.example/fail", []string{"sale pending", "sale rejected"}},
		{"payer cancels", nil, Outcome{Outcome: "cancel"}, "cancelled", "", "https://shop.example/fail", []string{"sale cancelled"}},
		{"bank error", nil, Outcome{Outcome: "error"}, "error", "", "https://shop.example/fail", []string{"sale pending", "sale error"}},
		{"payer at the bank", nil, Outcome{Outcome: "pending"}, "pending", "", "https://shop.example/ok", []string{"sale pending"}},
		{"reject with code", nil, Outcome{Outcome: "reject", StatusCode: "BLK-ERROR-210015"}, "rejected", "BLK-ERROR-210015", "https://shop.example/fail", []string{"sale pending", "sale rejected"}},
		{"blik 777 settles", blik, Outcome{BlikCode: "777123"}, "settled", "", "https://shop.example/ok", []string{"sale pending", "sale settled"}},
		{"blik 111111 wrong code", blik, Outcome{BlikCode: "111111"}, "rejected", "BLK-ERROR-210005", "https://shop.example/fail", []string{"sale pending", "sale rejected"}},
		{"blik 222222 expired", blik, Outcome{BlikCode: "222222"}, "rejected", "BLK-ERROR-210006", "https://shop.example/fail", []string{"sale pending", "sale rejected"}},
		{"blik 333333 no funds", blik, Outcome{BlikCode: "333333"}, "rejected", "BLK-ERROR-210015", "https://shop.example/fail", []string{"sale pending", "sale rejected"}},
		{"only returnUrl", func(r map[string]any) {
			delete(r, "failureReturnUrl")
			r["failureReturnUrl"], r["returnUrl"] = "https://shop.example/f", "https://shop.example/back"
		}, Outcome{Outcome: "reject"}, "rejected", "", "https://shop.example/f", []string{"sale pending", "sale rejected"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := e.createSale(t, tc.create)
			res := e.outcome(t, id, tc.outcome)
			if res.Transaction.Status != tc.wantStatus || res.Transaction.StatusCode != tc.wantCode || res.RedirectURL != tc.wantRedirect {
				t.Fatalf("result = %+v", res)
			}
			e.idle(t)
			var got []string
			for _, d := range e.sim.Deliveries() {
				if d.TransactionID == id {
					got = append(got, d.Event)
				}
			}
			if !slices.Equal(got, tc.wantNotices) {
				t.Fatalf("notifications = %v, want %v", got, tc.wantNotices)
			}
		})
	}
}

func blik(r map[string]any) { r["paymentMethod"], r["paymentMethodCode"] = "blik", "blik" }

// BLIK with a code from the shop resolves by itself after the (scaled) confirmation time.
func TestBlikCodeInShopResolvesByTestRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct{ code, status, statusCode string }{
		{"777001", "settled", ""},
		{"111111", "rejected", "BLK-ERROR-210005"},
		{"333333", "rejected", "BLK-ERROR-210015"},
		{"123456", "pending", ""}, // waits for the payer's confirmation
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			id := e.createSale(t, func(r map[string]any) {
				blik(r)
				r["blikCode"], r["clientIp"] = tc.code, "203.0.113.9"
			})
			waitFor(t, "BLIK decision", func() bool {
				tx, _ := e.sim.Transaction(id)
				return tx.Status == tc.status && tx.StatusCode == tc.statusCode
			})
			if tc.status == "pending" {
				time.Sleep(20 * time.Millisecond) // 100× the scaled confirmation time: still pending
				if tx, _ := e.sim.Transaction(id); tx.Status != "pending" {
					t.Fatalf("code without a rule resolved to %s", tx.Status)
				}
				if res := e.outcome(t, id, Outcome{}); res.Transaction.Status != "settled" {
					t.Fatalf("confirmation: %+v", res)
				}
			}
		})
	}
}

func TestRetryScheduleAndStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Five failures (three quick, two 5-minute waits), then the 6th attempt is accepted.
	e.rc.setResponse(func(n int) (int, string) {
		if n <= 5 {
			return http.StatusInternalServerError, "down"
		}
		return http.StatusOK, `{"status":"ok"}`
	})
	id := e.createSale(t, nil)
	e.outcome(t, id, Outcome{Outcome: "pending"})
	waitFor(t, "delivery", func() bool { return e.sim.Deliveries()[0].State == DeliveryDelivered })
	time.Sleep(100 * time.Millisecond) // more than the next scaled wait: no further attempt comes
	reqs := e.rc.requests()
	if len(reqs) != 6 {
		t.Fatalf("%d attempts, want 6", len(reqs))
	}
	schedule := RetrySchedule()
	for i := 1; i < len(reqs); i++ {
		gap := reqs[i].at.Sub(reqs[i-1].at)
		want := time.Duration(float64(schedule[i-1]) * fastFactor)
		// Never early; late only by scheduling noise, well below the next tier of the schedule
		// (60 min scaled is 360 ms), so the tiers stay told apart on a busy machine.
		if gap < want || gap > want+250*time.Millisecond {
			t.Errorf("gap before attempt %d = %v, want about %v", i+1, gap, want)
		}
		if !bytes.Equal(reqs[i].body, reqs[0].body) || reqs[i].header.Get("X-Imoje-Signature") != reqs[0].header.Get("X-Imoje-Signature") {
			t.Errorf("attempt %d is not the same notification", i+1)
		}
	}
	d := e.sim.Deliveries()[0]
	if len(d.Attempts) != 6 || d.Attempts[0].StatusCode != 500 || d.Attempts[0].ResponseBody != "down" || !d.Attempts[5].Accepted {
		t.Fatalf("log = %+v", d.Attempts)
	}
}

func TestRetryScheduleIsImojes(t *testing.T) {
	t.Parallel()
	s := RetrySchedule()
	if len(s) != 23 {
		t.Fatalf("%d retries, want 3+5+5+5+5", len(s))
	}
	counts := map[time.Duration]int{}
	for _, d := range s {
		counts[d]++
	}
	want := map[time.Duration]int{10 * time.Second: 3, 5 * time.Minute: 5, time.Hour: 5, 6 * time.Hour: 5, 12 * time.Hour: 5}
	if len(counts) != len(want) {
		t.Fatalf("schedule = %v", s)
	}
	for d, n := range want {
		if counts[d] != n {
			t.Fatalf("schedule = %v", s)
		}
	}
	if !slices.IsSorted(s) {
		t.Fatalf("schedule not increasing: %v", s)
	}
}

// imoje wants the body: 200 with anything but {"status":"ok"} is retried; whitespace is fine.
func TestReplyBodyDecides(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		accepted bool
	}{
		{"ok", 200, `{"status":"ok"}`, true},
		{"ok with whitespace", 200, " {\n \"status\" : \"ok\" }\n", true},
		{"empty body", 200, "", false},
		{"plain OK", 200, "OK", false},
		{"other status value", 200, `{"status":"error"}`, false},
		{"ok body with 201", 201, `{"status":"ok"}`, false},
		{"ok body with 500", 500, `{"status":"ok"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.TimeFactor = 0.001 }) // first retry after 10 ms
			e.rc.setResponse(func(int) (int, string) { return tc.status, tc.body })
			e.outcome(t, e.createSale(t, nil), Outcome{Outcome: "pending"})
			waitFor(t, "first attempt", func() bool { return len(e.sim.Deliveries()[0].Attempts) >= 1 })
			if tc.accepted {
				time.Sleep(30 * time.Millisecond)
				if n := len(e.rc.requests()); n != 1 {
					t.Fatalf("accepted reply retried: %d attempts", n)
				}
				return
			}
			waitFor(t, "a retry", func() bool { return len(e.rc.requests()) >= 2 })
			if d := e.sim.Deliveries()[0]; d.Attempts[0].Accepted || d.State == DeliveryDelivered {
				t.Fatalf("delivery = %+v", d)
			}
		})
	}
}

func TestGivesUpAfterSchedule(t *testing.T) {
	t.Parallel()
	// 1e-7 runs imoje's four days in about 35 ms.
	e := newEnv(t, func(c *Config) { c.TimeFactor = 1e-7 })
	e.rc.setResponse(func(int) (int, string) { return http.StatusServiceUnavailable, "" })
	e.outcome(t, e.createSale(t, nil), Outcome{Outcome: "pending"})
	waitFor(t, "giving up", func() bool { return e.sim.Deliveries()[0].State == DeliveryFailed })
	if n := len(e.rc.requests()); n != 24 {
		t.Fatalf("%d attempts, want 1 + 23 retries", n)
	}
}

func TestNoNotificationURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Merchants[0].Shops[0].NotificationURL = "" })
	e.outcome(t, e.createSale(t, nil), Outcome{Outcome: "pending"})
	d := e.sim.Deliveries()[0]
	if d.State != DeliveryFailed || d.Attempts[0].Error == "" {
		t.Fatalf("delivery = %+v", d)
	}
	// Setting the URL later makes later notifications go out.
	if err := e.sim.SetNotificationURL(e.shop.ServiceID, e.rc.URL); err != nil {
		t.Fatal(err)
	}
	e.outcome(t, e.createSale(t, nil), Outcome{Outcome: "pending"})
	e.idle(t)
	if n := len(e.rc.requests()); n != 1 {
		t.Fatalf("%d notifications", n)
	}
}

func TestPerTransactionNotificationURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := newReceiver(t)
	id := e.createSale(t, func(r map[string]any) { r["notificationUrl"] = other.URL })
	e.outcome(t, id, Outcome{})
	e.idle(t)
	if len(other.requests()) != 2 || len(e.rc.requests()) != 0 {
		t.Fatalf("override: %d, shop: %d", len(other.requests()), len(e.rc.requests()))
	}
	var n Notification
	json.Unmarshal(other.requests()[0].body, &n)
	if n.Transaction.NotificationURL != other.URL {
		t.Fatalf("notificationUrl = %s", n.Transaction.NotificationURL)
	}
}
