package events

import (
	"errors"
	"testing"

	"github.com/google/uuid"
)

// funcSubscriber records what a SubscribeFunc subscription is handed; it accepts up to limit
// events (the buffer it would have).
type funcSubscriber struct {
	limit int
	got   []Event
	ended []error
}

func (r *funcSubscriber) deliver(e *Event) bool {
	if len(r.got) >= r.limit {
		return false
	}
	r.got = append(r.got, *e)
	return true
}

func (r *funcSubscriber) end(err error) { r.ended = append(r.ended, err) }

// TestSubscribeFunc: a subscriber without a channel gets the events its filter selects, in order,
// its own copy each; a subscriber that refuses one is dropped with ErrSlowConsumer and told so
// once; its own Close and the broker's Close end it.
func TestSubscribeFunc(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	tenant, reservation := uuid.New(), uuid.New()
	wide := &funcSubscriber{limit: 3}
	one := &funcSubscriber{limit: 100}
	closed := &funcSubscriber{limit: 100}
	var subs []*Subscription
	for _, s := range []struct {
		f Filter
		r *funcSubscriber
	}{{Filter{TenantID: tenant}, wide}, {Filter{TenantID: tenant, ReservationID: reservation}, one}, {Filter{TenantID: tenant}, closed}} {
		sub, err := b.SubscribeFunc(s.f, s.r.deliver, s.r.end)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	subs[2].Close()

	for i := range 5 {
		e := Event{Kind: ReservationUpdated, TenantID: tenant, ReservationID: uuid.New(), PaymentID: uuid.New()}
		if i%2 == 0 {
			e.ReservationID = reservation
		}
		b.Deliver(e)
	}
	b.Deliver(Event{Kind: ReservationUpdated, TenantID: uuid.New()}) // another tenant's

	if len(wide.got) != 3 || len(wide.ended) != 1 || !errors.Is(wide.ended[0], ErrSlowConsumer) || !errors.Is(subs[0].Err(), ErrSlowConsumer) {
		t.Fatalf("tenant-wide subscriber: %d events, ended %v (Err %v); want 3, then ErrSlowConsumer once", len(wide.got), wide.ended, subs[0].Err())
	}
	if len(one.got) != 3 || len(one.ended) != 0 {
		t.Fatalf("reservation subscriber: %d events, ended %v; want its 3", len(one.got), one.ended)
	}
	for _, e := range one.got {
		if e.ReservationID != reservation {
			t.Fatalf("reservation subscriber got %+v", e)
		}
	}
	if len(closed.got) != 0 || len(closed.ended) != 0 {
		t.Fatalf("closed subscriber: %d events, ended %v", len(closed.got), closed.ended)
	}
	// Each delivery is the subscriber's own copy, in the broker's order.
	wide.got[0].Kind = Resync
	if one.got[0].Kind != ReservationUpdated {
		t.Fatal("subscribers share an event")
	}
	if n := b.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}

	b.Close()
	if len(one.ended) != 1 || !errors.Is(one.ended[0], ErrBrokerClosed) {
		t.Fatalf("after Close: ended %v, want ErrBrokerClosed", one.ended)
	}
	subs[1].Close() // after the broker ended it: nothing more
	if len(one.ended) != 1 {
		t.Fatalf("ended %v", one.ended)
	}
}
