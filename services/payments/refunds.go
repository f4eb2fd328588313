package payments

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/tracing"
)

// RefundPayment gives money back on a settled imoje payment (OWNER/ADMIN), in full when amount is
// nil. Never more than paid minus refunded (refunds still in progress count as refunded).
func (s *Service) RefundPayment(ctx context.Context, p *auth.Principal, paymentID uuid.UUID, amount *int64, reason string) (*models.Refund, error) {
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 255 {
		return nil, apperr.Invalid("reason", "reason must be at most 255 characters")
	}
	if amount != nil && *amount <= 0 {
		return nil, apperr.Invalid("amount", "refund amount must be positive")
	}
	var ref models.Refund
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var pay models.Payment
		err := tx.Gorm().Clauses(lockUpdate).First(&pay, "id = ?", paymentID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrPaymentNotFound.WithField("paymentId")
		}
		if err != nil {
			return err
		}
		if !pay.Status.Settled() || pay.ImojeTransactionID == nil {
			return ErrNotRefundable
		}
		var inFlight int64
		if err := tx.Gorm().Model(&models.Refund{}).Select("coalesce(sum(amount), 0)").
			Where("payment_id = ? AND status IN ('REQUESTED', 'PENDING')", pay.ID).Scan(&inFlight).Error; err != nil {
			return err
		}
		want, err := refundAmount(&pay, inFlight, amount)
		if err != nil {
			return err
		}
		uid := p.UserID
		now := s.now()
		ref = models.Refund{TenantID: p.TenantID, ID: uuid.New(), PaymentID: pay.ID, Amount: want, Status: "REQUESTED",
			Reason: reason, RequestedBy: &uid, CreatedAt: now, UpdatedAt: now}
		s.queueReserveRefund(tx, &ref, pay.PaymentMethodID)
		return nil
	})
	if err != nil {
		return nil, wrap("refund", err)
	}
	// Sent even if the caller goes away meanwhile: the refund is reserved, its spacing counted.
	return s.sendRefund(context.WithoutCancel(ctx), p.TenantID, ref.ID)
}

// automaticRefund is the refund slotpay makes by itself of a whole settled payment nobody wants
// (a duplicate charge, money for a cancelled or expired reservation); reserveRefund records it.
func (s *Service) automaticRefund(pay *models.Payment, why string) models.Refund {
	return s.ownRefund(pay, pay.Amount-pay.RefundedAmount, "automatic: "+why, nil)
}

// ownRefund is a refund of amount that slotpay sends by itself once the transaction recording it
// has committed (sendLater): Automatic, so reconciliation sends it again if the process stops
// first. requestedBy is the staff member whose action made it (a cancellation), nil for slotpay's
// own decisions.
func (s *Service) ownRefund(pay *models.Payment, amount int64, reason string, requestedBy *uuid.UUID) models.Refund {
	now := s.now()
	return models.Refund{TenantID: pay.TenantID, ID: uuid.New(), PaymentID: pay.ID, Amount: amount, Status: "REQUESTED",
		Reason: truncate(reason, 255), RequestedBy: requestedBy, Automatic: true, CreatedAt: now, UpdatedAt: now}
}

// queueReserveRefund queues the one statement that records a refund REQUESTED and reserves its
// start time: refunds of one merchant are spaced by RefundSpacing, as imoje asks, so each refund
// takes the merchant's next free time (imoje_credentials.next_refund_at, moved on under that row's
// lock in the same statement) as its not_before. The refund is then sent (sendRefund) without
// holding any lock. Lock order: the payment is locked before (the caller's), the merchant's row
// here.
func (s *Service) queueReserveRefund(tx *database.Tx, ref *models.Refund, paymentMethodID uuid.UUID) {
	// A tenth more than imoje's spacing: imoje measures it between the calls' arrivals, and the
	// network may delay the first more than the second.
	gap := s.o.RefundSpacing + max(s.o.RefundSpacing/10, 50*time.Millisecond)
	now := s.now()
	tx.Queue(`WITH slot AS (
			UPDATE imoje_credentials SET next_refund_at = greatest(next_refund_at, $2::timestamptz) + make_interval(secs => $3)
			WHERE tenant_id = $1 AND payment_method_id = $4
			RETURNING next_refund_at - make_interval(secs => $3) AS not_before)
		INSERT INTO refunds (tenant_id, id, payment_id, amount, status, reason, requested_by, automatic, not_before, created_at, updated_at)
		SELECT $1, $5, $6, $7, 'REQUESTED', $8, $9, $10, coalesce((SELECT not_before FROM slot), $2::timestamptz), $11, $12`,
		now, gap.Seconds(), paymentMethodID, ref.ID, ref.PaymentID, ref.Amount, ref.Reason, ref.RequestedBy, ref.Automatic, ref.CreatedAt, ref.UpdatedAt)
}

// sendRefund asks imoje for a REQUESTED refund at its reserved time and records the answer through
// the notification path (moveRefund). A refund imoje did not answer stays REQUESTED with the
// error noted; reconciliation asks imoje about it (GET transaction lists a sale's refunds) and
// sends an automatic one again only when imoje has no record of it.
func (s *Service) sendRefund(ctx context.Context, tenantID, refundID uuid.UUID) (*models.Refund, error) {
	var (
		ref    models.Refund
		pay    models.Payment
		cred   models.ImojeCredentials
		client *imoje.Client
	)
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		if err := tx.Gorm().First(&ref, "tenant_id = ? AND id = ?", tenantID, refundID).Error; err != nil {
			return err
		}
		if err := tx.Gorm().First(&pay, "tenant_id = ? AND id = ?", tenantID, ref.PaymentID).Error; err != nil {
			return err
		}
		if err := tx.Gorm().First(&cred, "tenant_id = ? AND payment_method_id = ?", tenantID, pay.PaymentMethodID).Error; err != nil {
			return err
		}
		var err error
		client, _, err = s.client(&cred)
		return err
	})
	if err != nil {
		return nil, wrap("refund", err)
	}
	if ref.Status != "REQUESTED" || pay.ImojeTransactionID == nil {
		return &ref, nil
	}
	if wait := ref.NotBefore.Sub(s.now()); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		return &ref, err // shutting down: reconciliation sends it later
	}
	answer, callErr := client.Refund(context.WithoutCancel(ctx), pay.ImojeTransactionID.String(), cred.ServiceID.String(), ref.Amount, truncate(ref.Reason, 255))
	err = s.db.InTenant(context.WithoutCancel(ctx), tenantID, func(tx *database.Tx) error {
		// Lock order everywhere: payment, then refund, then reservation (the webhook does the same).
		var locked models.Payment
		if err := tx.Gorm().Clauses(lockUpdate).First(&locked, "tenant_id = ? AND id = ?", tenantID, pay.ID).Error; err != nil {
			return err
		}
		var current models.Refund
		if err := tx.Gorm().Clauses(lockUpdate).First(&current, "tenant_id = ? AND id = ?", tenantID, ref.ID).Error; err != nil {
			return err
		}
		if callErr != nil {
			if current.Status != "REQUESTED" {
				return nil
			}
			upd := map[string]any{"failure_message": truncate(callErr.Error(), 500), "updated_at": s.now()}
			if refundFailed(callErr, current.Automatic) {
				upd["status"] = "FAILED"
			}
			return tx.Gorm().Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", tenantID, ref.ID).Updates(upd).Error
		}
		if id, perr := uuid.Parse(answer.ID); perr == nil && current.ImojeRefundID == nil {
			if err := tx.Gorm().Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", tenantID, ref.ID).Update("imoje_refund_id", id).Error; err != nil {
				return err
			}
		}
		_, _, err := s.moveRefund(tx, &locked, &current, refundTarget(answer.Status), answer.StatusCodeDescription)
		return err
	})
	if err != nil {
		return nil, wrap("record refund", err)
	}
	if callErr != nil {
		if e, ok := imoje.AsAPIError(callErr); ok && !e.Unavailable() {
			return nil, apperr.New(apperr.PaymentFailed, "imoje refused the refund: "+truncate(e.Message, 200)).Wrap(callErr)
		}
		if imoje.OutcomeUnknown(callErr) {
			return nil, ErrRefundUnknown.Wrap(callErr)
		}
		return nil, ErrImojeUnavailable.Wrap(callErr)
	}
	var out models.Refund
	err = s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		return tx.Gorm().First(&out, "tenant_id = ? AND id = ?", tenantID, ref.ID).Error
	})
	return &out, wrap("refund", err)
}

// refundFailed: what an error of imoje's refund call makes of the refund. imoje answered with an
// error: nothing was refunded, the refund FAILED — except that slotpay's own refunds stay REQUESTED
// after a 5xx, for reconciliation to send again (nobody else will). No answer: it may have been
// made, it stays REQUESTED until reconciliation finds out from imoje.
func refundFailed(callErr error, automatic bool) bool {
	if imoje.OutcomeUnknown(callErr) {
		return false
	}
	e, ok := imoje.AsAPIError(callErr)
	return !(automatic && ok && e.Unavailable())
}

// sendLater sends automatic refunds after the transaction that recorded them committed, off the
// caller's request (imoje's notification is answered at once). Reconciliation sends any that a
// stopped process never sent. Each is traced in the trace of ctx (the notification or reconciliation
// that decided it), though it outlives ctx.
func (s *Service) sendLater(ctx context.Context, tenantID uuid.UUID, refundIDs ...uuid.UUID) {
	for _, id := range refundIDs {
		bg, span := tracing.Detached(s.o.Background, ctx, "automatic refund", attribute.String("slotpay.refund_id", id.String()))
		s.background.Go(func() {
			_, err := s.sendRefund(bg, tenantID, id)
			tracing.End(span, err)
			if err != nil {
				s.o.Log.Warn("automatic refund not sent; reconciliation retries", "tenant_id", tenantID.String(), "refund_id", id.String(), "error", err.Error())
			}
		})
	}
}

// Refunds lists the refunds of payments, oldest first, in one round trip (a transaction that only
// queues): the response's loader reads a page's refunds with it (Payment.refunds, and the
// cancellation terms of every reservation shown).
func (s *Service) Refunds(ctx context.Context, tenantID uuid.UUID, paymentIDs []uuid.UUID) (map[uuid.UUID][]models.Refund, error) {
	out := map[uuid.UUID][]models.Refund{}
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		clear(out)
		database.QueueRowsGrouped(tx, `SELECT `+database.Columns[models.Refund]()+` FROM refunds
			WHERE tenant_id = $1 AND payment_id = ANY($2) ORDER BY created_at, id`, []any{paymentIDs},
			func(r models.Refund) uuid.UUID { return r.PaymentID }, out)
		return nil
	})
	return out, wrap("refunds", err)
}

// NetPaid is what a reservation's payments hold for its customer (minor units): the amounts of its
// settled payments (PAID, DUPLICATE: imoje holds the money) minus their refunds that did not fail
// (requested, pending or settled: money on its way back counts as given back). refunds are the
// payments' refunds by payment id. Money recorded with markReservationPaid carries no amount and
// never passed through imoje, so it counts for nothing here.
func NetPaid(payments []models.Payment, refunds map[uuid.UUID][]models.Refund) int64 {
	var net int64
	for i := range payments {
		net += refundableRest(&payments[i], refunds[payments[i].ID])
	}
	return net
}

// refundableRest is what a refund of pay can still take back: a settled payment's amount minus its
// refunds that did not fail; nothing for a payment that is not settled.
func refundableRest(pay *models.Payment, refunds []models.Refund) int64 {
	if !pay.Status.Settled() {
		return 0
	}
	rest := pay.Amount
	for _, r := range refunds {
		if r.PaymentID == pay.ID && r.Status != "FAILED" {
			rest -= r.Amount
		}
	}
	return max(rest, 0)
}
