package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

// TestMovePaymentStatusOfPayment: QueueReservationForPayment reads a payment's reservation locked,
// and MovePaymentStatus applies the rules in the same transaction: PAID confirms a PENDING_PAYMENT
// reservation with one history row and a RESERVATION_UPDATED event; the same status again changes
// nothing; another tenant's payment finds nothing.
func TestMovePaymentStatusOfPayment(t *testing.T) {
	t.Parallel()
	f, r := heldReservation(t)
	var err error
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
		err := f.db.Data.InTenant(context.Background(), tenantID, func(tx *database.Tx) error {
			booking.QueueReservationForPayment(tx, uuid.Nil, paymentID, &view)
			if err := tx.Send(); err != nil || view == nil {
				return err
			}
			var err error
			ev, changed, err = f.svc.MovePaymentStatus(tx, view, booking.PaymentMove{Status: ps}, booking.HistoryActorSystem, "imoje notification: settled")
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
	// A view not read in the transaction is refused rather than written unlocked.
	err = f.db.Data.InTenant(context.Background(), r.TenantID, func(tx *database.Tx) error {
		_, _, err := f.svc.MovePaymentStatus(tx, &booking.PaymentView{TenantID: r.TenantID, ReservationID: r.ID}, booking.PaymentMove{Status: models.PaymentPaid}, "", "")
		return err
	})
	if err == nil {
		t.Fatal("an unlocked view was accepted")
	}
}

// TestPaymentRequiredHoldThenPaid: a REQUIRED service holds the slot PENDING_PAYMENT; payment
// statuses moved through QueueReservationForPayment (by reservation id) and MovePaymentStatus
// confirm it once PAID, a repeated PAID changes nothing, and another tenant finds nothing.
func TestPaymentRequiredHoldThenPaid(t *testing.T) {
	t.Parallel()
	f, r := heldReservation(t)
	if r.Status != models.StatusPendingPayment || r.PaymentStatus != models.PaymentUnpaid ||
		r.HoldExpiresAt == nil || !r.HoldExpiresAt.Equal(testNow.Add(15*time.Minute)) {
		t.Fatalf("REQUIRED: got %s/%s hold %v", r.Status, r.PaymentStatus, r.HoldExpiresAt)
	}
	move := func(tenantID uuid.UUID, ps models.PaymentStatus) (bool, *booking.PaymentView, error) {
		var changed bool
		var view *booking.PaymentView
		err := f.db.Data.InTenant(context.Background(), tenantID, func(tx *database.Tx) error {
			booking.QueueReservationForPayment(tx, r.ID, uuid.Nil, &view)
			if err := tx.Send(); err != nil {
				return err
			}
			if view == nil {
				return booking.ErrReservationNotFound
			}
			before := *view
			_, moved, err := f.svc.MovePaymentStatus(tx, view, booking.PaymentMove{Status: ps}, "system", "")
			changed, view = moved, &before
			return err
		})
		return changed, view, err
	}
	apply := func(ps models.PaymentStatus) (bool, *booking.PaymentView) {
		changed, view, err := move(r.TenantID, ps)
		if err != nil {
			t.Fatalf("apply %s: %v", ps, err)
		}
		return changed, view
	}
	if changed, view := apply(models.PaymentPending); !changed || view.Amount != 10000 || view.Currency != "PLN" || view.ServiceName != "Haircut" {
		t.Fatalf("PENDING: changed %v view %+v", changed, view)
	}
	if changed, _ := apply(models.PaymentPaid); !changed {
		t.Fatal("PAID did not change anything")
	}
	if changed, _ := apply(models.PaymentPaid); changed {
		t.Fatal("a repeated PAID changed something")
	}
	got, err := f.svc.Reservation(context.Background(), customer(r), r.ID)
	if err != nil || got.Status != models.StatusConfirmed || got.PaymentStatus != models.PaymentPaid {
		t.Fatalf("after PAID: %+v %v", got, err)
	}
	if n := f.count(t, `SELECT count(*) FROM reservation_history WHERE reservation_id = ?`, r.ID); n != 3 {
		t.Fatalf("history rows: %d, want 3 (created, pending, paid)", n)
	}
	// Another tenant's id is not found through the payment API either.
	other, _ := f.newTenant(t, "Europe/Warsaw")
	if _, _, err := move(other.TenantID, models.PaymentPaid); !booking.IsReservationNotFound(err) {
		t.Fatalf("other tenant: %v", err)
	}
}

// heldReservation books a REQUIRED service (a 15-minute hold) in a new fixture.
func heldReservation(t *testing.T) (*fixture, models.Reservation) {
	t.Helper()
	f := newFixture(t, testNow)
	s := f.serviceWithStaff(t, f.owner, booking.ServiceInput{PaymentPolicy: ptr(models.PaymentPolicyRequired), HoldMinutes: ptr(15)})
	created, err := f.book(t, s, time.Date(2026, 3, 23, 10, 0, 0, 0, warsaw(t)), "")
	if err != nil {
		t.Fatal(err)
	}
	return f, created.Reservation
}
