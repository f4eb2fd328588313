package booking

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/events"
)

func TestPaymentStatusChange(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name          string
		status        models.ReservationStatus
		from, to      models.PaymentStatus
		changed       bool
		wantStatus    models.ReservationStatus
		confirms      bool
		reason, wantR string
	}{
		{"paid confirms a held reservation", models.StatusPendingPayment, models.PaymentPending, models.PaymentPaid, true, models.StatusConfirmed, true, "", "payment PAID"},
		{"paid keeps a confirmed reservation confirmed", models.StatusConfirmed, models.PaymentUnpaid, models.PaymentPaid, true, models.StatusConfirmed, false, "marked paid", "marked paid"},
		{"paid leaves an expired reservation expired (the money goes back)", models.StatusExpired, models.PaymentPending, models.PaymentPaid, true, models.StatusExpired, false, "", "payment PAID"},
		{"paid leaves a cancelled reservation cancelled", models.StatusCancelled, models.PaymentPending, models.PaymentPaid, true, models.StatusCancelled, false, "", "payment PAID"},
		{"pending does not confirm", models.StatusPendingPayment, models.PaymentUnpaid, models.PaymentPending, true, models.StatusPendingPayment, false, "payment started: BLIK", "payment started: BLIK"},
		{"failed does not confirm", models.StatusPendingPayment, models.PaymentPending, models.PaymentFailed, true, models.StatusPendingPayment, false, "", "payment FAILED"},
		{"a refund moves the payment status only", models.StatusConfirmed, models.PaymentPaid, models.PaymentRefunded, true, models.StatusConfirmed, false, "refund of 100 settled", "refund of 100 settled"},
		{"the same status again changes nothing", models.StatusConfirmed, models.PaymentPaid, models.PaymentPaid, false, models.StatusConfirmed, false, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &models.Reservation{TenantID: uuid.New(), ID: uuid.New(), Status: c.status, PaymentStatus: c.from}
			ch, ok := paymentStatusChange(r, PaymentMove{Status: c.to}, HistoryActorSystem, c.reason, now)
			if ok != c.changed {
				t.Fatalf("changed %v, want %v", ok, c.changed)
			}
			if !ok {
				if len(ch.updates) != 0 || r.PaymentStatus != c.from {
					t.Fatalf("no change, yet updates %v and payment status %s", ch.updates, r.PaymentStatus)
				}
				return
			}
			if r.Status != c.wantStatus || r.PaymentStatus != c.to || ch.updates["payment_status"] != c.to || !r.UpdatedAt.Equal(now) {
				t.Fatalf("reservation %s/%s, updates %v", r.Status, r.PaymentStatus, ch.updates)
			}
			if _, set := ch.updates["status"]; set != c.confirms {
				t.Fatalf("status updated %v, want %v (%v)", set, c.confirms, ch.updates)
			}
			h := ch.history
			if *h.FromStatus != c.status || h.ToStatus != c.wantStatus || *h.FromPaymentStatus != c.from || h.ToPaymentStatus != c.to ||
				h.Actor != HistoryActorSystem || h.Reason != c.wantR || h.ReservationID != r.ID || !h.CreatedAt.Equal(now) {
				t.Fatalf("history %+v", h)
			}
			if ch.event.Kind != events.ReservationUpdated || ch.event.TenantID != r.TenantID || ch.event.ReservationID != r.ID {
				t.Fatalf("event %+v", ch.event)
			}
		})
	}
}

// TestPaymentMoneyChange: money moves the reservation's amounts and takes the status the money
// says (a deposit PARTIALLY_PAID and confirms, the balance PAID, refunds PARTIALLY_REFUNDED or
// REFUNDED); an attempt's status never overwrites a status money made.
func TestPaymentMoneyChange(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	deposit := int64(3000)
	for _, c := range []struct {
		name             string
		status           models.ReservationStatus
		from             models.PaymentStatus
		deposit          *int64
		paid, refunded   int64
		move             PaymentMove
		changed          bool
		wantStatus       models.ReservationStatus
		wantPayment      models.PaymentStatus
		wantPaid, wantRe int64
	}{
		{"the deposit confirms a held reservation", models.StatusPendingPayment, models.PaymentPending, &deposit, 0, 0,
			PaymentMove{Paid: 3000}, true, models.StatusConfirmed, models.PaymentPartiallyPaid, 3000, 0},
		{"less than the deposit does not confirm", models.StatusPendingPayment, models.PaymentPending, &deposit, 0, 0,
			PaymentMove{Paid: 2000}, true, models.StatusPendingPayment, models.PaymentPartiallyPaid, 2000, 0},
		{"the whole price confirms without a deposit", models.StatusPendingPayment, models.PaymentPending, nil, 0, 0,
			PaymentMove{Paid: 10000}, true, models.StatusConfirmed, models.PaymentPaid, 10000, 0},
		{"the balance after the deposit pays in full", models.StatusConfirmed, models.PaymentPartiallyPaid, &deposit, 3000, 0,
			PaymentMove{Paid: 7000}, true, models.StatusConfirmed, models.PaymentPaid, 10000, 0},
		{"a balance attempt leaves the deposit's status", models.StatusConfirmed, models.PaymentPartiallyPaid, &deposit, 3000, 0,
			PaymentMove{Status: models.PaymentPending}, false, models.StatusConfirmed, models.PaymentPartiallyPaid, 3000, 0},
		{"a failed attempt leaves PAID", models.StatusConfirmed, models.PaymentPaid, nil, 10000, 0,
			PaymentMove{Status: models.PaymentFailed}, false, models.StatusConfirmed, models.PaymentPaid, 10000, 0},
		{"a part refund", models.StatusConfirmed, models.PaymentPaid, nil, 10000, 0,
			PaymentMove{Refunded: 4000}, true, models.StatusConfirmed, models.PaymentPartiallyRefunded, 10000, 4000},
		{"the rest refunded", models.StatusCancelled, models.PaymentPartiallyRefunded, nil, 10000, 4000,
			PaymentMove{Refunded: 6000}, true, models.StatusCancelled, models.PaymentRefunded, 10000, 10000},
		{"a deposit for a cancelled reservation is recorded, not confirmed", models.StatusCancelled, models.PaymentPending, &deposit, 0, 0,
			PaymentMove{Paid: 3000}, true, models.StatusCancelled, models.PaymentPartiallyPaid, 3000, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := &models.Reservation{TenantID: uuid.New(), ID: uuid.New(), Status: c.status, PaymentStatus: c.from,
				PriceAmount: 10000, Currency: "PLN", DepositAmount: c.deposit, PaidAmount: c.paid, RefundedAmount: c.refunded}
			ch, ok := paymentStatusChange(r, c.move, HistoryActorSystem, "", now)
			if ok != c.changed {
				t.Fatalf("changed %v, want %v", ok, c.changed)
			}
			if r.Status != c.wantStatus || r.PaymentStatus != c.wantPayment || r.PaidAmount != c.wantPaid || r.RefundedAmount != c.wantRe {
				t.Fatalf("reservation %s/%s paid %d refunded %d", r.Status, r.PaymentStatus, r.PaidAmount, r.RefundedAmount)
			}
			if !ok {
				return
			}
			if ch.updates["payment_status"] != c.wantPayment || ch.updates["paid_amount"] != c.wantPaid || ch.updates["refunded_amount"] != c.wantRe {
				t.Fatalf("updates %v", ch.updates)
			}
			if _, set := ch.updates["status"]; set != (c.wantStatus != c.status) {
				t.Fatalf("status updated %v (%v)", set, ch.updates)
			}
			if ch.history.ToPaymentStatus != c.wantPayment || *ch.history.FromPaymentStatus != c.from {
				t.Fatalf("history %+v", ch.history)
			}
		})
	}
}
