package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The pool's bound, counted from inside: many concurrent hashes and checks never run more than N at
// once, and all of them finish. Not parallel: it sets the process-wide bound.
func TestPasswordPoolBoundsConcurrency(t *testing.T) {
	const bound = 2
	old := PasswordConcurrency()
	SetPasswordConcurrency(bound)
	t.Cleanup(func() { SetPasswordConcurrency(old) })
	ResetPasswordPeak()
	// Memory large enough that each computation takes a few milliseconds, so they overlap.
	params := Argon2Params{Memory: 4 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h, err := HashPassword(context.Background(), "correct horse battery", params)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i := range 24 {
		wg.Go(func() {
			if i%2 == 0 {
				if _, err := HashPassword(context.Background(), "correct horse battery", params); err == nil {
					ok.Add(1)
				}
				return
			}
			if good, err := VerifyPassword(context.Background(), "correct horse battery", h); good && err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 24 {
		t.Fatalf("%d of 24 computations succeeded", ok.Load())
	}
	if peak := PasswordPeakConcurrency(); peak > bound || peak < 1 {
		t.Fatalf("peak concurrency %d, bound %d", peak, bound)
	}
	if peak := PasswordPeakConcurrency(); peak != bound {
		t.Logf("peak %d below the bound %d (computations did not overlap on this machine)", peak, bound)
	}
}

// A caller waiting for a place gives up when its context ends, without computing anything.
func TestPasswordPoolWaitRespectsContext(t *testing.T) {
	old := PasswordConcurrency()
	SetPasswordConcurrency(1)
	t.Cleanup(func() { SetPasswordConcurrency(old) })
	release, err := passwordPool.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	h := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	before := PasswordChecks()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := VerifyPassword(ctx, "x", h); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("verify while the pool is full: %v, want the context's deadline", err)
	}
	if _, err := HashPassword(ctx, "x", cheap); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hash while the pool is full: %v, want the context's deadline", err)
	}
	if PasswordChecks() != before {
		t.Fatal("a check ran although its caller gave up waiting")
	}
}
