package booking

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
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
	// TimeZone is the business's IANA zone, in which the customer knows the visit's time.
	TimeZone string

	// locked is the reservation row read and locked (FOR UPDATE) by ReservationForPaymentTx, for
	// ApplyPaymentStatusLockedTx in the same transaction.
	locked *models.Reservation
}

// ReservationForPaymentTx reads a reservation for payment and locks it (FOR UPDATE) until tx ends,
// so a concurrent expiry or cancellation waits for the payment decision. An unknown id, or another
// tenant's, is ErrReservationNotFound.
func (s *Service) ReservationForPaymentTx(tx *gorm.DB, tenantID, reservationID uuid.UUID) (*PaymentView, error) {
	// One statement: the reservation, locked, with its service's name and the business's zone.
	var row paymentViewRow
	res := tx.Raw(`SELECT r.*, s.name AS service_name, t.time_zone FROM reservations r
		JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
		JOIN tenants t ON t.id = r.tenant_id
		WHERE r.tenant_id = ? AND r.id = ? FOR UPDATE OF r`, tenantID, reservationID).Scan(&row)
	if res.Error != nil {
		return nil, fmt.Errorf("reservation for payment: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrReservationNotFound.Wrap(gorm.ErrRecordNotFound)
	}
	return row.view(), nil
}

// paymentViewRow is what both readers of a PaymentView scan: the reservation, its service's name
// and its business's zone.
type paymentViewRow struct {
	models.Reservation
	ServiceName string
	TimeZone    string
}

func (row *paymentViewRow) view() *PaymentView {
	r := &row.Reservation
	return &PaymentView{ReservationID: r.ID, TenantID: r.TenantID, Amount: r.PriceAmount, Currency: r.Currency,
		Status: r.Status, PaymentStatus: r.PaymentStatus, HoldExpiresAt: r.HoldExpiresAt, StartsAt: r.StartsAt,
		CustomerName: r.CustomerName, CustomerEmail: r.CustomerEmail, CustomerPhone: r.CustomerPhone,
		ServiceName: row.ServiceName, TimeZone: row.TimeZone, locked: r}
}

// LocalStart is the visit's start in the business's zone (UTC if the zone cannot be loaded).
func (v *PaymentView) LocalStart() time.Time {
	loc, err := loadLocation(v.TimeZone)
	if err != nil {
		return v.StartsAt.UTC()
	}
	return v.StartsAt.In(loc)
}

// reservationForPaymentSQL reads what ReservationForPaymentTx reads, for the reservation of a
// payment ($1 tenant, $2 payment id), and locks the reservation.
var reservationForPaymentSQL = `SELECT ` + prefixed("r", database.Columns[models.Reservation]()) + `, s.name AS service_name, t.time_zone
	FROM reservations r JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
	JOIN tenants t ON t.id = r.tenant_id
	WHERE r.tenant_id = $1 AND r.id = (SELECT p.reservation_id FROM payments p WHERE p.tenant_id = $1 AND p.id = $2)
	FOR UPDATE OF r`

func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// QueueReservationOfPaymentForUpdate is ReservationForPaymentTx for a pgx pipeline
// (database.PipelineInTenant): it queues the read of payment paymentID's reservation, locked until
// the transaction ends, with its service's name. Queue it after the statement that locks the
// payment (lock order: payment, then reservation). When the batch has run, *out holds the view
// (for QueuePaymentStatusLocked), or stays nil when there is no such payment.
func QueueReservationOfPaymentForUpdate(b *pgx.Batch, tenantID, paymentID uuid.UUID, out **PaymentView) {
	b.Queue(reservationForPaymentSQL, tenantID, paymentID).Query(func(rows pgx.Rows) error {
		got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[paymentViewRow])
		if err != nil {
			return fmt.Errorf("reservation for payment: %w", err)
		}
		if len(got) == 1 {
			*out = got[0].view()
		}
		return nil
	})
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

// QueuePaymentStatusLocked is ApplyPaymentStatusLockedTx for a pgx pipeline
// (database.PipelineInTenant): the same rules, with the reservation update and its history row
// queued into b instead of executed, and the live event returned for the caller to publish in the
// same transaction. view must come from QueueReservationOfPaymentForUpdate in that transaction.
func (s *Service) QueuePaymentStatusLocked(b *pgx.Batch, view *PaymentView, ps models.PaymentStatus, actor, reason string) (changed bool, ev events.Event, err error) {
	if view.locked == nil {
		return false, events.Event{}, errors.New("queue payment status: the reservation is not locked in this transaction")
	}
	if !ps.Valid() {
		return false, events.Event{}, fmt.Errorf("queue payment status: unknown status %q", ps)
	}
	if actor == "" {
		actor = HistoryActorSystem
	}
	c, ok := s.paymentStatusChange(view.locked, ps, actor, reason)
	if !ok {
		return false, events.Event{}, nil
	}
	database.QueueUpdate(b, "reservations", c.reservation.TenantID, c.reservation.ID, c.updates)
	queueHistory(b, c.history)
	return true, c.event, nil
}

// paymentStatusChange is what a new payment status does to a locked reservation (changed in place):
// the columns to update, the history row and the live event. ok is false when nothing changes.
type paymentStatusChange struct {
	reservation *models.Reservation
	updates     map[string]any
	history     models.ReservationHistory
	event       events.Event
}

func (s *Service) paymentStatusChange(r *models.Reservation, ps models.PaymentStatus, actor, reason string) (paymentStatusChange, bool) {
	if r.PaymentStatus == ps {
		return paymentStatusChange{}, false
	}
	now := s.Now()
	fromStatus, fromPayment := r.Status, r.PaymentStatus
	updates := map[string]any{"payment_status": ps, "updated_at": now}
	r.PaymentStatus = ps
	if ps == models.PaymentPaid && CanTransition(r.Status, models.StatusConfirmed, ActorSystem) {
		updates["status"] = models.StatusConfirmed
		r.Status = models.StatusConfirmed
	}
	r.UpdatedAt = now
	if reason == "" {
		reason = "payment " + string(ps)
	}
	h, ev := transition(r, &fromStatus, &fromPayment, actor, reason, events.ReservationUpdated, now)
	return paymentStatusChange{reservation: r, updates: updates, history: h, event: ev}, true
}

// applyPaymentStatus is ApplyPaymentStatusTx on a reservation locked in tx.
func (s *Service) applyPaymentStatus(tx *gorm.DB, r *models.Reservation, ps models.PaymentStatus, actor, reason string) (changed bool, err error) {
	c, ok := s.paymentStatusChange(r, ps, actor, reason)
	if !ok {
		return false, nil
	}
	if err := tx.Model(&models.Reservation{}).Where("tenant_id = ? AND id = ?", r.TenantID, r.ID).Updates(c.updates).Error; err != nil {
		return false, fmt.Errorf("apply payment status: %w", err)
	}
	if err := tx.Create(&c.history).Error; err != nil {
		return false, fmt.Errorf("apply payment status: %w", err)
	}
	if err := events.PublishGorm(tx, c.event); err != nil {
		return false, fmt.Errorf("apply payment status: %w", err)
	}
	return true, nil
}

// IsReservationNotFound reports ErrReservationNotFound in err's chain.
func IsReservationNotFound(err error) bool { return errors.Is(err, ErrReservationNotFound) }

// A payment note is a history row (and a live update) about the reservation's money that changes
// neither of its statuses: a second payment that settled for a reservation already paid, refunded.
// Staff see it in the history, and dashboards are told the reservation changed.

// PaymentNoteLockedTx records a payment note on the reservation view locked in tx.
func (s *Service) PaymentNoteLockedTx(tx *gorm.DB, view *PaymentView, actor, reason string) error {
	h, ev, err := s.paymentNote(view, actor, reason)
	if err != nil {
		return err
	}
	if err := tx.Create(&h).Error; err != nil {
		return fmt.Errorf("payment note: %w", err)
	}
	return events.PublishGorm(tx, ev)
}

// QueuePaymentNoteLocked is PaymentNoteLockedTx for a pgx pipeline: the history row is queued into
// b and the live event returned for the caller to publish in the same transaction.
func (s *Service) QueuePaymentNoteLocked(b *pgx.Batch, view *PaymentView, actor, reason string) (events.Event, error) {
	h, ev, err := s.paymentNote(view, actor, reason)
	if err != nil {
		return events.Event{}, err
	}
	queueHistory(b, h)
	return ev, nil
}

func (s *Service) paymentNote(view *PaymentView, actor, reason string) (models.ReservationHistory, events.Event, error) {
	if view.locked == nil {
		return models.ReservationHistory{}, events.Event{}, errors.New("payment note: the reservation is not locked in this transaction")
	}
	if actor == "" {
		actor = HistoryActorSystem
	}
	r := view.locked
	status, payment := r.Status, r.PaymentStatus
	h, ev := transition(r, &status, &payment, actor, reason, events.ReservationUpdated, s.Now())
	return h, ev, nil
}
