package booking_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
)

var testNow = time.Date(2026, 3, 20, 8, 0, 0, 0, time.UTC)

func (f *fixture) book(t *testing.T, s setup, start time.Time, key string) (*booking.Created, error) {
	t.Helper()
	return f.svc.CreateReservation(context.Background(), nil, booking.CreateInput{
		TenantSlug: f.slug, ServiceID: s.service.ID, StaffMemberID: &s.staff.ID, StartsAt: start,
		CustomerName: "Jan Kowalski", CustomerEmail: "jan@example.com", IdempotencyKey: key,
	})
}

func customer(r models.Reservation) *auth.Principal {
	return &auth.Principal{Kind: auth.KindCustomer, TenantID: r.TenantID, ReservationID: r.ID}
}

func TestStateMachine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from, to models.ReservationStatus
		actor    booking.ActorKind
		want     bool
	}{
		{models.StatusPendingPayment, models.StatusConfirmed, booking.ActorSystem, true},
		{models.StatusPendingPayment, models.StatusConfirmed, booking.ActorCustomer, false},
		{models.StatusPendingPayment, models.StatusExpired, booking.ActorSystem, true},
		{models.StatusPendingPayment, models.StatusExpired, booking.ActorStaff, false},
		{models.StatusConfirmed, models.StatusCancelled, booking.ActorCustomer, true},
		{models.StatusConfirmed, models.StatusCompleted, booking.ActorStaff, true},
		{models.StatusConfirmed, models.StatusCompleted, booking.ActorCustomer, false},
		{models.StatusConfirmed, models.StatusNoShow, booking.ActorStaff, true},
		{models.StatusCancelled, models.StatusConfirmed, booking.ActorStaff, false},
		{models.StatusExpired, models.StatusConfirmed, booking.ActorSystem, false},
		{models.StatusCompleted, models.StatusCancelled, booking.ActorStaff, false},
	}
	for _, c := range cases {
		if got := booking.CanTransition(c.from, c.to, c.actor); got != c.want {
			t.Errorf("%s → %s by %d: got %v, want %v", c.from, c.to, c.actor, got, c.want)
		}
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testNow)
	s := f.serviceWithStaff(t, f.owner, booking.ServiceInput{})
	ctx := context.Background()
	loc := warsaw(t)
	created, err := f.book(t, s, time.Date(2026, 3, 23, 10, 0, 0, 0, loc), "")
	if err != nil {
		t.Fatal(err)
	}
	r := created.Reservation
	if r.Status != models.StatusConfirmed || r.PaymentStatus != models.PaymentNotRequired {
		t.Fatalf("policy NONE: got %s/%s", r.Status, r.PaymentStatus)
	}
	// The returned reservation is the row written, its occupation (set by the claim) included.
	stored, err := f.svc.Reservation(ctx, f.owner, r.ID)
	if err != nil || stored.OccupationID == uuid.Nil || stored.OccupationID != r.OccupationID ||
		!stored.StartsAt.Equal(r.StartsAt) || stored.CustomerEmail != r.CustomerEmail || stored.Status != r.Status {
		t.Fatalf("returned %+v, stored %+v (%v)", r, stored, err)
	}
	// The customer token names the reservation.
	p, err := f.tokens.Verify(created.CustomerAccessToken)
	if err != nil || p.Kind != auth.KindCustomer || p.ReservationID != r.ID {
		t.Fatalf("customer token: %+v, %v", p, err)
	}
	steps := []struct {
		name string
		who  *auth.Principal
		to   models.ReservationStatus
		at   time.Time
		want *apperr.Error
	}{
		{"customer cannot complete", customer(r), models.StatusCompleted, testNow, booking.ErrCustomerCannotChange},
		{"staff cannot complete before start", f.owner, models.StatusCompleted, testNow, booking.ErrNotStarted},
		{"staff marks no-show", f.owner, models.StatusNoShow, r.StartsAt.Add(10 * time.Minute), nil},
		{"no-show is final", f.owner, models.StatusCompleted, r.StartsAt.Add(20 * time.Minute), booking.ErrIllegalTransition},
	}
	for _, st := range steps {
		f.clock.Set(st.at)
		_, err := f.svc.ChangeStatus(ctx, st.who, r.ID, booking.Transition{To: st.to, Reason: st.name})
		if st.want == nil && err != nil || st.want != nil && !errors.Is(err, st.want) {
			t.Fatalf("%s: got %v, want %v", st.name, err, st.want)
		}
	}
	got, err := f.svc.Reservation(ctx, f.owner, r.ID)
	if err != nil || got.Status != models.StatusNoShow {
		t.Fatalf("final status: %v %v", got, err)
	}
	hist, err := f.svc.HistoryByReservations(ctx, f.owner.TenantID, []uuid.UUID{r.ID})
	if err != nil {
		t.Fatal(err)
	}
	if h := hist[r.ID]; len(h) != 2 || h[0].FromStatus != nil || *h[1].FromStatus != models.StatusConfirmed ||
		h[1].ToStatus != models.StatusNoShow || h[1].Actor != f.owner.UserID.String() {
		t.Fatalf("history: %+v", h)
	}
	// NO_SHOW left the active set: the seat is free again.
	if n := f.count(t, `SELECT seats_taken FROM occupations WHERE id = ?`, r.OccupationID); n != 0 {
		t.Fatalf("seats after no-show: %d", n)
	}
}

func TestExpiredHoldNeverBlocks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testNow)
	s := f.serviceWithStaff(t, f.owner, booking.ServiceInput{PaymentPolicy: ptr(models.PaymentPolicyRequired), HoldMinutes: ptr(10)})
	start := time.Date(2026, 3, 23, 10, 0, 0, 0, warsaw(t))
	first, err := f.book(t, s, start, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.book(t, s, start, ""); !errors.Is(err, booking.ErrSlotUnavailable) {
		t.Fatalf("while held: %v", err)
	}
	// The hold runs out; no worker has run. The next booking expires it and takes the slot.
	f.clock.Set(testNow.Add(11 * time.Minute))
	second, err := f.book(t, s, start, "")
	if err != nil {
		t.Fatalf("after the hold ran out: %v", err)
	}
	if second.Reservation.OccupationID != first.Reservation.OccupationID {
		t.Fatal("the freed occupation was not reused")
	}
	if n := f.count(t, `SELECT count(*) FROM reservation_history WHERE reservation_id = ? AND to_status = 'EXPIRED' AND actor = 'system'`, first.Reservation.ID); n != 1 {
		t.Fatalf("expiry history rows: %d", n)
	}
}

func TestExpiryWorkerManyInstances(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testNow)
	s := f.serviceWithStaff(t, f.owner, booking.ServiceInput{PaymentPolicy: ptr(models.PaymentPolicyRequired), HoldMinutes: ptr(5), DurationMinutes: ptr(15)})
	loc := warsaw(t)
	const holds = 24
	for i := range holds {
		if _, err := f.book(t, s, time.Date(2026, 3, 23, 9, 0, 0, 0, loc).Add(time.Duration(i)*15*time.Minute), ""); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.svc.ExpireDueHolds(context.Background(), 100); err != nil || n != 0 {
		t.Fatalf("before the holds ran out: %d %v", n, err)
	}
	f.clock.Set(testNow.Add(6 * time.Minute))
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			for {
				n, err := f.svc.ExpireDueHolds(context.Background(), 5)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if total != holds {
		t.Fatalf("expired %d, want %d", total, holds)
	}
	if n := f.count(t, `SELECT count(*) FROM reservation_history WHERE to_status = 'EXPIRED'`); n != holds {
		t.Fatalf("expiry history rows: %d, want %d (each hold once)", n, holds)
	}
	if n := f.count(t, `SELECT coalesce(sum(seats_taken), 0) FROM occupations`); n != 0 {
		t.Fatalf("seats still taken: %d", n)
	}
	// The background worker starts and stops cleanly.
	w := f.svc.StartExpiryWorker(context.Background(), 10*time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	w.Stop()
}
