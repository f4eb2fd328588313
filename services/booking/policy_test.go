package booking

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
)

// The defaults of migration 00010: free until 24 h before, then no refund; customers may cancel until
// the start and move a visit until 24 h before.
var defaultRules = CancellationRules{FreeCancellationHours: 24, LateCancellationFee: models.LateFeeNoRefund,
	CustomerMayCancel: true, CustomerMayReschedule: true, CustomerRescheduleUntilHours: 24}

func TestRefundOnCancellation(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	percent := func(p int) CancellationRules {
		r := defaultRules
		r.LateCancellationFee, r.LateCancellationFeePercent = models.LateFeePercent, p
		return r
	}
	fixed := func(a int64) CancellationRules {
		r := defaultRules
		r.LateCancellationFee, r.LateCancellationFeeAmount = models.LateFeeFixed, a
		return r
	}
	for _, c := range []struct {
		name           string
		rules          CancellationRules
		before         time.Duration // how long before the start the cancellation is made
		price, netPaid int64
		want           int64
	}{
		{"inside the free window everything paid comes back", defaultRules, 25 * time.Hour, 10000, 10000, 10000},
		{"the window's last moment is not free (exclusive)", defaultRules, 24 * time.Hour, 10000, 10000, 0},
		{"a second inside the window", defaultRules, 24*time.Hour + time.Second, 10000, 10000, 10000},
		{"no refund after the window", defaultRules, time.Hour, 10000, 10000, 0},
		{"a deposit is refunded whole inside the window", defaultRules, 48 * time.Hour, 10000, 3000, 3000},
		{"nothing paid, nothing refunded", defaultRules, 48 * time.Hour, 10000, 0, 0},
		{"a negative net paid counts as nothing", defaultRules, 48 * time.Hour, 10000, -5, 0},
		{"percent of the price is kept", percent(30), time.Hour, 10000, 10000, 7000},
		{"percent fee rounds half up", percent(25), time.Hour, 199, 199, 149},
		{"percent fee above the deposit keeps the deposit", percent(50), time.Hour, 10000, 3000, 0},
		{"percent fee below the deposit refunds the rest", percent(20), time.Hour, 10000, 3000, 1000},
		{"zero percent refunds everything", percent(0), time.Hour, 10000, 10000, 10000},
		{"hundred percent refunds nothing", percent(100), time.Hour, 10000, 10000, 0},
		{"fixed fee is kept", fixed(2500), time.Hour, 10000, 10000, 7500},
		{"fixed fee above what was paid keeps it all", fixed(2500), time.Hour, 10000, 2000, 0},
		{"fixed fee after the start too", fixed(2500), -time.Hour, 10000, 10000, 7500},
		{"zero free hours: free until the start", CancellationRules{LateCancellationFee: models.LateFeeNoRefund}, time.Minute, 10000, 10000, 10000},
		{"an unknown fee kind keeps the money", CancellationRules{FreeCancellationHours: 1, LateCancellationFee: "WHAT"}, time.Minute, 10000, 10000, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := RefundOnCancellation(c.rules, start, c.price, c.netPaid, start.Add(-c.before)); got != c.want {
				t.Errorf("refund = %d, want %d", got, c.want)
			}
		})
	}
}

func TestTermsAt(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := start.Add(d); return &v }
	noCustomerChanges := defaultRules
	noCustomerChanges.CustomerMayCancel, noCustomerChanges.CustomerMayReschedule = false, false
	early := defaultRules
	early.CustomerCancelUntilHours = 2
	for _, c := range []struct {
		name   string
		rules  CancellationRules
		before time.Duration
		holds  bool
		want   CustomerTerms
	}{
		{"two days ahead: everything allowed, free", defaultRules, 48 * time.Hour, true, CustomerTerms{
			CanCancel: true, CancellationDeadline: at(0), CanReschedule: true, RescheduleDeadline: at(-24 * time.Hour),
			FreeCancellationUntil: start.Add(-24 * time.Hour), RefundIfCancelledNow: 8000}},
		{"an hour ahead: cancel without refund, no reschedule", defaultRules, time.Hour, true, CustomerTerms{
			CanCancel: true, CancellationDeadline: at(0), RescheduleDeadline: at(-24 * time.Hour),
			FreeCancellationUntil: start.Add(-24 * time.Hour), FeeIfCancelledNow: 8000}},
		{"after the start nothing is allowed", defaultRules, -time.Minute, true, CustomerTerms{
			CancellationDeadline: at(0), RescheduleDeadline: at(-24 * time.Hour),
			FreeCancellationUntil: start.Add(-24 * time.Hour), FeeIfCancelledNow: 8000}},
		{"cancel-until 2 h: an hour ahead is too late", early, time.Hour, true, CustomerTerms{
			CancellationDeadline: at(-2 * time.Hour), RescheduleDeadline: at(-24 * time.Hour),
			FreeCancellationUntil: start.Add(-24 * time.Hour), FeeIfCancelledNow: 8000}},
		{"customers may not change it: no deadlines", noCustomerChanges, 48 * time.Hour, true, CustomerTerms{
			FreeCancellationUntil: start.Add(-24 * time.Hour), RefundIfCancelledNow: 8000}},
		{"a reservation that no longer holds its slot: nothing to do, nothing to refund", defaultRules, 48 * time.Hour, false, CustomerTerms{
			FreeCancellationUntil: start.Add(-24 * time.Hour)}},
		{"a request an hour ahead: withdrawn with everything back, though the policy keeps a fee", defaultRules, time.Hour, true, CustomerTerms{
			CanCancel: true, CancellationDeadline: at(0), RescheduleDeadline: at(-24 * time.Hour),
			FreeCancellationUntil: start.Add(-24 * time.Hour), RefundIfCancelledNow: 8000}},
		{"a request where customers may not cancel: still withdrawn until the start", noCustomerChanges, time.Hour, true, CustomerTerms{
			CanCancel: true, CancellationDeadline: at(0), FreeCancellationUntil: start.Add(-24 * time.Hour), RefundIfCancelledNow: 8000}},
		{"a request after its start: too late", defaultRules, -time.Minute, true, CustomerTerms{
			CancellationDeadline: at(0), RescheduleDeadline: at(-24 * time.Hour),
			FreeCancellationUntil: start.Add(-24 * time.Hour), RefundIfCancelledNow: 8000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := TermsInput{StartsAt: start, Price: 10000, NetPaid: 8000, HoldsSlot: c.holds, Request: strings.HasPrefix(c.name, "a request")}
			got := TermsAt(c.rules, in, start.Add(-c.before))
			if !equalTerms(got, c.want) {
				t.Errorf("terms =\n %+v, want\n %+v", show(got), show(c.want))
			}
		})
	}
}

func equalTerms(a, b CustomerTerms) bool {
	same := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.CanCancel == b.CanCancel && a.CanReschedule == b.CanReschedule && same(a.CancellationDeadline, b.CancellationDeadline) &&
		same(a.RescheduleDeadline, b.RescheduleDeadline) && a.FreeCancellationUntil.Equal(b.FreeCancellationUntil) &&
		a.RefundIfCancelledNow == b.RefundIfCancelledNow && a.FeeIfCancelledNow == b.FeeIfCancelledNow
}

func show(t CustomerTerms) map[string]any {
	d := func(x *time.Time) any {
		if x == nil {
			return nil
		}
		return x.Format(time.RFC3339)
	}
	return map[string]any{"cancel": t.CanCancel, "cancelBy": d(t.CancellationDeadline), "move": t.CanReschedule,
		"moveBy": d(t.RescheduleDeadline), "free": t.FreeCancellationUntil.Format(time.RFC3339), "refund": t.RefundIfCancelledNow, "fee": t.FeeIfCancelledNow}
}

func TestEffectiveRules(t *testing.T) {
	t.Parallel()
	hours, fee, no := 2, models.LateFeeFixed, false
	amount := int64(1500)
	got := EffectiveRules(defaultRules, models.CancellationOverrides{FreeCancellationHours: &hours, LateCancellationFee: &fee,
		LateCancellationFeeAmount: &amount, CustomerMayReschedule: &no})
	want := defaultRules
	want.FreeCancellationHours, want.LateCancellationFee, want.LateCancellationFeeAmount, want.CustomerMayReschedule = 2, fee, 1500, false
	if got != want {
		t.Errorf("effective = %+v, want %+v", got, want)
	}
	if got := EffectiveRules(defaultRules, models.CancellationOverrides{}); got != defaultRules {
		t.Errorf("no overrides = %+v, want the business's %+v", got, defaultRules)
	}
}

func TestRulesInput(t *testing.T) {
	t.Parallel()
	ptr := func(v int) *int { return &v }
	bad := models.LateCancellationFee("HALF")
	negative := int64(-1)
	err := RulesInput{FreeCancellationHours: ptr(-1), CustomerCancelUntilHours: ptr(9000), LateCancellationFee: &bad,
		LateCancellationFeePercent: ptr(101), LateCancellationFeeAmount: &negative}.validate("cancellationRules")
	fields := map[string]bool{}
	for _, e := range apperr.Each(err) {
		var ae *apperr.Error
		if !errors.As(e, &ae) {
			t.Fatalf("problem %v is not an apperr.Error", e)
		}
		fields[ae.Field] = true
	}
	for _, f := range []string{"cancellationRules.freeCancellationHours", "cancellationRules.customerCancelUntilHours",
		"cancellationRules.lateCancellationFee", "cancellationRules.lateCancellationFeePercent", "cancellationRules.lateCancellationFeeAmount"} {
		if !fields[f] {
			t.Errorf("no problem reported for %s (got %v)", f, fields)
		}
	}
	if len(fields) != 5 {
		t.Errorf("problems for %v, want exactly the five bad fields", fields)
	}
	if err := (RulesInput{FreeCancellationHours: ptr(0), LateCancellationFeePercent: ptr(100)}).validate("x"); err != nil {
		t.Errorf("bounds refused: %v", err)
	}

	// A service's overrides: a set field overrides, Reset first forgets the old ones.
	o := models.CancellationOverrides{FreeCancellationHours: ptr(5)}
	RulesInput{CustomerCancelUntilHours: ptr(3)}.overrideOn(&o)
	if o.FreeCancellationHours == nil || *o.FreeCancellationHours != 5 || o.CustomerCancelUntilHours == nil || *o.CustomerCancelUntilHours != 3 {
		t.Errorf("override kept %+v", o)
	}
	RulesInput{Reset: true, LateCancellationFeePercent: ptr(10)}.overrideOn(&o)
	if o.FreeCancellationHours != nil || o.CustomerCancelUntilHours != nil || o.LateCancellationFeePercent == nil {
		t.Errorf("reset left %+v", o)
	}
}

func TestReservationTerms(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	now := start.Add(-48 * time.Hour)
	running, lapsed := now.Add(time.Minute), now
	// The service's own window (72 h: closed by now) and fixed fee replace the business's.
	override := models.CancellationOverrides{FreeCancellationHours: ptrTo(72), LateCancellationFee: ptrTo(models.LateFeeFixed),
		LateCancellationFeeAmount: ptrTo(int64(2000))}
	for _, c := range []struct {
		name        string
		status      models.ReservationStatus
		hold        *time.Time
		overrides   models.CancellationOverrides
		netPaid     int64
		canCancel   bool
		refund, fee int64
	}{
		{"confirmed and paid, inside the window", models.StatusConfirmed, nil, models.CancellationOverrides{}, 10000, true, 10000, 0},
		{"a running hold may be cancelled", models.StatusPendingPayment, &running, models.CancellationOverrides{}, 0, true, 0, 0},
		{"a lapsed hold is as good as expired", models.StatusPendingPayment, &lapsed, models.CancellationOverrides{}, 0, false, 0, 0},
		{"a cancelled one refunds nothing more", models.StatusCancelled, nil, models.CancellationOverrides{}, 10000, false, 0, 0},
		{"a completed one", models.StatusCompleted, nil, models.CancellationOverrides{}, 10000, false, 0, 0},
		{"the service's overrides apply", models.StatusConfirmed, nil, override, 10000, true, 8000, 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &models.Reservation{Status: c.status, HoldExpiresAt: c.hold, StartsAt: start, PriceAmount: 10000}
			got := ReservationTerms(defaultRules, c.overrides, r, c.netPaid, now)
			if got.CanCancel != c.canCancel || got.RefundIfCancelledNow != c.refund || got.FeeIfCancelledNow != c.fee {
				t.Fatalf("terms %+v, want canCancel %v, refund %d, fee %d", got, c.canCancel, c.refund, c.fee)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
