package payments

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/imoje"
)

func TestRefundAmount(t *testing.T) {
	t.Parallel()
	amount := func(n int64) *int64 { return &n }
	pay := &models.Payment{Amount: 5000, RefundedAmount: 1000}
	for _, c := range []struct {
		name     string
		inFlight int64
		amount   *int64
		want     int64 // 0: refused with ErrRefundTooLarge
	}{
		{"all that is left", 0, nil, 4000},
		{"all that is left besides refunds in progress", 1500, nil, 2500},
		{"part of it", 0, amount(1200), 1200},
		{"exactly what is left", 1500, amount(2500), 2500},
		{"more than is left is an over-refund", 1500, amount(2501), 0},
		{"more than was paid", 0, amount(6000), 0},
		{"nothing left to refund", 4000, nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := refundAmount(pay, c.inFlight, c.amount)
			if c.want == 0 {
				if !errors.Is(err, ErrRefundTooLarge) {
					t.Fatalf("%d, %v; want ErrRefundTooLarge", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("%d, %v; want %d", got, err, c.want)
			}
		})
	}
}

func TestDecideRefundMove(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name          string
		refunded      int64
		from, target  string
		outcome       string
		move          bool
		refundAmount  int64
		paymentAmount int64
	}{
		{"requested becomes pending", 0, "REQUESTED", "PENDING", OutcomeApplied, true, 1000, 5000},
		{"pending settles", 0, "PENDING", "SETTLED", OutcomeApplied, true, 1000, 5000},
		{"requested may settle at once", 0, "REQUESTED", "SETTLED", OutcomeApplied, true, 1000, 5000},
		{"pending fails", 0, "PENDING", "FAILED", OutcomeApplied, true, 1000, 5000},
		{"the same status again changes nothing", 0, "PENDING", "PENDING", OutcomeNoChange, false, 1000, 5000},
		{"a settled refund never changes", 0, "SETTLED", "FAILED", OutcomeStale, false, 1000, 5000},
		{"a failed refund never changes", 0, "FAILED", "SETTLED", OutcomeStale, false, 1000, 5000},
		{"a late pending after settled is stale", 0, "SETTLED", "PENDING", OutcomeStale, false, 1000, 5000},
		{"a late requested after pending is stale", 0, "PENDING", "REQUESTED", OutcomeStale, false, 1000, 5000},
		{"settling the last of the money", 4000, "PENDING", "SETTLED", OutcomeApplied, true, 1000, 5000},
		{"settling more than is left is an over-refund", 4500, "PENDING", "SETTLED", OutcomeMismatch, false, 1000, 5000},
		{"failing is never an over-refund", 4500, "PENDING", "FAILED", OutcomeApplied, true, 1000, 5000},
	} {
		t.Run(c.name, func(t *testing.T) {
			pay := &models.Payment{Amount: c.paymentAmount, RefundedAmount: c.refunded}
			ref := &models.Refund{Status: c.from, Amount: c.refundAmount}
			outcome, _, move := decideRefundMove(pay, ref, c.target)
			if outcome != c.outcome || move != c.move {
				t.Fatalf("%s, move %v; want %s, %v", outcome, move, c.outcome, c.move)
			}
		})
	}
}

func TestRefundMismatch(t *testing.T) {
	t.Parallel()
	shop := uuid.New()
	pay := &models.Payment{Amount: 5000, Currency: "PLN"}
	known := &models.Refund{Amount: 1000}
	refund := func(mut ...func(*imoje.Transaction)) *imoje.Transaction {
		t := &imoje.Transaction{Type: "refund", ServiceID: shop.String(), Amount: 1000, Currency: "PLN"}
		for _, m := range mut {
			m(t)
		}
		return t
	}
	for _, c := range []struct {
		name     string
		ref      *models.Refund
		t        *imoje.Transaction
		mismatch bool
	}{
		{"our refund as asked", known, refund(), false},
		{"a refund made in the panel, any amount", nil, refund(func(t *imoje.Transaction) { t.Amount = 4000 }), false},
		{"the shop id in upper case", known, refund(func(t *imoje.Transaction) { t.ServiceID = strings.ToUpper(shop.String()) }), false},
		{"another shop", known, refund(func(t *imoje.Transaction) { t.ServiceID = uuid.NewString() }), true},
		{"another currency", known, refund(func(t *imoje.Transaction) { t.Currency = "EUR" }), true},
		{"another amount than our refund's", known, refund(func(t *imoje.Transaction) { t.Amount = 999 }), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := refundMismatch(shop, pay, c.ref, c.t); (got != "") != c.mismatch {
				t.Fatalf("%q, want mismatch %v", got, c.mismatch)
			}
		})
	}
}

func TestRefundTarget(t *testing.T) {
	t.Parallel()
	for status, want := range map[string]string{
		imoje.StatusSettled: "SETTLED", imoje.StatusRejected: "FAILED", imoje.StatusError: "FAILED",
		imoje.StatusCancelled: "FAILED", "new": "PENDING", "pending": "PENDING",
	} {
		if got := refundTarget(status); got != want {
			t.Errorf("imoje %s: %s, want %s", status, got, want)
		}
	}
}

func TestDecideLinkClosed(t *testing.T) {
	t.Parallel()
	linkID := uuid.New()
	for _, c := range []struct {
		name    string
		state   models.PaymentState
		link    string
		status  string
		outcome string
		cancel  bool
	}{
		{"an expired link cancels the payment", models.PaymentStatePending, linkID.String(), "expired", OutcomeApplied, true},
		{"a cancelled link cancels the payment", models.PaymentStatePending, linkID.String(), imoje.StatusCancelled, OutcomeApplied, true},
		{"a superseded payment's link closing cancels it", models.PaymentStateSuperseded, linkID.String(), "expired", OutcomeApplied, true},
		{"another link is a mismatch", models.PaymentStatePending, uuid.NewString(), "expired", OutcomeMismatch, false},
		{"a link still open changes nothing", models.PaymentStatePending, linkID.String(), "pending", OutcomeNoChange, false},
		{"a paid payment's link closing is stale", models.PaymentStatePaid, linkID.String(), "expired", OutcomeStale, false},
		{"a failed payment's link closing is stale", models.PaymentStateFailed, linkID.String(), imoje.StatusCancelled, OutcomeStale, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			pay := &models.Payment{ID: uuid.New(), Status: c.state, ImojePaymentID: &linkID}
			outcome, _, cancel := decideLinkClosed(pay, c.link, c.status)
			if outcome != c.outcome || cancel != c.cancel {
				t.Fatalf("%s, cancel %v; want %s, %v", outcome, cancel, c.outcome, c.cancel)
			}
		})
	}
}
