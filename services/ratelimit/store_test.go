package ratelimit_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/ratelimit"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func rows(t *testing.T, db *dbtest.DB) int {
	t.Helper()
	owner, err := db.Owner()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := owner.QueryRow(context.Background(), `SELECT count(*) FROM rate_limits`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two stores on two pools (two instances) spend one allowance: of 40 concurrent attempts on a
// 5-unit bucket, exactly 5 pass.
func TestStoreSharedAcrossInstances(t *testing.T) {
	db := dbtest.New(t)
	other, err := pgxpool.New(context.Background(), db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	stores := []*ratelimit.Store{ratelimit.NewStore(db.Pool, clk.Now), ratelimit.NewStore(other, clk.Now)}
	l := ratelimit.Limit{N: 5, Per: time.Minute}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			d, err := stores[i%2].Take(context.Background(), ratelimit.Request{Limit: l, Key: "k", Cost: 1})
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				allowed.Add(1)
			} else if d.RetryAfter <= 0 || d.RetryAfter > 12*time.Second {
				t.Errorf("refused with retry %v, want (0, 12s]", d.RetryAfter)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 5 {
		t.Fatalf("%d attempts passed a 5-unit bucket", allowed.Load())
	}
}

// An attempt counted in several buckets is charged in all or in none; a refund gives units back;
// cleaning removes exactly the buckets that are full again.
func TestStoreAllOrNothingRefundAndClean(t *testing.T) {
	db := dbtest.New(t)
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := ratelimit.NewStore(db.Pool, clk.Now)
	ctx := context.Background()
	l := ratelimit.Limit{N: 2, Per: time.Minute}
	take := func(reqs ...ratelimit.Request) ratelimit.Decision {
		t.Helper()
		d, err := s.Take(ctx, reqs...)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := func(cost int) ratelimit.Request { return ratelimit.Request{Limit: l, Key: "a", Cost: cost} }
	b := func(cost int) ratelimit.Request { return ratelimit.Request{Limit: l, Key: "b", Cost: cost} }
	if d := take(b(2)); !d.Allowed {
		t.Fatal("b's first attempt refused")
	}
	if d := take(a(1), b(1)); d.Allowed || d.RetryAfter != 30*time.Second {
		t.Fatalf("a+b with b spent: %+v, want refused for 30s", d)
	}
	if d := take(a(2)); !d.Allowed {
		t.Fatal("a was charged by the refused attempt")
	}
	if d := take(a(1)); d.Allowed {
		t.Fatal("a passed with its allowance spent")
	}
	if d := take(a(-1)); !d.Allowed {
		t.Fatal("refund refused")
	}
	if d := take(a(1)); !d.Allowed {
		t.Fatal("the refunded unit was not given back")
	}
	if d := take(ratelimit.Request{Limit: ratelimit.Limit{}, Key: "off", Cost: 100}); !d.Allowed {
		t.Fatal("an off limit refused")
	}
	if n := rows(t, db); n != 2 {
		t.Fatalf("%d buckets stored, want 2 (a and b; nothing for an off limit)", n)
	}
	clk.Add(59 * time.Second)
	if n, err := s.Clean(ctx); err != nil || n != 0 {
		t.Fatalf("clean before the buckets refilled: %d, %v", n, err)
	}
	clk.Add(2 * time.Second)
	if n, err := s.Clean(ctx); err != nil || n != 2 {
		t.Fatalf("clean after the buckets refilled: %d, %v", n, err)
	}
	if d := take(a(2)); !d.Allowed {
		t.Fatal("a full allowance after cleaning refused")
	}
}

// What one attempt costs: three buckets (a log-in's) charged in one transaction.
func BenchmarkStoreTake(b *testing.B) {
	db := dbtest.New(b)
	s := ratelimit.NewStore(db.Pool, nil)
	wide := ratelimit.Limit{N: 1_000_000, Per: time.Second}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ip := strconv.Itoa(i % 1000)
		if _, err := s.Take(ctx, ratelimit.Request{Limit: wide, Key: "ip:" + ip, Cost: 5},
			ratelimit.Request{Limit: wide, Key: "pair:" + ip, Cost: 5}, ratelimit.Request{Limit: wide, Key: "account", Cost: 5}); err != nil {
			b.Fatal(err)
		}
	}
}
