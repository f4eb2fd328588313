package booking

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
)

func TestDecideCancellation(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	confirmed := func() *models.Reservation {
		return &models.Reservation{Status: models.StatusConfirmed, StartsAt: start, PriceAmount: 10000}
	}
	lapsedHold := func() *models.Reservation {
		r := confirmed()
		exp := start.Add(-72 * time.Hour)
		r.Status, r.HoldExpiresAt = models.StatusPendingPayment, &exp
		return r
	}
	cancelled := func() *models.Reservation {
		r := confirmed()
		r.Status = models.StatusCancelled
		return r
	}
	percent := defaultRules
	percent.LateCancellationFee, percent.LateCancellationFeePercent = models.LateFeePercent, 20
	noCustomers := defaultRules
	noCustomers.CustomerMayCancel = false
	until2h := defaultRules
	until2h.CustomerCancelUntilHours = 2
	amount := func(a int64) *int64 { return &a }
	for _, c := range []struct {
		name      string
		by        ActorKind
		rules     CancellationRules
		r         *models.Reservation
		before    time.Duration // how long before the start it is cancelled
		netPaid   int64
		req       CancelRequest
		refund    int64
		fee       int64
		want      *apperr.Error
		reason    apperr.Reason
		wantField string
	}{
		{name: "customer inside the free window: everything back", by: ActorCustomer, rules: percent, r: confirmed(), before: 48 * time.Hour, netPaid: 10000, refund: 10000},
		{name: "customer after the window: the fee is kept", by: ActorCustomer, rules: percent, r: confirmed(), before: time.Hour, netPaid: 10000, refund: 8000, fee: 2000},
		{name: "customer under NO_REFUND late: nothing back", by: ActorCustomer, rules: defaultRules, r: confirmed(), before: time.Hour, netPaid: 10000, fee: 10000},
		{name: "customer of an unpaid visit", by: ActorCustomer, rules: percent, r: confirmed(), before: time.Hour},
		{name: "customers may not cancel", by: ActorCustomer, rules: noCustomers, r: confirmed(), before: 48 * time.Hour, netPaid: 10000,
			want: ErrCancellationNotAllowed, reason: ReasonCancellationNotAllowed},
		{name: "customer after the deadline", by: ActorCustomer, rules: until2h, r: confirmed(), before: time.Hour, netPaid: 10000,
			want: ErrCancellationDeadlinePassed, reason: ReasonCancellationDeadlinePassed},
		{name: "customer at the deadline exactly", by: ActorCustomer, rules: until2h, r: confirmed(), before: 2 * time.Hour,
			want: ErrCancellationDeadlinePassed, reason: ReasonCancellationDeadlinePassed},
		{name: "customer after the start", by: ActorCustomer, rules: defaultRules, r: confirmed(), before: -time.Minute,
			want: ErrAlreadyStarted, reason: ReasonCancellationDeadlinePassed},
		{name: "customer of a lapsed hold", by: ActorCustomer, rules: defaultRules, r: lapsedHold(), before: 48 * time.Hour, want: ErrIllegalTransition},
		{name: "customer of a cancelled one", by: ActorCustomer, rules: defaultRules, r: cancelled(), before: 48 * time.Hour, want: ErrIllegalTransition},
		{name: "staff default is a full refund, even late", by: ActorStaff, rules: defaultRules, r: confirmed(), before: time.Hour, netPaid: 10000, refund: 10000},
		{name: "staff full after the start", by: ActorStaff, rules: noCustomers, r: confirmed(), before: -time.Hour, netPaid: 6000,
			req: CancelRequest{Refund: RefundFull}, refund: 6000},
		{name: "staff under the policy", by: ActorStaff, rules: percent, r: confirmed(), before: time.Hour, netPaid: 10000,
			req: CancelRequest{Refund: RefundPolicy}, refund: 8000, fee: 2000},
		{name: "staff without a refund", by: ActorStaff, rules: defaultRules, r: confirmed(), before: 48 * time.Hour, netPaid: 10000,
			req: CancelRequest{Refund: RefundNone}, fee: 10000},
		{name: "staff chooses an amount", by: ActorStaff, rules: defaultRules, r: confirmed(), before: time.Hour, netPaid: 10000,
			req: CancelRequest{RefundAmount: amount(4500)}, refund: 4500, fee: 5500},
		{name: "staff chooses everything", by: ActorStaff, rules: defaultRules, r: confirmed(), before: time.Hour, netPaid: 10000,
			req: CancelRequest{RefundAmount: amount(10000)}, refund: 10000},
		{name: "staff chooses more than paid", by: ActorStaff, rules: defaultRules, r: confirmed(), before: time.Hour, netPaid: 10000,
			req: CancelRequest{RefundAmount: amount(10001)}, want: apperr.New(apperr.BadUserInput, "the refund must be between 0 and 10000, what was paid and not yet refunded"),
			reason: apperr.OutOfRange, wantField: "refundAmount"},
		{name: "staff of a cancelled one", by: ActorStaff, rules: defaultRules, r: cancelled(), before: time.Hour, want: ErrIllegalTransition},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := decideCancellation(c.by, c.rules, c.r, c.netPaid, c.req, start.Add(-c.before))
			if c.want != nil {
				ae, ok := apperr.As(err)
				if !errors.Is(err, c.want) || !ok || ae.Reason != c.reason || ae.Field != c.wantField {
					t.Fatalf("err = %v (%+v), want %v with reason %q field %q", err, ae, c.want, c.reason, c.wantField)
				}
				return
			}
			if err != nil || d.refund != c.refund || d.fee != c.fee || d.why == "" {
				t.Fatalf("decision %+v, %v; want refund %d, fee %d", d, err, c.refund, c.fee)
			}
		})
	}
}

func TestCancelRequestValidate(t *testing.T) {
	t.Parallel()
	long := string(make([]rune, 501))
	amount := func(a int64) *int64 { return &a }
	for _, c := range []struct {
		name   string
		staff  bool
		req    CancelRequest
		fields []string // the input errors' fields, in order; "FORBIDDEN" for the customer's refusal
	}{
		{"a plain staff cancellation", true, CancelRequest{Reason: "  closed  "}, nil},
		{"staff choose a refund", true, CancelRequest{Refund: RefundPolicy}, nil},
		{"staff choose an amount", true, CancelRequest{RefundAmount: amount(0)}, nil},
		{"a plain customer cancellation", false, CancelRequest{Reason: "ill"}, nil},
		{"a customer may not choose the refund", false, CancelRequest{Refund: RefundFull}, []string{"FORBIDDEN"}},
		{"a customer may not choose an amount", false, CancelRequest{RefundAmount: amount(1)}, []string{"FORBIDDEN"}},
		{"every problem at once", true, CancelRequest{Reason: long, Refund: "HALF", RefundAmount: amount(5)}, []string{"reason", "refund", "refundAmount"}},
		{"a negative amount", true, CancelRequest{RefundAmount: amount(-1)}, []string{"refundAmount"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := c.req
			err := req.Validate(c.staff)
			var got []string
			var problems apperr.Problems
			switch {
			case err == nil:
			case errors.Is(err, ErrRefundChoiceStaffOnly):
				got = []string{"FORBIDDEN"}
			case errors.As(err, &problems):
				for _, p := range problems {
					ae, _ := apperr.As(p)
					got = append(got, ae.Field)
				}
			default:
				ae, _ := apperr.As(err)
				got = []string{ae.Field}
			}
			if len(got) != len(c.fields) {
				t.Fatalf("problems %v (%v), want %v", got, err, c.fields)
			}
			for i := range got {
				if got[i] != c.fields[i] {
					t.Fatalf("problems %v, want %v", got, c.fields)
				}
			}
			if err == nil && req.Reason != "" && req.Reason[0] == ' ' {
				t.Fatalf("reason not trimmed: %q", req.Reason)
			}
		})
	}
}

func TestCancellationNote(t *testing.T) {
	t.Parallel()
	d := cancelDecision{refund: 9000, fee: 3000, why: "cancelled by the customer: refund under the cancellation policy"}
	money := "cancelled by the customer: refund under the cancellation policy: 9000 PLN refunded, 3000 PLN kept"
	long := strings.Repeat("ż", 500)
	for _, c := range []struct {
		name, reason string
		netPaid      int64
		want         string
	}{
		{"nothing paid: the reason only", "ill", 0, "ill"},
		{"nothing paid, no reason", "", 0, ""},
		{"paid, no reason", "", 12000, money},
		{"paid, with a reason", "ill", 12000, "ill; " + money},
		{"a reason of 500 characters is shortened to fit", long, 12000,
			strings.Repeat("ż", maxHistoryReason-utf8.RuneCountInString(money)-3) + "…; " + money},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := cancellationNote(c.reason, d, c.netPaid, "PLN")
			if got != c.want || utf8.RuneCountInString(got) > maxHistoryReason {
				t.Fatalf("note %q (%d characters), want %q", got, utf8.RuneCountInString(got), c.want)
			}
		})
	}
}
