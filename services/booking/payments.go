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

	// locked is the reservation row read and locked (FOR UPDATE) by ReservationForPaymentTx, for
	// ApplyPaymentStatusLockedTx in the same transaction.
	locked *models.Reservation
}

// ReservationForPaymentTx reads a reservation for payment and locks it (FOR UPDATE) until tx ends,
// so a concurrent expiry or cancellation waits for the payment decision. An unknown id, or another
// tenant's, is ErrReservationNotFound.
func (s *Service) ReservationForPaymentTx(tx *gorm.DB, tenantID, reservationID uuid.UUID) (*PaymentView, error) {
	// One statement: the reservation, locked, with its service's name.
	var row struct {
		models.Reservation
		ServiceName string
	}
	res := tx.Raw(`SELECT r.*, s.name AS service_name FROM reservations r
		JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
		WHERE r.tenant_id = ? AND r.id = ? FOR UPDATE OF r`, tenantID, reservationID).Scan(&row)
	if res.Error != nil {
		return nil, fmt.Errorf("reservation for payment: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrReservationNotFound.Wrap(gorm.ErrRecordNotFound)
	}
	r := &row.Reservation
	return &PaymentView{ReservationID: r.ID, TenantID: r.TenantID, Amount: r.PriceAmount, Currency: r.Currency,
		Status: r.Status, PaymentStatus: r.PaymentStatus, HoldExpiresAt: r.HoldExpiresAt, StartsAt: r.StartsAt,
		CustomerName: r.CustomerName, CustomerEmail: r.CustomerEmail, CustomerPhone: r.CustomerPhone, ServiceName: row.ServiceName,
		locked: r}, nil
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
	return s.applyPaymentStatus(tx, r, ps, actor, reason)
}

// ApplyPaymentStatusLockedTx is ApplyPaymentStatusTx for the reservation view (from
// ReservationForPaymentTx in the same transaction, tx) already read and locked: it does not read
// and lock the row a second time.
func (s *Service) ApplyPaymentStatusLockedTx(tx *gorm.DB, view *PaymentView, ps models.PaymentStatus, actor, reason string) (changed bool, err error) {
	if view.locked == nil {
		return s.ApplyPaymentStatusTx(tx, view.TenantID, view.ReservationID, ps, actor, reason)
	}
	if !ps.Valid() {
		return false, fmt.Errorf("apply payment status: unknown status %q", ps)
	}
	if actor == "" {
		actor = HistoryActorSystem
	}
	return s.applyPaymentStatus(tx, view.locked, ps, actor, reason)
}

// applyPaymentStatus is ApplyPaymentStatusTx on a reservation locked in tx.
func (s *Service) applyPaymentStatus(tx *gorm.DB, r *models.Reservation, ps models.PaymentStatus, actor, reason string) (changed bool, err error) {
	tenantID, reservationID := r.TenantID, r.ID
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
