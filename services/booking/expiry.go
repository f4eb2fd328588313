package booking

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ExpiryBatch is how many holds one call to the database expires; a full batch is followed at once
// by another.
const ExpiryBatch = 200

// ExpireDueHolds expires, across all tenants, up to limit PENDING_PAYMENT reservations whose hold
// has run out (status EXPIRED, history, live update; the seat is freed by the trigger). It is safe to
// run on any number of instances at once: rows are claimed with FOR UPDATE SKIP LOCKED inside
// booking_expire_due_holds, so no hold is expired twice and no instance waits for another.
func (s *Service) ExpireDueHolds(ctx context.Context, limit int) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Raw(`SELECT booking_expire_due_holds(?, ?)`, s.Now(), limit).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("expire due holds: %w", err)
	}
	s.metrics.HoldsExpired(n)
	return n, nil
}

// ExpiryWorker runs ExpireDueHolds every Interval until stopped.
type ExpiryWorker struct {
	svc      *Service
	interval time.Duration
	cancel   context.CancelFunc
	done     chan struct{}
	once     sync.Once
}

// StartExpiryWorker starts the background expiry of holds (interval 0 means 15 s). Stop ends it.
func (s *Service) StartExpiryWorker(ctx context.Context, interval time.Duration) *ExpiryWorker {
	if interval <= 0 {
		interval = 15 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &ExpiryWorker{svc: s, interval: interval, cancel: cancel, done: make(chan struct{})}
	go w.run(ctx)
	return w
}

func (w *ExpiryWorker) run(ctx context.Context) {
	defer close(w.done)
	ticker := time.NewTicker(w.interval)
	defer ticker.Stop()
	for {
		// The first round waits one interval too: expiry on read and on booking covers the gap.
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		for {
			n, err := w.svc.ExpireDueHolds(ctx, ExpiryBatch)
			if err != nil {
				if ctx.Err() == nil {
					w.svc.log.ErrorContext(ctx, "hold expiry failed", "error", err.Error())
				}
				break
			}
			if n > 0 {
				w.svc.log.InfoContext(ctx, "holds expired", "count", n)
			}
			if n < ExpiryBatch || ctx.Err() != nil {
				break
			}
		}
	}
}

// Stop ends the worker and waits for a round in progress to finish.
func (w *ExpiryWorker) Stop() {
	w.once.Do(func() {
		w.cancel()
		<-w.done
	})
}
