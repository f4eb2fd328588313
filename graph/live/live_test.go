package live

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/events"
)

// recordingStream is the transport's side as the contract describes it: it counts Ready, feeds on
// demand and records how the subscription ended.
type recordingStream struct {
	feed, unsubscribe func()
	ready             int
	ended             []error
}

func (s *recordingStream) Attach(feed, unsubscribe func()) bool {
	s.feed, s.unsubscribe = feed, unsubscribe
	return true
}
func (s *recordingStream) Ready()          { s.ready++ }
func (s *recordingStream) Ended(err error) { s.ended = append(s.ended, err) }

// TestFollow: events the converter keeps reach the channel in order, one per feed; a subscriber
// whose queue reaches the broker's buffer is ended as a slow consumer; the transport's unsubscribe
// ends the broker subscription.
func TestFollow(t *testing.T) {
	t.Parallel()
	broker := events.NewBroker(events.BrokerOptions{BufferSize: 3})
	defer broker.Close()
	tenant := uuid.New()
	s := &recordingStream{}
	ctx := WithStream(context.Background(), s)
	out, err := Follow(ctx, broker, events.Filter{TenantID: tenant}, func(e *events.Event) (uuid.UUID, bool) {
		return e.ReservationID, e.Kind == events.ReservationUpdated
	})
	if err != nil {
		t.Fatal(err)
	}
	first, second := uuid.New(), uuid.New()
	broker.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: tenant, ReservationID: first})
	broker.Deliver(events.Event{Kind: events.PaymentUpdated, TenantID: tenant, ReservationID: uuid.New()}) // not kept
	broker.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: tenant, ReservationID: second})
	if s.ready != 2 {
		t.Fatalf("ready %d times, want 2", s.ready)
	}
	for _, want := range []uuid.UUID{first, second} {
		s.feed()
		if got := <-out; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	for range 4 { // nobody feeds: the fourth overflows the buffer of three
		broker.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: tenant, ReservationID: uuid.New()})
	}
	if len(s.ended) != 1 || !errors.Is(s.ended[0], events.ErrSlowConsumer) {
		t.Fatalf("ended %v, want ErrSlowConsumer once", s.ended)
	}
	if broker.Len() != 0 {
		t.Fatalf("%d subscriptions left", broker.Len())
	}

	again, err := Follow(WithStream(context.Background(), &recordingStream{}), broker, events.Filter{TenantID: tenant},
		func(*events.Event) (int, bool) { return 0, true })
	if err != nil || again == nil || broker.Len() != 1 {
		t.Fatalf("second subscription: %v, %d open", err, broker.Len())
	}
	s2 := StreamOf(WithStream(context.Background(), s))
	if s2 != s {
		t.Fatal("StreamOf does not return the stream")
	}
}

// TestFollowNeedsAStream: without a transport that carries subscriptions (HTTP) the operation is
// refused as a request error; without a broker as an internal one.
func TestFollowNeedsAStream(t *testing.T) {
	t.Parallel()
	broker := events.NewBroker(events.BrokerOptions{})
	defer broker.Close()
	keep := func(*events.Event) (int, bool) { return 0, true }
	f := events.Filter{TenantID: uuid.New()}
	if _, err := Follow(context.Background(), broker, f, keep); !errors.Is(err, ErrNoStream) {
		t.Fatalf("without a stream: %v", err)
	}
	if ae, ok := apperr.As(ErrNoStream); !ok || ae.Code != apperr.BadUserInput {
		t.Fatalf("ErrNoStream is %v", ErrNoStream)
	}
	if _, err := Follow(WithStream(context.Background(), &recordingStream{}), nil, f, keep); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("without a broker: %v", err)
	}
	if broker.Len() != 0 {
		t.Fatalf("%d subscriptions left", broker.Len())
	}
}
