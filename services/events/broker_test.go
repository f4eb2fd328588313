package events

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// within is how long a test waits for something that should happen at once.
const within = 5 * time.Second

func receive(t *testing.T, s *channelSubscriber) Event {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if !ok {
			t.Fatalf("subscription closed (%v), want an event", s.Err())
		}
		return *e
	case <-time.After(within):
		t.Fatal("no event within", within)
	}
	panic("unreachable")
}

// nothingQueued asserts s has no event waiting. Callers first deliver a marker event the
// subscriber must receive, so "nothing" is checked after everything that came before has arrived.
func nothingQueued(t *testing.T, s *channelSubscriber) {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if ok {
			t.Fatalf("unexpected event %+v", *e)
		}
		t.Fatalf("subscription closed (%v)", s.Err())
	default:
	}
}

func waitClosed(t *testing.T, s *channelSubscriber) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case _, ok := <-s.Events():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("subscription not closed within", within)
		}
	}
}

func subscribe(t *testing.T, b *Broker, f Filter) *channelSubscriber {
	t.Helper()
	s, err := subscribeChannel(b, f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestFilter(t *testing.T) {
	t.Parallel()
	tenant, other := uuid.New(), uuid.New()
	reservation, service, staff, member := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	day := time.Date(2030, 5, 6, 0, 0, 0, 0, time.UTC)
	event := Event{Kind: ReservationUpdated, TenantID: tenant, ReservationID: reservation, ServiceID: service,
		StaffMemberID: staff, From: day.Add(10 * time.Hour), To: day.Add(11 * time.Hour)}
	tests := []struct {
		name   string
		filter Filter
		event  Event
		want   bool
	}{
		{"tenant only", Filter{TenantID: tenant}, event, true},
		{"other tenant", Filter{TenantID: other}, event, false},
		{"reservation", Filter{TenantID: tenant, ReservationID: reservation}, event, true},
		{"other reservation", Filter{TenantID: tenant, ReservationID: uuid.New()}, event, false},
		{"service", Filter{TenantID: tenant, ServiceID: service}, event, true},
		{"other service", Filter{TenantID: tenant, ServiceID: uuid.New()}, event, false},
		{"staff", Filter{TenantID: tenant, StaffMemberID: staff}, event, true},
		{"other staff", Filter{TenantID: tenant, StaffMemberID: uuid.New()}, event, false},
		{"kind listed", Filter{TenantID: tenant, Kinds: []Kind{ReservationCreated, ReservationUpdated}}, event, true},
		{"kind not listed", Filter{TenantID: tenant, Kinds: []Kind{PaymentUpdated}}, event, false},
		{"all narrowing fields", Filter{TenantID: tenant, ReservationID: reservation, ServiceID: service, StaffMemberID: staff, Kinds: []Kind{ReservationUpdated}}, event, true},
		{"range overlaps", Filter{TenantID: tenant, From: day, To: day.Add(24 * time.Hour)}, event, true},
		{"range partly overlaps", Filter{TenantID: tenant, From: day.Add(10*time.Hour + 30*time.Minute), To: day.Add(12 * time.Hour)}, event, true},
		{"range ends where event starts", Filter{TenantID: tenant, From: day, To: day.Add(10 * time.Hour)}, event, false},
		{"range starts where event ends", Filter{TenantID: tenant, From: day.Add(11 * time.Hour), To: day.Add(12 * time.Hour)}, event, false},
		{"range open-ended after", Filter{TenantID: tenant, From: day.Add(10*time.Hour + time.Minute)}, event, true},
		{"range open-ended before, no overlap", Filter{TenantID: tenant, To: day}, event, false},
		{"event without range matches any range", Filter{TenantID: tenant, From: day, To: day.Add(time.Hour)}, Event{Kind: PaymentUpdated, TenantID: tenant}, true},
		{"resync matches any tenant", Filter{TenantID: other, ReservationID: reservation, Kinds: []Kind{PaymentUpdated}}, Event{Kind: Resync}, true},
		{"missing event field does not match a set filter", Filter{TenantID: tenant, StaffMemberID: staff}, Event{Kind: PaymentUpdated, TenantID: tenant}, false},
		{"member's account", Filter{TenantID: tenant, UserID: member, Kinds: []Kind{MembershipChanged}}, Event{Kind: MembershipChanged, TenantID: tenant, UserID: member}, true},
		{"another member's account", Filter{TenantID: tenant, UserID: member, Kinds: []Kind{MembershipChanged}}, Event{Kind: MembershipChanged, TenantID: tenant, UserID: uuid.New()}, false},
		{"the member in another business", Filter{TenantID: other, UserID: member, Kinds: []Kind{MembershipChanged}}, Event{Kind: MembershipChanged, TenantID: tenant, UserID: member}, false},
		{"a membership change is not a dashboard's", Filter{TenantID: tenant, Kinds: []Kind{ReservationCreated, ReservationUpdated}}, Event{Kind: MembershipChanged, TenantID: tenant, UserID: member}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.filter.matches(&tt.event); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBrokerDeliversToMatchingSubscribersOnly(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	tenantA, tenantB := uuid.New(), uuid.New()
	reservation := uuid.New()
	wideA := subscribe(t, b, Filter{TenantID: tenantA})
	watcherA := subscribe(t, b, Filter{TenantID: tenantA, ReservationID: reservation})
	otherWatcherA := subscribe(t, b, Filter{TenantID: tenantA, ReservationID: uuid.New()})
	wideB := subscribe(t, b, Filter{TenantID: tenantB})
	// Tenant B knows the reservation id (ids leak: links, logs); it still gets nothing of A's.
	watcherB := subscribe(t, b, Filter{TenantID: tenantB, ReservationID: reservation})

	event := Event{Kind: ReservationCreated, TenantID: tenantA, ReservationID: reservation}
	b.Deliver(event)
	if got := receive(t, wideA); got != event {
		t.Errorf("tenant-wide subscriber got %+v, want %+v", got, event)
	}
	if got := receive(t, watcherA); got != event {
		t.Errorf("reservation subscriber got %+v, want %+v", got, event)
	}

	markerB := Event{Kind: ReservationCreated, TenantID: tenantB, ReservationID: reservation}
	b.Deliver(markerB)
	for _, s := range []*channelSubscriber{wideB, watcherB} {
		if got := receive(t, s); got != markerB {
			t.Errorf("tenant B subscriber got %+v first, want only its own marker %+v", got, markerB)
		}
		nothingQueued(t, s)
	}
	nothingQueued(t, otherWatcherA)
	nothingQueued(t, wideA)
}

func TestBrokerResyncReachesEverySubscriber(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	var subs []*channelSubscriber
	for range 3 {
		tenant := uuid.New()
		subs = append(subs,
			subscribe(t, b, Filter{TenantID: tenant}),
			subscribe(t, b, Filter{TenantID: tenant, ReservationID: uuid.New(), Kinds: []Kind{PaymentUpdated}}))
	}
	b.Resync()
	for _, s := range subs {
		if got := receive(t, s); got.Kind != Resync {
			t.Errorf("got %+v, want a resync", got)
		}
	}
}

func TestSubscribeRequiresTenant(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	if _, err := subscribeChannel(b, Filter{ReservationID: uuid.New()}); !errors.Is(err, ErrNoTenant) {
		t.Fatalf("Subscribe without tenant: err = %v, want ErrNoTenant", err)
	}
}

func TestSubscriptionCloseIsIdempotent(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	tenant := uuid.New()
	s := subscribe(t, b, Filter{TenantID: tenant, ReservationID: uuid.New()})
	keep := subscribe(t, b, Filter{TenantID: tenant})
	s.Close()
	s.Close()
	waitClosed(t, s)
	if err := s.Err(); err != nil {
		t.Errorf("Err after own Close = %v, want nil", err)
	}
	if n := b.Len(); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
	b.Deliver(Event{Kind: ReservationCreated, TenantID: tenant})
	receive(t, keep)
	keep.Close()
	if n := b.Len(); n != 0 {
		t.Errorf("Len = %d, want 0", n)
	}
	if len(b.tenants) != 0 {
		t.Errorf("broker still indexes %d tenants after every subscriber left", len(b.tenants))
	}
}

func TestBrokerClose(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	s := subscribe(t, b, Filter{TenantID: uuid.New()})
	b.Close()
	b.Close()
	waitClosed(t, s)
	if err := s.Err(); !errors.Is(err, ErrBrokerClosed) {
		t.Errorf("Err = %v, want ErrBrokerClosed", err)
	}
	s.Close()
	b.Deliver(Event{Kind: ReservationCreated, TenantID: s.filter.TenantID})
	if _, err := subscribeChannel(b, Filter{TenantID: uuid.New()}); !errors.Is(err, ErrBrokerClosed) {
		t.Errorf("Subscribe after Close: err = %v, want ErrBrokerClosed", err)
	}
}

func TestSlowSubscriberIsDisconnected(t *testing.T) {
	t.Parallel()
	const buffer = 4
	b := NewBroker(BrokerOptions{BufferSize: buffer})
	tenant := uuid.New()
	slow := subscribe(t, b, Filter{TenantID: tenant})
	fast := subscribe(t, b, Filter{TenantID: tenant})
	select {
	case <-slow.Done():
		t.Fatal("Done closed while the subscription is open")
	default:
	}
	for i := range buffer * 3 {
		b.Deliver(Event{Kind: ReservationUpdated, TenantID: tenant, ReservationID: uuid.New()})
		receive(t, fast)
		if i == buffer-1 {
			nothingQueued(t, fast)
		}
	}
	// Done tells a subscriber that is not reading its channel at once.
	select {
	case <-slow.Done():
	default:
		t.Fatal("Done still open after the slow subscriber was disconnected")
	}
	// The slow subscriber still gets what was buffered before it overflowed, then the close.
	for range buffer {
		if _, ok := <-slow.Events(); !ok {
			t.Fatal("buffered events lost")
		}
	}
	if _, ok := <-slow.Events(); ok {
		t.Fatal("slow subscriber received more than its buffer")
	}
	if err := slow.Err(); !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("Err = %v, want ErrSlowConsumer", err)
	}
	if got := slow.Err().Error(); got != "subscriber could not keep up" {
		t.Errorf("reason = %q", got)
	}
	if n := b.Len(); n != 1 {
		t.Errorf("Len = %d, want 1 (the fast subscriber)", n)
	}
}

// TestBrokerConcurrency is for the race detector: subscribers come and go while events are delivered.
func TestBrokerConcurrency(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{BufferSize: 8})
	tenants := []uuid.UUID{uuid.New(), uuid.New()}
	reservation := uuid.New()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 8 {
		wg.Go(func() {
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				f := Filter{TenantID: tenants[(i+j)%2]}
				if j%2 == 0 {
					f.ReservationID = reservation
				}
				s, err := subscribeChannel(b, f)
				if err != nil {
					return
				}
				if j%3 == 0 {
					<-s.Events() // may block until an event arrives or the broker closes it
				}
				_ = s.Err()
				s.Close()
			}
		})
	}
	for i := range 2000 {
		if i%100 == 0 {
			b.Resync()
			continue
		}
		b.Deliver(Event{Kind: ReservationUpdated, TenantID: tenants[i%2], ReservationID: reservation})
	}
	close(stop)
	b.Close()
	wg.Wait()
}

func TestBrokerManyIdleSubscribers(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	const tenantCount, perTenant = 100, 100
	tenants := make([]uuid.UUID, tenantCount)
	subs := make([][]*channelSubscriber, tenantCount)
	for i := range tenants {
		tenants[i] = uuid.New()
		for range perTenant {
			subs[i] = append(subs[i], subscribe(t, b, Filter{TenantID: tenants[i]}))
		}
	}
	b.Deliver(Event{Kind: ReservationCreated, TenantID: tenants[7]})
	for i := range tenants {
		want := 0
		if i == 7 {
			want = 1
		}
		for _, s := range subs[i] {
			if got := len(s.Events()); got != want {
				t.Fatalf("tenant %d subscriber has %d events queued, want %d", i, got, want)
			}
		}
	}
}

func BenchmarkDeliverAmong10000Subscribers(b *testing.B) {
	broker := NewBroker(BrokerOptions{})
	tenants := make([]uuid.UUID, 1000)
	for i := range tenants {
		tenants[i] = uuid.New()
		for range 10 {
			s, err := subscribeChannel(broker, Filter{TenantID: tenants[i]})
			if err != nil {
				b.Fatal(err)
			}
			go func() {
				for range s.Events() {
				}
			}()
		}
	}
	b.ResetTimer()
	for i := range b.N {
		broker.Deliver(Event{Kind: ReservationUpdated, TenantID: tenants[i%len(tenants)], ReservationID: uuid.New()})
	}
	b.StopTimer()
	broker.Close()
}
