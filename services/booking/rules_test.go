package booking

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
)

var statuses = []models.ReservationStatus{models.StatusRequested, models.StatusPendingPayment, models.StatusConfirmed, models.StatusCancelled,
	models.StatusCompleted, models.StatusNoShow, models.StatusExpired, models.StatusDeclined}

// The whole lifecycle, every (from, to, actor) the state machine allows; everything else is refused.
func TestCanTransition(t *testing.T) {
	t.Parallel()
	type move struct {
		from, to models.ReservationStatus
		actor    ActorKind
	}
	allowed := map[move]bool{
		{models.StatusRequested, models.StatusConfirmed, ActorStaff}:         true, // approved
		{models.StatusRequested, models.StatusPendingPayment, ActorStaff}:    true, // approved, prepayment due
		{models.StatusRequested, models.StatusDeclined, ActorStaff}:          true,
		{models.StatusRequested, models.StatusDeclined, ActorSystem}:         true, // the decision deadline passed
		{models.StatusRequested, models.StatusCancelled, ActorStaff}:         true,
		{models.StatusRequested, models.StatusCancelled, ActorCustomer}:      true,
		{models.StatusPendingPayment, models.StatusConfirmed, ActorStaff}:    true, // confirmed by hand (paid on site)
		{models.StatusPendingPayment, models.StatusConfirmed, ActorSystem}:   true, // paid
		{models.StatusPendingPayment, models.StatusCancelled, ActorStaff}:    true,
		{models.StatusPendingPayment, models.StatusCancelled, ActorCustomer}: true,
		{models.StatusPendingPayment, models.StatusExpired, ActorSystem}:     true, // the hold ran out
		{models.StatusConfirmed, models.StatusCancelled, ActorStaff}:         true,
		{models.StatusConfirmed, models.StatusCancelled, ActorCustomer}:      true,
		{models.StatusConfirmed, models.StatusCompleted, ActorStaff}:         true,
		{models.StatusConfirmed, models.StatusNoShow, ActorStaff}:            true,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			for _, actor := range []ActorKind{ActorStaff, ActorCustomer, ActorSystem} {
				m := move{from, to, actor}
				if got := CanTransition(from, to, actor); got != allowed[m] {
					t.Errorf("CanTransition(%s → %s, actor %d) = %v, want %v", from, to, actor, got, allowed[m])
				}
			}
		}
	}
}

func TestApplyPaymentPolicy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	settings := models.BookingSettings{DefaultHoldMinutes: 15}
	hold := func(minutes int) *int { return &minutes }
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, c := range []struct {
		name    string
		svc     models.Service
		startIn time.Duration
		status  models.ReservationStatus
		payment models.PaymentStatus
		expires *time.Time
	}{
		{"free, payment required", models.Service{PriceAmount: 0, PaymentPolicy: models.PaymentPolicyRequired}, 24 * time.Hour,
			models.StatusConfirmed, models.PaymentNotRequired, nil},
		{"policy NONE", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyNone}, 24 * time.Hour,
			models.StatusConfirmed, models.PaymentNotRequired, nil},
		{"policy OPTIONAL", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyOptional}, 24 * time.Hour,
			models.StatusConfirmed, models.PaymentUnpaid, nil},
		{"REQUIRED holds for the business's default", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired}, 24 * time.Hour,
			models.StatusPendingPayment, models.PaymentUnpaid, at(15 * time.Minute)},
		{"REQUIRED holds for the service's own time", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired, HoldMinutes: hold(40)}, 24 * time.Hour,
			models.StatusPendingPayment, models.PaymentUnpaid, at(40 * time.Minute)},
		{"a hold never outlasts the start", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired, HoldMinutes: hold(40)}, 10 * time.Minute,
			models.StatusPendingPayment, models.PaymentUnpaid, at(10 * time.Minute)},
	} {
		r := &models.Reservation{StartsAt: now.Add(c.startIn)}
		applyPaymentPolicy(r, &c.svc, settings, now)
		if r.Status != c.status || r.PaymentStatus != c.payment || fmt.Sprint(r.HoldExpiresAt) != fmt.Sprint(c.expires) {
			t.Errorf("%s: %s/%s hold until %v, want %s/%s until %v", c.name, r.Status, r.PaymentStatus, r.HoldExpiresAt, c.status, c.payment, c.expires)
		}
	}
}

func TestHoldLapsed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, c := range []struct {
		name    string
		status  models.ReservationStatus
		expires *time.Time
		want    bool
	}{
		{"a hold running", models.StatusPendingPayment, at(time.Second), false},
		{"a hold ending now", models.StatusPendingPayment, at(0), true},
		{"a hold past its time", models.StatusPendingPayment, at(-time.Minute), true},
		{"pending without a hold time", models.StatusPendingPayment, nil, false},
		{"confirmed (paid) after its hold time", models.StatusConfirmed, at(-time.Minute), false},
		{"already expired", models.StatusExpired, at(-time.Minute), false},
	} {
		r := &models.Reservation{Status: c.status, HoldExpiresAt: c.expires}
		if got := holdLapsed(r, now); got != c.want {
			t.Errorf("%s: holdLapsed = %v, want %v", c.name, got, c.want)
		}
	}
}

// chooseStaff takes the first staff member free at the start, or names the most specific reason
// nobody is (taken, then off the grid, then outside hours).
func TestChooseStaff(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	svc := ServiceSpec{ID: uuid.New(), Duration: time.Hour, Capacity: 1}
	rules := Rules{Location: loc, Step: 30 * time.Minute}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 4, h, m, 0, 0, loc) }
	working := func(from, to int) StaffSchedule {
		s := StaffSchedule{StaffMemberID: uuid.New(), Exceptions: map[models.Date][]MinuteRange{}}
		for d := range s.Weekly {
			s.Weekly[d] = []MinuteRange{{Start: from * 60, End: to * 60}}
		}
		s.Prepare()
		return s
	}
	busy := func(s StaffSchedule) StaffSchedule {
		s.Busy = []Busy{{ServiceID: uuid.New(), StartsAt: at(10, 0), EndsAt: at(11, 0), BlockedFrom: at(10, 0), BlockedTo: at(11, 0), Seats: 1}}
		return s
	}
	morning, afternoon := working(9, 12), working(13, 17)
	taken := busy(working(9, 12))
	for _, c := range []struct {
		name  string
		staff []StaffSchedule
		start time.Time
		want  uuid.UUID
		err   error
	}{
		{"nobody performs the service", nil, at(10, 0), uuid.Nil, ErrNoStaffForService},
		{"the first who is free", []StaffSchedule{morning, afternoon}, at(10, 0), morning.StaffMemberID, nil},
		{"the next when the first is taken", []StaffSchedule{taken, morning}, at(10, 0), morning.StaffMemberID, nil},
		{"taken beats outside hours", []StaffSchedule{afternoon, taken}, at(10, 0), uuid.Nil, ErrSlotUnavailable},
		{"off the grid beats outside hours", []StaffSchedule{afternoon, morning}, at(10, 15), uuid.Nil, ErrMisaligned},
		{"outside everyone's hours", []StaffSchedule{morning, afternoon}, at(12, 0), uuid.Nil, ErrOutsideWorkingHours},
	} {
		got, err := chooseStaff(rules, svc, c.staff, c.start)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%s: %s, %v; want %s, %v", c.name, got, err, c.want, c.err)
		}
	}
}
