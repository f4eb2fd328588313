// Package live hands a subscription's broker events to whichever transport carries the operation,
// so that the subscription resolvers (package graph) never know which one it is.
//
// The contract between the two sides is Stream: a transport that carries subscriptions puts one
// in each operation's context (WithStream) before it dispatches the operation to gqlgen; a
// resolver calls Follow, which subscribes to the broker and feeds the transport through it. The
// only transport that carries subscriptions is slotpay's WebSocket transport (graph/ws); a
// subscription sent over HTTP reaches its resolver without a Stream and is refused (ErrNoStream).
package live

import (
	"context"
	"sync"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/events"
)

// Stream is a transport's side of one subscription operation.
//
// Ready, Attach's feed and Ended are called under the broker's mutex, so a Stream must only note
// and wake there (start a goroutine at most), never block or call the broker.
type Stream interface {
	// Attach makes the operation a stream: feed moves the next buffered value into the channel
	// Follow returned (once per Ready, from the transport's own goroutine, after gqlgen has taken
	// the previous one), unsubscribe ends the broker subscription when the operation ends. It
	// reports false when the operation has already ended.
	Attach(feed, unsubscribe func()) bool
	// Ready says one more value is buffered.
	Ready()
	// Ended says the broker ended the subscription (events.ErrSlowConsumer, events.ErrBrokerClosed):
	// the transport tells the client so, in its protocol's terms (a close code), because gqlgen
	// would treat a closed channel as a normal end of the operation and the client would believe
	// it is still up to date.
	Ended(err error)
}

type streamKey struct{}

// WithStream returns ctx carrying s for the operation's resolvers.
func WithStream(ctx context.Context, s Stream) context.Context {
	return context.WithValue(ctx, streamKey{}, s)
}

// StreamOf returns the Stream ctx carries, or nil.
func StreamOf(ctx context.Context) Stream {
	s, _ := ctx.Value(streamKey{}).(Stream)
	return s
}

var (
	// ErrUnavailable: the server has no broker.
	ErrUnavailable = apperr.New(apperr.Internal, "live updates are not available")
	// ErrNoStream: the operation came by a transport that does not carry subscriptions (HTTP).
	ErrNoStream = apperr.New(apperr.BadUserInput, "subscriptions are served over WebSocket (graphql-transport-ws or graphql-ws)")
)

// Follow subscribes to the events f selects and hands convert's result for each to gqlgen, until
// the operation ends. It holds no goroutine: the broker calls back with each event, which is
// converted and queued, and the stream is told (Ready); the transport then feeds the queued values
// to gqlgen one at a time through a channel of one slot. An idle subscription keeps an empty
// queue. convert runs under the broker's mutex, so it must only compute. A subscriber whose queue
// reaches the broker's buffer size is ended by the broker (events.ErrSlowConsumer).
func Follow[T any](ctx context.Context, broker *events.Broker, f events.Filter, convert func(*events.Event) (T, bool)) (<-chan T, error) {
	stream := StreamOf(ctx)
	switch {
	case stream == nil:
		return nil, ErrNoStream
	case broker == nil:
		return nil, ErrUnavailable
	}
	out := make(chan T, 1)
	q := &queue[T]{limit: broker.BufferSize()}
	deliver := func(e *events.Event) bool {
		v, ok := convert(e)
		if !ok {
			return true
		}
		if !q.push(v) {
			return false // full: the broker ends the subscription with ErrSlowConsumer
		}
		stream.Ready()
		return true
	}
	sub, err := broker.SubscribeFunc(f, deliver, stream.Ended)
	if err != nil {
		return nil, ErrUnavailable.Wrap(err)
	}
	feed := func() {
		select {
		case out <- q.pop(): // gqlgen receives it before the next feed: the slot is free
		default:
		}
	}
	if !stream.Attach(feed, sub.Close) {
		sub.Close()
	}
	return out, nil
}

// queue is a subscription's undelivered values; nil while it has none.
type queue[T any] struct {
	mu    sync.Mutex
	items []T
	limit int
}

func (q *queue[T]) push(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) >= q.limit {
		return false
	}
	q.items = append(q.items, v)
	return true
}

// pop takes the oldest value; the caller knows there is one.
func (q *queue[T]) pop() T {
	q.mu.Lock()
	defer q.mu.Unlock()
	v := q.items[0]
	var zero T
	q.items[0] = zero
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil // an idle subscription keeps no array
	}
	return v
}
