package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// TestQueuePaymentStatusLocked: the pipelined form of ReservationForPaymentTx +
// ApplyPaymentStatusLockedTx reads the payment's reservation locked, and applies the same rules:
// PAID confirms a PENDING_PAYMENT reservation with one history row and a RESERVATION_UPDATED event;
// the same status again changes nothing; another tenant's payment finds nothing.
func TestQueuePaymentStatusLocked(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testNow)
	s := f.serviceWithStaff(t, f.owner, booking.ServiceInput{PaymentPolicy: ptr(models.PaymentPolicyRequired), HoldMinutes: ptr(15)})
	created, err := f.book(t, s, time.Date(2026, 3, 23, 10, 0, 0, 0, warsaw(t)), "")
	if err != nil {
		t.Fatal(err)
	}
	r := created.Reservation
	methodID, paymentID := uuid.New(), uuid.New()
	owner := f.ownerDB(t)
	if err := owner.Exec(`INSERT INTO payment_methods (tenant_id, id, kind, display_name) VALUES (?, ?, 'ON_SITE', 'On site')`, r.TenantID, methodID).Error; err != nil {
		t.Fatal(err)
	}
	if err := owner.Exec(`INSERT INTO payments (tenant_id, id, reservation_id, payment_method_id, channel, amount, currency, status,
		idempotency_key, request_hash, created_by) VALUES (?, ?, ?, ?, 'BLIK', 10000, 'PLN', 'PENDING', 'k', '\x00', 'customer')`,
		r.TenantID, paymentID, r.ID, methodID).Error; err != nil {
		t.Fatal(err)
	}
	apply := func(tenantID uuid.UUID, ps models.PaymentStatus) (view *booking.PaymentView, changed bool, ev events.Event) {
		t.Helper()
		err := database.PipelineInTenant(context.Background(), f.db.Pool, tenantID, func(b *pgx.Batch) {
			booking.QueueReservationOfPaymentForUpdate(b, tenantID, paymentID, &view)
		}, func(b *pgx.Batch) error {
			if view == nil {
				return nil
			}
			var err error
			changed, ev, err = f.svc.QueuePaymentStatusLocked(b, view, ps, booking.HistoryActorSystem, "imoje notification: settled")
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", ps, err)
		}
		return view, changed, ev
	}
	view, changed, ev := apply(r.TenantID, models.PaymentPaid)
	if view == nil || view.ReservationID != r.ID || view.Status != models.StatusPendingPayment || view.ServiceName != "Haircut" || view.Amount != 10000 {
		t.Fatalf("view %+v", view)
	}
	if !changed || ev.Kind != events.ReservationUpdated || ev.TenantID != r.TenantID || ev.ReservationID != r.ID ||
		ev.ServiceID != r.ServiceID || ev.StaffMemberID != r.StaffMemberID || !ev.From.Equal(r.StartsAt) || !ev.To.Equal(r.EndsAt) {
		t.Fatalf("changed %v, event %+v", changed, ev)
	}
	got, err := f.svc.Reservation(context.Background(), customer(r), r.ID)
	if err != nil || got.Status != models.StatusConfirmed || got.PaymentStatus != models.PaymentPaid || !got.UpdatedAt.Equal(testNow) {
		t.Fatalf("after PAID: %+v %v", got, err)
	}
	if n := f.count(t, `SELECT count(*) FROM reservation_history WHERE reservation_id = ? AND from_status = 'PENDING_PAYMENT'
		AND to_status = 'CONFIRMED' AND from_payment_status = 'UNPAID' AND to_payment_status = 'PAID' AND actor = 'system'
		AND reason = 'imoje notification: settled'`, r.ID); n != 1 {
		t.Fatalf("history rows of the change: %d, want 1", n)
	}
	if _, changed, _ := apply(r.TenantID, models.PaymentPaid); changed {
		t.Fatal("a repeated PAID changed something")
	}
	if n := f.count(t, `SELECT count(*) FROM reservation_history WHERE reservation_id = ?`, r.ID); n != 2 {
		t.Fatalf("history rows: %d, want 2 (created, paid)", n)
	}
	other, _ := f.newTenant(t, "Europe/Warsaw")
	if view, _, _ := apply(other.TenantID, models.PaymentPaid); view != nil {
		t.Fatalf("another tenant read the reservation: %+v", view)
	}
	// A view not read in the pipeline's transaction is refused rather than written unlocked.
	if _, _, err := f.svc.QueuePaymentStatusLocked(&pgx.Batch{}, &booking.PaymentView{TenantID: r.TenantID, ReservationID: r.ID}, models.PaymentPaid, "", ""); err == nil {
		t.Fatal("an unlocked view was accepted")
	}
}
