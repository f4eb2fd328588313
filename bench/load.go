package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// errConflict marks an attempt the system refused as it should (a slot taken under contention): it
// is counted apart from errors.
var errConflict = errors.New("conflict")

// errExhausted tells the load loop a client has nothing more to do (e.g. no free slot left).
var errExhausted = errors.New("exhausted")

// Op is one request of one client: worker is the client's index, seq its request number.
type Op func(ctx context.Context, worker, seq int) error

// Result is one measured step: a system under one workload at one concurrency.
type Result struct {
	Workload    string
	System      string // slotpay, floor (pgx), PostGraphile
	Concurrency int
	Ops         int
	Errors      int
	Conflicts   int
	Elapsed     time.Duration
	Lat         []time.Duration // sorted
	FirstErr    string
	CPU         float64 // cores of the measured process during the step
	PeakRSS     int64
	TxPerOp     float64 // database transactions per operation (approximate)
	PGCPU       float64 // cores used by PostgreSQL during the step
	MachineCPU  float64 // cores busy on the whole machine during the step
	Note        string
}

// Throughput is completed operations (including conflicts) per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// Pct is the p-th percentile latency (0 < p ≤ 100).
func (r *Result) Pct(p float64) time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	i := int(float64(len(r.Lat))*p/100+0.5) - 1
	return r.Lat[min(max(i, 0), len(r.Lat)-1)]
}

// runLoad runs op from n closed-loop clients: warmup first (not measured), then measure for d.
// A client that returns errExhausted stops early. At the end clients finish the request they are
// in (so the server never sees a cancelled request) and stop.
func runLoad(ctx context.Context, n int, warmup, d time.Duration, op Op) Result {
	type clientStats struct {
		lat             []time.Duration
		errs, conflicts int
		firstErr        string
	}
	stats := make([]clientStats, n)
	var measuring, stopped atomic.Bool
	var seq atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &stats[w]
			s.lat = make([]time.Duration, 0, 4096)
			for !stopped.Load() && ctx.Err() == nil {
				t0 := time.Now()
				err := op(ctx, w, int(seq.Add(1)-1))
				el := time.Since(t0)
				if errors.Is(err, errExhausted) {
					return
				}
				if !measuring.Load() || ctx.Err() != nil {
					continue
				}
				switch {
				case err == nil:
				case errors.Is(err, errConflict):
					s.conflicts++
				default:
					s.errs++
					if s.firstErr == "" {
						s.firstErr = err.Error()
					}
				}
				s.lat = append(s.lat, el)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-time.After(warmup):
	case <-done:
	case <-ctx.Done():
	}
	measuring.Store(true)
	start := time.Now()
	select {
	case <-time.After(d):
	case <-done:
	case <-ctx.Done():
	}
	measuring.Store(false)
	elapsed := time.Since(start)
	stopped.Store(true)
	<-done
	r := Result{Concurrency: n, Elapsed: elapsed}
	for _, s := range stats {
		r.Lat = append(r.Lat, s.lat...)
		r.Errors += s.errs
		r.Conflicts += s.conflicts
		if r.FirstErr == "" {
			r.FirstErr = s.firstErr
		}
	}
	r.Ops = len(r.Lat)
	slices.Sort(r.Lat)
	return r
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func fmtMB(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}
