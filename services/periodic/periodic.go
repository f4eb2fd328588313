// Package periodic runs a background round every interval until stopped: hold expiry,
// reconciliation with imoje, the cleaning of spent rate-limit buckets.
package periodic

import (
	"context"
	"sync"
	"time"
)

// Loop is a running background round; Stop ends it.
type Loop struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start calls round every interval (the first call after one interval) until ctx ends or Stop is
// called. Rounds never overlap: a round longer than the interval delays the next one.
func Start(ctx context.Context, interval time.Duration, round func(ctx context.Context)) *Loop {
	ctx, cancel := context.WithCancel(ctx)
	l := &Loop{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				round(ctx)
			}
		}
	}()
	return l
}

// Stop ends the loop and waits for a round in progress to finish. It may be called more than once.
func (l *Loop) Stop() {
	l.once.Do(func() {
		l.cancel()
		<-l.done
	})
}
