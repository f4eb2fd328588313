package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/slotpay/slotpay/services/periodic"
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
	err := s.data.Gorm().WithContext(ctx).Raw(`SELECT booking_expire_due_holds(?, ?)`, s.Now(), limit).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("expire due holds: %w", err)
	}
	s.metrics.HoldsExpired(n)
	return n, nil
}

// StartExpiryWorker starts the background expiry of holds (interval 0 means 15 s). The first
// round waits one interval too: expiry on read and on booking covers the gap. Stop ends it.
func (s *Service) StartExpiryWorker(ctx context.Context, interval time.Duration) *periodic.Loop {
	if interval <= 0 {
		interval = 15 * time.Second
	}
	return periodic.Start(ctx, interval, s.expireRound)
}

// expireRound expires due holds in batches until a batch is not full.
func (s *Service) expireRound(ctx context.Context) {
	for {
		n, err := s.ExpireDueHolds(ctx, ExpiryBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "hold expiry failed", "error", err.Error())
			}
			return
		}
		if n > 0 {
			s.log.InfoContext(ctx, "holds expired", "count", n)
		}
		if n < ExpiryBatch || ctx.Err() != nil {
			return
		}
	}
}
