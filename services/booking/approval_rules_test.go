package booking

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
)

// A booking of a service that needs confirmation is a request whose decision deadline is the
// business's window from now, never past the start; a service's own setting wins over the business's.
func TestApplyConfirmationPolicy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	yes, no := true, false
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, c := range []struct {
		name     string
		business bool
		service  *bool
		policy   models.PaymentPolicy
		startIn  time.Duration
		status   models.ReservationStatus
		deadline *time.Time
	}{
		{"the business confirms, the service follows", true, nil, models.PaymentPolicyNone, 48 * time.Hour, models.StatusRequested, at(24 * time.Hour)},
		{"the business confirms, the service does not", true, &no, models.PaymentPolicyNone, 48 * time.Hour, models.StatusConfirmed, nil},
		{"the service confirms, the business does not", false, &yes, models.PaymentPolicyNone, 48 * time.Hour, models.StatusRequested, at(24 * time.Hour)},
		{"nobody confirms", false, nil, models.PaymentPolicyNone, 48 * time.Hour, models.StatusConfirmed, nil},
		{"the deadline never passes the start", true, nil, models.PaymentPolicyNone, 3 * time.Hour, models.StatusRequested, at(3 * time.Hour)},
		{"a request under REQUIRED has no payment hold yet", true, nil, models.PaymentPolicyRequired, 48 * time.Hour, models.StatusRequested, at(24 * time.Hour)},
	} {
		settings := models.BookingSettings{DefaultHoldMinutes: 15, RequiresConfirmation: c.business, ApprovalDeadlineHours: 24}
		svc := &models.Service{PriceAmount: 5000, PaymentPolicy: c.policy, RequiresConfirmation: c.service}
		r := &models.Reservation{StartsAt: now.Add(c.startIn)}
		applyPaymentPolicy(r, svc, settings, now)
		applyConfirmationPolicy(r, svc, settings, now)
		if r.Status != c.status || fmt.Sprint(r.DecisionDeadline) != fmt.Sprint(c.deadline) {
			t.Errorf("%s: %s deciding until %v, want %s until %v", c.name, r.Status, r.DecisionDeadline, c.status, c.deadline)
		}
		if r.Status == models.StatusRequested && r.HoldExpiresAt != nil {
			t.Errorf("%s: a request holds a payment hold until %v", c.name, r.HoldExpiresAt)
		}
	}
}

// Approving confirms, except where prepayment is required and not made: then a fresh hold of the
// service's time from the decision starts, never past the start.
func TestApprovalOf(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	settings := models.BookingSettings{DefaultHoldMinutes: 15}
	forty := 40
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, c := range []struct {
		name    string
		svc     models.Service
		payment models.PaymentStatus
		startIn time.Duration
		status  models.ReservationStatus
		hold    *time.Time
	}{
		{"pay on site", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyNone}, models.PaymentNotRequired, 48 * time.Hour, models.StatusConfirmed, nil},
		{"optional, unpaid", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyOptional}, models.PaymentUnpaid, 48 * time.Hour, models.StatusConfirmed, nil},
		{"optional, paid ahead", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyOptional}, models.PaymentPaid, 48 * time.Hour, models.StatusConfirmed, nil},
		{"required, unpaid: the business's hold", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired}, models.PaymentUnpaid, 48 * time.Hour, models.StatusPendingPayment, at(15 * time.Minute)},
		{"required, unpaid: the service's hold", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired, HoldMinutes: &forty}, models.PaymentUnpaid, 48 * time.Hour, models.StatusPendingPayment, at(40 * time.Minute)},
		{"required, unpaid, soon: the hold ends at the start", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired, HoldMinutes: &forty}, models.PaymentUnpaid, 10 * time.Minute, models.StatusPendingPayment, at(10 * time.Minute)},
		{"required, paid (by staff)", models.Service{PriceAmount: 5000, PaymentPolicy: models.PaymentPolicyRequired}, models.PaymentPaid, 48 * time.Hour, models.StatusConfirmed, nil},
		{"required but free", models.Service{PriceAmount: 0, PaymentPolicy: models.PaymentPolicyRequired}, models.PaymentNotRequired, 48 * time.Hour, models.StatusConfirmed, nil},
	} {
		r := &models.Reservation{Status: models.StatusRequested, PaymentStatus: c.payment, StartsAt: now.Add(c.startIn)}
		status, hold := approvalOf(r, &c.svc, settings, now)
		if status != c.status || fmt.Sprint(hold) != fmt.Sprint(c.hold) {
			t.Errorf("%s: %s hold %v, want %s hold %v", c.name, status, hold, c.status, c.hold)
		}
	}
}

// A reservation moving does not stand in its own way: its own seat leaves what is busy, a group
// class keeps the other seats, and nobody else's occupation is touched.
func TestWithoutSeatOf(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	staff, other, svc := uuid.New(), uuid.New(), uuid.New()
	row := func(who uuid.UUID, from time.Time, seats int) busyRow {
		return busyRow{StaffMemberID: who, Busy: Busy{ServiceID: svc, StartsAt: from, EndsAt: from.Add(time.Hour),
			BlockedFrom: from, BlockedTo: from.Add(time.Hour), Seats: seats}}
	}
	r := &models.Reservation{StaffMemberID: staff, ServiceID: svc, StartsAt: start, EndsAt: start.Add(time.Hour)}
	for _, c := range []struct {
		name string
		busy []busyRow
		want []busyRow
	}{
		{"its own seat alone", []busyRow{row(staff, start, 1)}, []busyRow{}},
		{"a class keeps the others' seats", []busyRow{row(staff, start, 3)}, []busyRow{row(staff, start, 2)}},
		{"another time of the staff member", []busyRow{row(staff, start.Add(time.Hour), 1)}, []busyRow{row(staff, start.Add(time.Hour), 1)}},
		{"another staff member at the same time", []busyRow{row(other, start, 1)}, []busyRow{row(other, start, 1)}},
	} {
		before := fmt.Sprint(c.busy)
		got := withoutSeatOf(c.busy, r)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if fmt.Sprint(c.busy) != before {
			t.Errorf("%s: the rows read were changed: %v", c.name, c.busy)
		}
	}
}

// A moved hold or request deadline keeps its time unless the new start comes first.
func TestNotAfter(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	earlier, later := start.Add(-time.Hour), start.Add(time.Hour)
	for _, c := range []struct {
		name string
		t    *time.Time
		want *time.Time
	}{
		{"none", nil, nil},
		{"before the start", &earlier, &earlier},
		{"at the start", &start, &start},
		{"after the start", &later, &start},
	} {
		if got := notAfter(c.t, start); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
