package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	five := Limit{N: 5, Per: 5 * time.Minute} // one unit a minute, five at once
	cases := []struct {
		name      string
		tat       time.Time
		limit     Limit
		cost      int
		allowed   bool
		nextTAT   time.Time
		retry     time.Duration
		unchanged bool
	}{
		{name: "new key: full allowance", tat: time.Time{}, limit: five, cost: 1, allowed: true, nextTAT: now.Add(time.Minute)},
		{name: "past TAT counts from now", tat: now.Add(-time.Hour), limit: five, cost: 2, allowed: true, nextTAT: now.Add(2 * time.Minute)},
		{name: "the whole burst at once", tat: time.Time{}, limit: five, cost: 5, allowed: true, nextTAT: now.Add(5 * time.Minute)},
		{name: "last unit of the burst", tat: now.Add(4 * time.Minute), limit: five, cost: 1, allowed: true, nextTAT: now.Add(5 * time.Minute)},
		{name: "burst spent: wait one interval", tat: now.Add(5 * time.Minute), limit: five, cost: 1, retry: time.Minute, unchanged: true},
		{name: "burst spent: a failure waits its whole cost", tat: now.Add(5 * time.Minute), limit: five, cost: 3, retry: 3 * time.Minute, unchanged: true},
		{name: "partly refilled", tat: now.Add(4*time.Minute + 30*time.Second), limit: five, cost: 1, retry: 30 * time.Second, unchanged: true},
		{name: "cost above the burst never passes", tat: time.Time{}, limit: five, cost: 6, retry: 5 * time.Minute, unchanged: true},
		{name: "refund gives units back", tat: now.Add(5 * time.Minute), limit: five, cost: -4, allowed: true, nextTAT: now.Add(time.Minute)},
		{name: "refund never banks allowance", tat: now.Add(time.Minute), limit: five, cost: -4, allowed: true, nextTAT: now},
		{name: "refund on a full allowance", tat: time.Time{}, limit: five, cost: -4, allowed: true, nextTAT: now},
		{name: "off lets everything through", tat: now.Add(time.Hour), limit: Limit{}, cost: 100, allowed: true, unchanged: true},
		{name: "zero cost changes nothing", tat: now.Add(5 * time.Minute), limit: five, cost: 0, allowed: true, unchanged: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next, d := decide(c.tat, now, c.limit, c.cost)
			if d.Allowed != c.allowed || d.RetryAfter != c.retry {
				t.Fatalf("decision %+v, want allowed=%v retry=%v", d, c.allowed, c.retry)
			}
			want := c.nextTAT
			if c.unchanged {
				want = c.tat
			}
			if !next.Equal(want) {
				t.Fatalf("next TAT %v, want %v", next, want)
			}
		})
	}
}

// A failure-weighted sequence as tenancy runs it: each attempt is charged as a failure, a success
// gets all but its share back. Five failures lock one (account, IP) pair; the owner's success costs
// a fifth; after the cool-down the allowance is whole again.
func TestDecideFailureWeighting(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const cost = 5
	l := Limit{N: 5, Per: 15 * time.Minute}.Scaled(cost)
	var tat time.Time
	for i := range 5 {
		next, d := decide(tat, now, l, cost)
		if !d.Allowed {
			t.Fatalf("failure %d refused", i+1)
		}
		tat = next
	}
	if _, d := decide(tat, now, l, cost); d.Allowed || d.RetryAfter != 3*time.Minute {
		t.Fatalf("sixth failure: %+v, want refused for 3m (one failure's share of 15m)", d)
	}
	later := now.Add(15 * time.Minute)
	next, d := decide(tat, later, l, cost)
	if !d.Allowed {
		t.Fatal("refused after the cool-down")
	}
	next, _ = decide(next, later, l, -(cost - 1)) // a success: refunded to its share
	if want := later.Add(36 * time.Second); !next.Equal(want) {
		t.Fatalf("after a success TAT %v, want %v (1/5 of a failure)", next, want)
	}
}

func TestParseLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Limit
		err  string
	}{
		{in: "5/15m", want: Limit{N: 5, Per: 15 * time.Minute}},
		{in: " 30 / 1h ", want: Limit{N: 30, Per: time.Hour}},
		{in: "off", want: Limit{}},
		{in: "5", err: "N/period"},
		{in: "0/1m", err: "whole number"},
		{in: "-1/1m", err: "whole number"},
		{in: "x/1m", err: "whole number"},
		{in: "5/soon", err: "period"},
		{in: "5/10ms", err: "period"},
		{in: "5/1000h", err: "period"},
	}
	for _, c := range cases {
		got, err := ParseLimit(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want one mentioning %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 3 * time.Minute: 180} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("%v: %d, want %d", d, got, want)
		}
	}
}

func TestKeyHidesWhatItCounts(t *testing.T) {
	t.Parallel()
	k := Key("login-account-ip", "ala@example.com", "203.0.113.7")
	if strings.Contains(k, "ala") || strings.Contains(k, "203.0") || !strings.HasPrefix(k, "login-account-ip:") {
		t.Fatalf("key %q", k)
	}
	if Key("r", "a", "bc") == Key("r", "ab", "c") {
		t.Fatal("parts run together")
	}
}
