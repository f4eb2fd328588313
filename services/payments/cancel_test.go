package payments

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
)

// cancelPayments are a reservation's payments: an old one that failed, one paid (7000, 1000 of it
// refunded, 500 more on its way back, 2000 refused by imoje), a newer duplicate charge (3000) and a
// payment still pending.
func cancelPayments() ([]models.Payment, map[uuid.UUID][]models.Refund) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	pay := func(n int, st models.PaymentState, amount int64) models.Payment {
		return models.Payment{ID: uuid.New(), Status: st, Amount: amount, CreatedAt: t0.Add(time.Duration(n) * time.Minute)}
	}
	failed, paid, dup, pending := pay(0, models.PaymentStateFailed, 7000), pay(1, models.PaymentStatePaid, 7000),
		pay(2, models.PaymentStateDuplicate, 3000), pay(3, models.PaymentStatePending, 7000)
	refund := func(p models.Payment, amount int64, status string) models.Refund {
		return models.Refund{ID: uuid.New(), PaymentID: p.ID, Amount: amount, Status: status}
	}
	refunds := map[uuid.UUID][]models.Refund{
		paid.ID: {refund(paid, 1000, "SETTLED"), refund(paid, 500, "REQUESTED"), refund(paid, 2000, "FAILED")},
	}
	// Listed in id order, as the cancellation locks them, not in time order.
	return []models.Payment{pending, failed, dup, paid}, refunds
}

func TestNetPaid(t *testing.T) {
	t.Parallel()
	payments, refunds := cancelPayments()
	for _, c := range []struct {
		name     string
		payments []models.Payment
		refunds  map[uuid.UUID][]models.Refund
		want     int64
	}{
		{"settled payments minus refunds that did not fail", payments, refunds, 7000 - 1000 - 500 + 3000},
		{"no refunds", payments, nil, 7000 + 3000},
		{"no payments", nil, nil, 0},
		{"a payment refunded in full", payments[3:], map[uuid.UUID][]models.Refund{payments[3].ID: {{PaymentID: payments[3].ID, Amount: 7000, Status: "PENDING"}}}, 0},
		{"another payment's refunds do not count", payments[3:], map[uuid.UUID][]models.Refund{payments[3].ID: {{PaymentID: uuid.New(), Amount: 7000, Status: "SETTLED"}}}, 7000},
		{"an unsettled payment holds nothing", payments[:2], nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := NetPaid(c.payments, c.refunds); got != c.want {
				t.Fatalf("NetPaid = %d, want %d", got, c.want)
			}
		})
	}
}

func TestSpreadRefund(t *testing.T) {
	t.Parallel()
	payments, refunds := cancelPayments()
	paid, dup := payments[3].ID, payments[2].ID
	for _, c := range []struct {
		amount int64
		want   string // payment: amount, newest first
	}{
		{0, ""},
		{2000, fmt.Sprintf("%s:2000 ", dup)},
		{3000, fmt.Sprintf("%s:3000 ", dup)},
		{4000, fmt.Sprintf("%s:3000 %s:1000 ", dup, paid)},
		{8500, fmt.Sprintf("%s:3000 %s:5500 ", dup, paid)}, // everything: NetPaid
		{9000, fmt.Sprintf("%s:3000 %s:5500 ", dup, paid)}, // never more than each one's rest
		{-5, ""},
	} {
		t.Run(fmt.Sprint(c.amount), func(t *testing.T) {
			got := ""
			for _, p := range spreadRefund(c.amount, payments, refunds) {
				got += fmt.Sprintf("%s:%d ", p.payment.ID, p.amount)
			}
			if got != c.want {
				t.Fatalf("spread of %d = %q, want %q", c.amount, got, c.want)
			}
		})
	}
}
