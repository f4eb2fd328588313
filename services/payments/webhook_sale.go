package payments

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/imoje"
)

// errDuplicate ends a transaction that has nothing to do: the body was stored before.
var errDuplicate = errors.New("duplicate notification")

// OutcomeDuplicate is answered (not stored) for a body received before.
const OutcomeDuplicate = "DUPLICATE"

// notificationUnique is the constraint that stores each body once per tenant.
const notificationUnique = "imoje_notifications_tenant_id_body_sha256_key"

// applySaleNotification is applyNotification for a sale notification naming our payment paymentID,
// as one transaction in two round trips (database.PipelineInTenant) instead of a dozen:
//
//  1. lock the payment and the reservation's other active payments, then the reservation (with its
//     service's name); re-read the shop's row (is the key the signature was checked with still the
//     shop's? does the business refund unwanted money itself?) and whether this body was stored
//     before;
//  2. decideSale, in Go; then the notification row with its outcome, the superseded payments, the
//     payment's update, the reservation's update and history row (or a history note), an automatic
//     refund when one is due, the live events (pg_notify, delivered on commit only),
//     last_notification_at when over a second old, and COMMIT.
//
// The rules are the ones of the general path (decideSale, and booking's QueuePaymentStatusLocked
// and QueuePaymentNoteLocked, reserveRefund's statement). Two copies of one body racing past the
// check of step 1 meet at the notification's unique constraint, the first statement of step 2: the
// second one's transaction aborts before it writes anything, and it is a duplicate. It returns the
// automatic refund to send after commit.
func (s *Service) applySaleNotification(ctx context.Context, sh *shop, body []byte, n *imoje.Notification, paymentID uuid.UUID) (string, []uuid.UUID, error) {
	t := n.Transaction
	sum := sha256.Sum256(body)
	linkID := ""
	if n.Payment != nil {
		linkID = n.Payment.ID
	}
	var (
		pay        *models.Payment
		view       *booking.PaymentView
		others     []models.Payment
		shopFound  bool
		keySealed  string
		lastNote   *time.Time
		autoRefund bool
		seen       bool
		outcome    string
		detail     string
		refunds    []uuid.UUID
		// transactionOf: another payment that already has this transaction's id.
		transactionOf *uuid.UUID
		txID          *uuid.UUID
	)
	if id, err := uuid.Parse(t.ID); err == nil {
		txID = &id
	}
	read := func(b *pgx.Batch) {
		// The payment and its reservation's other active payments (one of them may be superseded),
		// locked in id order, so that two settlements of one reservation never deadlock.
		b.Queue(`SELECT `+database.Columns[models.Payment]()+` FROM payments
			WHERE tenant_id = $1 AND (id = $2 OR (status = ANY($3)
			  AND reservation_id = (SELECT reservation_id FROM payments WHERE tenant_id = $1 AND id = $2)))
			ORDER BY id FOR UPDATE`,
			sh.tenantID, paymentID, activeStates).Query(func(rows pgx.Rows) error {
			got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[models.Payment])
			for i := range got {
				if got[i].ID == paymentID {
					pay = &got[i]
				} else {
					others = append(others, got[i])
				}
			}
			return err
		})
		booking.QueueReservationOfPaymentForUpdate(b, sh.tenantID, paymentID, &view)
		// After the locks: a copy of this body committed while this transaction waited for them is
		// seen here.
		b.Queue(`SELECT c.service_key_sealed, c.last_notification_at,
				coalesce((SELECT m.auto_refund_unwanted FROM payment_methods m WHERE m.tenant_id = c.tenant_id AND m.id = c.payment_method_id), true),
				(SELECT p.id FROM payments p WHERE p.tenant_id = c.tenant_id AND p.imoje_transaction_id = $6 AND p.id <> $7),
				EXISTS (SELECT 1 FROM imoje_notifications n WHERE n.tenant_id = c.tenant_id AND n.body_sha256 = $5)
			FROM imoje_credentials c
			WHERE c.tenant_id = $1 AND c.payment_method_id = $2 AND c.merchant_id = $3 AND c.service_id = $4`,
			sh.tenantID, sh.paymentMethodID, sh.merchantID, sh.serviceID, sum[:], txID, paymentID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				shopFound = true
				if err := rows.Scan(&keySealed, &lastNote, &autoRefund, &transactionOf, &seen); err != nil {
					return err
				}
			}
			return rows.Err()
		})
	}
	decide := func(b *pgx.Batch) error {
		refunds = nil
		if !shopFound || keySealed != sh.keySealed {
			return errStaleShop
		}
		if seen {
			return errDuplicate
		}
		now := s.now()
		rec := models.ImojeNotification{TenantID: sh.tenantID, ID: uuid.New(), Body: string(body), BodySHA256: sum[:], ReceivedAt: now,
			Kind: t.Type, ImojeID: t.ID, ImojeStatus: t.Status, OrderID: t.OrderID}
		var d saleDecision
		switch {
		case pay == nil:
			outcome, detail = OutcomeUnknownOrder, "no payment for order "+t.OrderID
		case view == nil:
			return fmt.Errorf("payment %s: its reservation was not found", pay.ID)
		default:
			rec.PaymentID = &pay.ID
			d = decideSale(now, pay, saleContext{serviceID: sh.serviceID, linkID: linkID, view: view, others: others,
				autoRefund: autoRefund, transactionOf: transactionOf}, t)
			outcome, detail = d.outcome, d.detail
		}
		rec.Outcome, rec.Detail = outcome, detail
		// The notification first: a copy committed meanwhile aborts the transaction right here.
		b.Queue(`INSERT INTO imoje_notifications (tenant_id, id, body, body_sha256, kind, imoje_id, imoje_status, order_id,
				payment_id, outcome, detail, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			rec.TenantID, rec.ID, rec.Body, rec.BodySHA256, rec.Kind, rec.ImojeID, rec.ImojeStatus, rec.OrderID,
			rec.PaymentID, rec.Outcome, rec.Detail, rec.ReceivedAt)
		if len(d.supersede) > 0 {
			// Before the payment's own update: the reservation's one active slot changes hands.
			b.Queue(`UPDATE payments SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = ANY($2)`,
				pay.TenantID, d.supersede, models.PaymentStateSuperseded, now)
		}
		if d.updates != nil {
			database.QueueUpdate(b, "payments", pay.TenantID, pay.ID, d.updates)
		}
		var publish []events.Event
		if d.moved {
			pay.Status = d.target
			reason := strings.Replace(d.reason, "imoje ", "imoje notification: ", 1)
			if d.follow {
				changed, ev, err := s.booking.QueuePaymentStatusLocked(b, view, reservationPaymentStatus(d.target), booking.HistoryActorSystem, reason)
				if err != nil {
					return err
				}
				if changed {
					publish = append(publish, ev)
				}
			}
			if d.note != "" {
				ev, err := s.booking.QueuePaymentNoteLocked(b, view, booking.HistoryActorSystem, d.note)
				if err != nil {
					return err
				}
				publish = append(publish, ev)
			}
			if d.refund {
				ref := s.automaticRefund(pay, d.detail)
				sql, args := s.reserveRefund(&ref, pay.PaymentMethodID)
				b.Queue(numbered(sql), args...)
				refunds = append(refunds, ref.ID)
			}
			publish = append(publish, paymentEvent(pay))
			for _, id := range d.supersede {
				publish = append(publish, events.Event{Kind: events.PaymentUpdated, TenantID: pay.TenantID, ReservationID: pay.ReservationID, PaymentID: id})
			}
		}
		if err := events.QueueBatch(b, publish...); err != nil {
			return err
		}
		// Last, after the payment's lock (refunds lock payment, then shop), and at most once a
		// second, so busy shops do not queue on one row; the row read above says when it is fresh.
		if lastNote == nil || lastNote.Before(now.Add(-time.Second)) {
			b.Queue(`UPDATE imoje_credentials SET last_notification_at = $3
				WHERE tenant_id = $1 AND payment_method_id = $2 AND (last_notification_at IS NULL OR last_notification_at < $4)`,
				sh.tenantID, sh.paymentMethodID, now, now.Add(-time.Second))
		}
		return nil
	}
	err := database.PipelineInTenant(ctx, s.pool, sh.tenantID, read, decide)
	if errors.Is(err, errDuplicate) {
		return OutcomeDuplicate, nil, nil
	}
	if ok, constraint := isUnique(err); ok && constraint == notificationUnique {
		return OutcomeDuplicate, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	if outcome == OutcomeMismatch || outcome == OutcomeUnknownOrder || detail != "" {
		s.o.Log.WarnContext(ctx, "imoje notification kept for the operator", "tenant_id", sh.tenantID.String(), "outcome", outcome, "detail", detail)
	}
	return outcome, refunds, nil
}
