package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoop: rounds run until Stop, never after it, never two at once, and Stop waits for the round
// in progress; a second Stop is harmless.
func TestLoop(t *testing.T) {
	t.Parallel()
	var rounds, running, overlap atomic.Int32
	inRound := make(chan struct{}, 1)
	l := Start(context.Background(), time.Millisecond, func(ctx context.Context) {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		defer running.Add(-1)
		rounds.Add(1)
		select {
		case inRound <- struct{}{}:
		default:
		}
		time.Sleep(5 * time.Millisecond) // longer than the interval
	})
	for range 3 {
		<-inRound
	}
	l.Stop()
	if running.Load() != 0 {
		t.Fatal("Stop returned while a round was running")
	}
	after := rounds.Load()
	time.Sleep(20 * time.Millisecond)
	l.Stop()
	switch {
	case after < 3:
		t.Fatalf("%d rounds", after)
	case rounds.Load() != after:
		t.Fatalf("rounds ran after Stop: %d then %d", after, rounds.Load())
	case overlap.Load() != 0:
		t.Fatal("two rounds ran at once")
	}
}

// TestLoopEndsWithContext: the loop ends when its context does.
func TestLoopEndsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	l := Start(ctx, time.Hour, func(context.Context) { t.Error("a round ran before its interval") })
	cancel()
	select {
	case <-l.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the loop did not end with its context")
	}
}
