package booking

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/messages"
)

// This file holds the SQL the reservation paths share. Every function takes the transaction it runs
// in (a database.Tx, or its gorm handle); the caller has scoped it to a tenant, so row-level
// security applies to everything here.

// queueCreate queues the writes of a new reservation r of svc: expire the lapsed holds in its way
// (they never block), find or create the occupation of (staff, service, start, end) — ON CONFLICT
// makes concurrent bookers of one class meet on one row, whose capacity and blocked range follow the
// service as it is now while it holds no seat — and insert the reservation on it. The claim takes
// no seat: inserting the reservation does (the trigger), and that is where the database refuses an
// overlap or a full class. The reservation links to the customer link names (created just before
// by link.Queue when new). r.OccupationID and r.CustomerID are set when the round trip has run.
func queueCreate(tx *database.Tx, r *models.Reservation, svc *models.Service, link customers.Link, now time.Time) {
	queueClaim(tx, r, svc, now)
	tx.Queue(`INSERT INTO reservations (tenant_id, id, service_id, staff_member_id, occupation_id, starts_at, ends_at,
			status, payment_status, price_amount, currency, hold_expires_at, customer_name, customer_email, customer_phone,
			note, source, created_by, idempotency_key, request_hash, created_at, updated_at, deposit_amount, decision_deadline, customer_id)
		SELECT $1, $2, $3, $4, o.id, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			`+customers.CustomerIDSQL("$24", "$25")+`
		FROM occupations o
		WHERE o.tenant_id = $1 AND o.staff_member_id = $4 AND o.service_id = $3 AND o.starts_at = $5 AND o.ends_at = $6
		RETURNING customer_id`,
		r.ID, r.ServiceID, r.StaffMemberID, r.StartsAt, r.EndsAt,
		r.Status, r.PaymentStatus, r.PriceAmount, r.Currency, r.HoldExpiresAt, r.CustomerName, r.CustomerEmail, r.CustomerPhone,
		r.Note, r.Source, r.CreatedBy, r.IdempotencyKey, r.RequestHash, r.CreatedAt, r.UpdatedAt, r.DepositAmount, r.DecisionDeadline,
		link.IDArg(), link.EmailNormalized).
		QueryRow(func(row pgx.Row) error {
			if err := row.Scan(&r.CustomerID); err != nil {
				return fmt.Errorf("insert reservation: %w", err)
			}
			return nil
		})
}

// queueClaim queues the claim of r's occupation (r's staff member, service, start and end) for
// queueCreate and a reschedule: expire the lapsed holds in its way, then find or create the
// occupation (see queueCreate). r.OccupationID is set when the round trip has run.
func queueClaim(tx *database.Tx, r *models.Reservation, svc *models.Service, now time.Time) {
	blockedFrom := r.StartsAt.Add(-time.Duration(svc.BufferBeforeMinutes) * time.Minute)
	blockedTo := r.EndsAt.Add(time.Duration(svc.BufferAfterMinutes) * time.Minute)
	tx.Queue(`SELECT booking_expire_overlapping_holds($1, $2, $3, $4, $5)`, r.StaffMemberID, blockedFrom, blockedTo, now)
	tx.Queue(`INSERT INTO occupations AS o (tenant_id, id, staff_member_id, service_id, starts_at, ends_at,
			blocked_from, blocked_to, capacity, seats_taken, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10)
		ON CONFLICT (tenant_id, staff_member_id, service_id, starts_at, ends_at) DO UPDATE SET
			capacity = EXCLUDED.capacity,
			blocked_from = CASE WHEN o.seats_taken = 0 THEN EXCLUDED.blocked_from ELSE o.blocked_from END,
			blocked_to = CASE WHEN o.seats_taken = 0 THEN EXCLUDED.blocked_to ELSE o.blocked_to END,
			updated_at = EXCLUDED.updated_at
		RETURNING o.id`,
		uuid.New(), r.StaffMemberID, r.ServiceID, r.StartsAt, r.EndsAt, blockedFrom, blockedTo, svc.Capacity, now).
		QueryRow(func(row pgx.Row) error { return row.Scan(&r.OccupationID) })
}

// lockReservation reads a reservation FOR UPDATE.
func lockReservation(tx *gorm.DB, id uuid.UUID) (*models.Reservation, error) {
	var r models.Reservation
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrReservationNotFound.Wrap(err)
	}
	return &r, err
}

// holdLapsed reports whether r is a hold whose time has passed by now: it no longer holds its slot,
// and whoever meets it first (a read, a change, the expiry worker) expires it.
func holdLapsed(r *models.Reservation, now time.Time) bool {
	return r.Status == models.StatusPendingPayment && r.HoldExpiresAt != nil && !r.HoldExpiresAt.After(now)
}

// expireIfOverdue expires a locked hold whose time has passed (the worker may be late) and reloads it.
func expireIfOverdue(tx *gorm.DB, r *models.Reservation, now time.Time) error {
	if !holdLapsed(r, now) {
		return nil
	}
	if err := tx.Exec(`SELECT booking_expire_hold(?, ?, ?)`, r.TenantID, r.ID, now).Error; err != nil {
		return err
	}
	return tx.First(r, "id = ?", r.ID).Error
}

// insertHistorySQL inserts a history row ($1 the tenant, then historyArgs).
const insertHistorySQL = `INSERT INTO reservation_history (tenant_id, id, reservation_id, from_status, to_status, from_payment_status,
		to_payment_status, actor, reason, from_starts_at, to_starts_at, from_staff_member_id, to_staff_member_id, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

func historyArgs(h models.ReservationHistory) []any {
	return []any{h.ID, h.ReservationID, h.FromStatus, h.ToStatus, h.FromPaymentStatus, h.ToPaymentStatus, h.Actor, h.Reason,
		h.FromStartsAt, h.ToStartsAt, h.FromStaffMemberID, h.ToStaffMemberID, h.CreatedAt}
}

// queueHistoryRow queues the insert of a history row of tx's tenant, and of the messages the change
// calls for (messages.Decide): every change of a reservation made here writes its history row here,
// so this is the one place a change records its e-mails, in the change's own round trips.
func queueHistoryRow(tx *database.Tx, h models.ReservationHistory) {
	tx.Queue(insertHistorySQL, historyArgs(h)...)
	messages.RecordReservationChange(tx, h)
}

// recordTransition queues the history row of a change and its live update into tx's commit.
func recordTransition(tx *database.Tx, r *models.Reservation, from *models.ReservationStatus, fromPayment *models.PaymentStatus,
	actor, reason string, kind events.Kind, now time.Time) error {
	h, ev := transition(r, from, fromPayment, actor, reason, kind, now)
	queueHistoryRow(tx, h)
	return events.Publish(tx, ev)
}

// transition is the history row and the live event of a change (recordTransition writes them).
func transition(r *models.Reservation, from *models.ReservationStatus, fromPayment *models.PaymentStatus,
	actor, reason string, kind events.Kind, now time.Time) (models.ReservationHistory, events.Event) {
	h := models.ReservationHistory{TenantID: r.TenantID, ID: uuid.New(), ReservationID: r.ID,
		FromStatus: from, ToStatus: r.Status, FromPaymentStatus: fromPayment, ToPaymentStatus: r.PaymentStatus,
		Actor: actor, Reason: reason, CreatedAt: now}
	return h, events.Event{Kind: kind, TenantID: r.TenantID, ReservationID: r.ID,
		ServiceID: r.ServiceID, StaffMemberID: r.StaffMemberID, From: r.StartsAt, To: r.EndsAt}
}
