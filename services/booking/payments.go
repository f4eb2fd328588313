package booking

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/events"
)

// This file is the payments domain's way into reservations. Both functions run inside a transaction
// the caller opened with database.InTenant for tenantID (e.g. while handling an imoje notification),
// so the payment row and the reservation change commit or roll back together.

// PaymentView is what the payments domain needs to know about a reservation.
type PaymentView struct {
	ReservationID uuid.UUID
	TenantID      uuid.UUID
	Amount        int64
	Currency      string
	Status        models.ReservationStatus
	PaymentStatus models.PaymentStatus
	// HoldExpiresAt is when an unpaid PENDING_PAYMENT reservation expires (nil otherwise).
	HoldExpiresAt *time.Time
	StartsAt      time.Time
	CustomerName  string
	CustomerEmail string
	CustomerPhone string
	ServiceName   string
}

// ReservationForPaymentTx reads a reservation for payment and locks it (FOR UPDATE) until tx ends,
// so a concurrent expiry or cancellation waits for the payment decision. An unknown id, or another
// tenant's, is ErrReservationNotFound.
func (s *Service) ReservationForPaymentTx(tx *gorm.DB, tenantID, reservationID uuid.UUID) (*PaymentView, error) {
	r, err := lockReservation(tx.Where("tenant_id = ?", tenantID), reservationID)
	if err != nil {
		return nil, err
	}
	var svc models.Service
	if err := tx.Select("name").First(&svc, "tenant_id = ? AND id = ?", tenantID, r.ServiceID).Error; err != nil {
		return nil, fmt.Errorf("reservation for payment: %w", err)
	}
	return &PaymentView{ReservationID: r.ID, TenantID: r.TenantID, Amount: r.PriceAmount, Currency: r.Currency,
		Status: r.Status, PaymentStatus: r.PaymentStatus, HoldExpiresAt: r.HoldExpiresAt, StartsAt: r.StartsAt,
		CustomerName: r.CustomerName, CustomerEmail: r.CustomerEmail, CustomerPhone: r.CustomerPhone, ServiceName: svc.Name}, nil
}

// ApplyPaymentStatusTx records a reservation's new payment status, with a history row and a live
// update, and returns whether anything changed (the same status again is a no-op, so repeated
// notifications are harmless). PAID confirms a PENDING_PAYMENT reservation, even when its hold has
// just run out but it has not been expired yet: its seat is still held, so nobody else has the slot.
// A reservation already EXPIRED or CANCELLED keeps its status: the money must then be refunded by
// the caller (check PaymentView.Status). actor is "system" for provider notifications, or a user id.
func (s *Service) ApplyPaymentStatusTx(tx *gorm.DB, tenantID, reservationID uuid.UUID, ps models.PaymentStatus, actor, reason string) (changed bool, err error) {
	if !ps.Valid() {
		return false, fmt.Errorf("apply payment status: unknown status %q", ps)
	}
	if actor == "" {
		actor = HistoryActorSystem
	}
	r, err := lockReservation(tx.Where("tenant_id = ?", tenantID), reservationID)
	if err != nil {
		return false, err
	}
	if r.PaymentStatus == ps {
		return false, nil
	}
	now := s.Now()
	fromStatus, fromPayment := r.Status, r.PaymentStatus
	updates := map[string]any{"payment_status": ps, "updated_at": now}
	r.PaymentStatus = ps
	if ps == models.PaymentPaid && CanTransition(r.Status, models.StatusConfirmed, ActorSystem) {
		updates["status"] = models.StatusConfirmed
		r.Status = models.StatusConfirmed
	}
	if err := tx.Model(&models.Reservation{}).Where("tenant_id = ? AND id = ?", tenantID, reservationID).Updates(updates).Error; err != nil {
		return false, fmt.Errorf("apply payment status: %w", err)
	}
	r.UpdatedAt = now
	if reason == "" {
		reason = "payment " + string(ps)
	}
	if err := recordTransition(tx, r, &fromStatus, &fromPayment, actor, reason, events.ReservationUpdated, now); err != nil {
		return false, fmt.Errorf("apply payment status: %w", err)
	}
	return true, nil
}

// IsReservationNotFound reports ErrReservationNotFound in err's chain.
func IsReservationNotFound(err error) bool { return errors.Is(err, ErrReservationNotFound) }
