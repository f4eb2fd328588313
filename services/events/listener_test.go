package events

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// instance is one slotpay instance's live-update half: a broker fed by its own listener.
type instance struct {
	broker   *Broker
	listener *Listener
}

// startInstance runs a listener on url until the test ends and waits for its first LISTEN, so
// that everything published afterwards reaches it.
func startInstance(t *testing.T, url string) *instance {
	t.Helper()
	return startInstanceWith(t, url, ListenerOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
}

func startInstanceWith(t *testing.T, url string, opt ListenerOptions) *instance {
	t.Helper()
	b := NewBroker(BrokerOptions{})
	l := NewListener(url, b, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(within):
			t.Error("Run did not return after its context ended")
		}
		b.Close()
	})
	waitCtx, stop := context.WithTimeout(ctx, within)
	defer stop()
	if _, err := l.WaitConnected(waitCtx, 1); err != nil {
		t.Fatal(err)
	}
	return &instance{broker: b, listener: l}
}

// commit publishes events in one committed transaction, as a service would with its change.
func commit(t *testing.T, db *database.DB, events ...Event) {
	t.Helper()
	err := db.InTenant(context.Background(), events[0].TenantID, func(tx *database.Tx) error {
		return Publish(tx, events...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func receiveWithin(t *testing.T, s *channelSubscriber, d time.Duration) Event {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if !ok {
			t.Fatalf("subscription closed (%v), want an event", s.Err())
		}
		return *e
	case <-time.After(d):
		t.Fatal("no event within", d)
	}
	panic("unreachable")
}

func reservationEvent(tenant uuid.UUID) Event {
	return Event{Kind: ReservationCreated, TenantID: tenant, ReservationID: uuid.New(), ServiceID: uuid.New(), StaffMemberID: uuid.New()}
}

func TestCommittedEventArrivesWithinASecond(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenant := uuid.New()
	s := subscribe(t, in.broker, Filter{TenantID: tenant})
	e := reservationEvent(tenant)
	commit(t, db.Data, e)
	if got := receiveWithin(t, s, time.Second); got != e {
		t.Fatalf("got %+v, want %+v", got, e)
	}
}

// The health check interrupts an idle wait with a deadline and pings; that must neither break the
// connection nor lose events.
func TestHealthChecksKeepTheConnection(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstanceWith(t, db.AppURL, ListenerOptions{HealthCheckInterval: 10 * time.Millisecond})
	tenant := uuid.New()
	s := subscribe(t, in.broker, Filter{TenantID: tenant})
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), within)
		_, err := in.listener.waitState(ctx, func(s ListenerState) bool { return s.HealthChecks > i })
		cancel()
		if err != nil {
			t.Fatalf("no health check %d: %v", i+1, err)
		}
		e := reservationEvent(tenant)
		commit(t, db.Data, e)
		if got := receiveWithin(t, s, time.Second); got != e {
			t.Fatalf("got %+v, want %+v", got, e)
		}
	}
	if st := in.listener.State(); !st.Connected || st.Connections != 1 {
		t.Fatalf("state %+v, want still the first connection", st)
	}
}

func TestRolledBackChangePublishesNothing(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenant := uuid.New()
	s := subscribe(t, in.broker, Filter{TenantID: tenant})
	errRollback := errors.New("change failed")
	err := db.Data.InTenant(context.Background(), tenant, func(tx *database.Tx) error {
		if err := Publish(tx, reservationEvent(tenant)); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("transaction: %v", err)
	}
	// Notifications arrive in commit order, so the marker coming first proves the rolled-back
	// event was never sent (no waiting for an absence).
	marker := reservationEvent(tenant)
	commit(t, db.Data, marker)
	if got := receiveWithin(t, s, time.Second); got != marker {
		t.Fatalf("got %+v first, want the marker %+v", got, marker)
	}
	nothingQueued(t, s)
}

func TestEveryInstanceReceives(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	a, b := startInstance(t, db.AppURL), startInstance(t, db.AppURL)
	if a.listener.State().PID == b.listener.State().PID {
		t.Fatal("the two instances share a connection")
	}
	tenant := uuid.New()
	subA := subscribe(t, a.broker, Filter{TenantID: tenant})
	subB := subscribe(t, b.broker, Filter{TenantID: tenant})
	e := reservationEvent(tenant)
	commit(t, db.Data, e)
	for name, s := range map[string]*channelSubscriber{"A": subA, "B": subB} {
		if got := receiveWithin(t, s, time.Second); got != e {
			t.Errorf("instance %s got %+v, want %+v", name, got, e)
		}
	}
}

func TestTenantIsolationThroughPostgres(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenantA, tenantB := uuid.New(), uuid.New()
	a := reservationEvent(tenantA)
	subA := subscribe(t, in.broker, Filter{TenantID: tenantA})
	// B subscribes even to A's reservation id: the tenant still decides.
	subB := subscribe(t, in.broker, Filter{TenantID: tenantB})
	subBReservation := subscribe(t, in.broker, Filter{TenantID: tenantB, ReservationID: a.ReservationID})
	commit(t, db.Data, a)
	markerB := Event{Kind: PaymentUpdated, TenantID: tenantB, ReservationID: a.ReservationID, PaymentID: uuid.New()}
	commit(t, db.Data, markerB)
	if got := receiveWithin(t, subA, time.Second); got != a {
		t.Errorf("tenant A got %+v, want %+v", got, a)
	}
	for _, s := range []*channelSubscriber{subB, subBReservation} {
		if got := receiveWithin(t, s, time.Second); got != markerB {
			t.Errorf("tenant B got %+v first, want only its own %+v", got, markerB)
		}
		nothingQueued(t, s)
	}
	nothingQueued(t, subA)
}

func TestFiltersThroughPostgres(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenant, staff, service := uuid.New(), uuid.New(), uuid.New()
	byStaff := subscribe(t, in.broker, Filter{TenantID: tenant, StaffMemberID: staff})
	byService := subscribe(t, in.broker, Filter{TenantID: tenant, ServiceID: service})
	payments := subscribe(t, in.broker, Filter{TenantID: tenant, Kinds: []Kind{PaymentUpdated}})

	otherStaffOtherService := Event{Kind: ReservationCreated, TenantID: tenant, ReservationID: uuid.New(), ServiceID: uuid.New(), StaffMemberID: uuid.New()}
	ofStaff := Event{Kind: ReservationCreated, TenantID: tenant, ReservationID: uuid.New(), ServiceID: uuid.New(), StaffMemberID: staff}
	ofService := Event{Kind: ReservationUpdated, TenantID: tenant, ReservationID: uuid.New(), ServiceID: service, StaffMemberID: uuid.New()}
	payment := Event{Kind: PaymentUpdated, TenantID: tenant, ReservationID: ofStaff.ReservationID, PaymentID: uuid.New(), ServiceID: service, StaffMemberID: staff}
	commit(t, db.Data, otherStaffOtherService, ofStaff, ofService, payment)

	tests := []struct {
		name string
		sub  *channelSubscriber
		want []Event
	}{
		{"staff member", byStaff, []Event{ofStaff, payment}},
		{"service", byService, []Event{ofService, payment}},
		{"kind", payments, []Event{payment}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				if got := receiveWithin(t, tt.sub, time.Second); got != want {
					t.Errorf("event %d: got %+v, want %+v", i, got, want)
				}
			}
			nothingQueued(t, tt.sub)
		})
	}
}

func TestInvalidNotificationIsDropped(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenant := uuid.New()
	s := subscribe(t, in.broker, Filter{TenantID: tenant})
	for _, payload := range []string{`not json`, `{"k":"RESYNC"}`, `{"k":"RESERVATION_CREATED"}`} {
		if err := db.App.Exec(`SELECT pg_notify(?, ?)`, Channel, payload).Error; err != nil {
			t.Fatal(err)
		}
	}
	marker := reservationEvent(tenant)
	commit(t, db.Data, marker)
	if got := receiveWithin(t, s, time.Second); got != marker {
		t.Fatalf("got %+v first, want the marker %+v", got, marker)
	}
	_ = db.Data.InTenant(context.Background(), tenant, func(tx *database.Tx) error {
		if err := Publish(tx, Event{Kind: ReservationCreated}); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("Publish without tenant: err = %v, want ErrInvalidEvent", err)
		}
		if err := Publish(tx, Event{Kind: Resync, TenantID: tenant}); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("Publish of a Resync: err = %v, want ErrInvalidEvent", err)
		}
		if err := Publish(tx, reservationEvent(uuid.New())); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("Publish of another tenant's event: err = %v, want ErrInvalidEvent", err)
		}
		return nil
	})
}

func TestListenerReconnectsAndResyncs(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenantA, tenantB := uuid.New(), uuid.New()
	subs := []*channelSubscriber{
		subscribe(t, in.broker, Filter{TenantID: tenantA}),
		subscribe(t, in.broker, Filter{TenantID: tenantB, ReservationID: uuid.New(), Kinds: []Kind{PaymentUpdated}}),
	}
	before := in.listener.State()

	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(context.Background())
	var terminated bool
	if err := owner.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, int32(before.PID)).Scan(&terminated); err != nil || !terminated {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", before.PID, terminated, err)
	}

	after, err := in.listener.WaitConnected(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if after.PID == before.PID {
		t.Errorf("still on backend %d after it was terminated", after.PID)
	}
	for i, s := range subs {
		if got := receiveWithin(t, s, within); got.Kind != Resync {
			t.Errorf("subscriber %d got %+v, want a resync", i, got)
		}
	}
	e := reservationEvent(tenantA)
	commit(t, db.Data, e)
	if got := receiveWithin(t, subs[0], time.Second); got != e {
		t.Fatalf("after reconnecting got %+v, want %+v", got, e)
	}
}

func TestSlowSubscriberDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	in := startInstance(t, db.AppURL)
	tenant := uuid.New()
	stuck := subscribe(t, in.broker, Filter{TenantID: tenant})

	// Events go out in batches smaller than a buffer, and the next batch only after every reader
	// has its events, so no reader can overflow however the scheduler runs it; the stuck subscriber
	// overflows after DefaultBufferSize events.
	const readers, batch, batches = 100, 16, DefaultBufferSize * 3 / 16
	sent := make([]Event, 0, batch*batches)
	for range batch * batches {
		sent = append(sent, reservationEvent(tenant))
	}
	batchDone := make(chan int, readers*batches)
	var wg sync.WaitGroup
	for r := range readers {
		s := subscribe(t, in.broker, Filter{TenantID: tenant})
		wg.Go(func() {
			for i, want := range sent {
				e, ok := <-s.Events()
				if !ok {
					t.Errorf("reader %d: closed after %d events: %v", r, i, s.Err())
					return
				}
				if *e != want {
					t.Errorf("reader %d: event %d is %+v, want %+v", r, i, *e, want)
					return
				}
				if (i+1)%batch == 0 {
					batchDone <- r
				}
			}
		})
	}
	for b := range batches {
		start := time.Now()
		commit(t, db.Data, sent[b*batch:(b+1)*batch]...)
		for range readers {
			select {
			case <-batchDone:
			case <-time.After(within):
				t.Fatalf("batch %d: not every reader received it within %s", b, within)
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("batch %d took %s to reach %d readers", b, d, readers)
		}
	}
	wg.Wait()

	for i := range DefaultBufferSize {
		e, ok := <-stuck.Events()
		if !ok || *e != sent[i] {
			t.Fatalf("stuck subscriber's buffered event %d: %v, %v", i, e, ok)
		}
	}
	if _, ok := <-stuck.Events(); ok {
		t.Fatal("stuck subscriber still open")
	}
	if err := stuck.Err(); !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("stuck subscriber's Err = %v, want ErrSlowConsumer", err)
	}
	if n := in.broker.Len(); n != readers {
		t.Errorf("broker has %d subscribers, want the %d readers", n, readers)
	}
}

func TestRunEndsWhileDatabaseUnreachable(t *testing.T) {
	t.Parallel()
	b := NewBroker(BrokerOptions{})
	l := NewListener("postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", b,
		ListenerOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	waitCtx, stop := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer stop()
	if st, err := l.WaitConnected(waitCtx, 1); err == nil {
		t.Fatalf("connected to an unreachable database: %+v", st)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(within):
		t.Fatal("Run did not return after its context ended")
	}
	if err := NewListener("://bad", b, ListenerOptions{}).Run(context.Background()); err == nil {
		t.Error("Run with an unparsable URL: want an error")
	}
}

func TestBackoffIsCapped(t *testing.T) {
	t.Parallel()
	for failures := range 100 {
		d := backoff(100*time.Millisecond, 10*time.Second, failures)
		if d <= 0 || d > 10*time.Second {
			t.Fatalf("backoff after %d failures = %s", failures, d)
		}
	}
	if d := backoff(100*time.Millisecond, 10*time.Second, 99); d < 7500*time.Millisecond {
		t.Errorf("backoff after many failures = %s, want about the cap", d)
	}
}
