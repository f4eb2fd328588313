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
			ch, ok := paymentStatusChange(r, c.to, HistoryActorSystem, c.reason, now)
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
