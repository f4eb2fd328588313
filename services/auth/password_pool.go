package auth

import (
	"context"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Every argon2id computation (hash or check) holds its memory cost (19 MiB by default) and a core
// for tens of milliseconds; unbounded, a burst of log-ins takes the process's memory with it. They
// run at most PasswordConcurrency at a time, process-wide; the others wait in line, each for as
// long as its request's context lasts.
type pool struct {
	slots    atomic.Pointer[semaphore.Weighted]
	size     atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
}

var passwordPool = newPool(runtime.GOMAXPROCS(0))

func newPool(n int) *pool {
	p := &pool{}
	p.resize(n)
	return p
}

func (p *pool) resize(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	p.slots.Store(semaphore.NewWeighted(int64(n)))
	p.size.Store(int64(n))
}

// acquire waits for a place; release gives it back.
func (p *pool) acquire(ctx context.Context) (release func(), err error) {
	slots := p.slots.Load()
	if err := slots.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	n := p.inFlight.Add(1)
	for {
		peak := p.peak.Load()
		if n <= peak || p.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	return func() {
		p.inFlight.Add(-1)
		slots.Release(1)
	}, nil
}

// SetPasswordConcurrency sets how many argon2id computations may run at once (GOMAXPROCS when
// n < 1). Set it at start-up: computations already waiting keep the old bound.
func SetPasswordConcurrency(n int) { passwordPool.resize(n) }

// PasswordConcurrency is the pool's current bound.
func PasswordConcurrency() int { return int(passwordPool.size.Load()) }

// PasswordPeakConcurrency is the most argon2id computations that have run at once since the last
// ResetPasswordPeak (a metric; tests use it to show the bound holds).
func PasswordPeakConcurrency() int { return int(passwordPool.peak.Load()) }

// ResetPasswordPeak forgets the peak.
func ResetPasswordPeak() { passwordPool.peak.Store(passwordPool.inFlight.Load()) }
