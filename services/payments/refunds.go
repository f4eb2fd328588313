package payments

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/imoje"
)

// RefundPayment gives money back on a paid imoje payment (OWNER/ADMIN), in full when amount is nil.
// Never more than paid minus refunded (refunds still in progress count as refunded). Refunds of one
// merchant are spaced by RefundSpacing, as imoje asks: each refund reserves its start time under a
// lock on the merchant's credentials, then waits for it without holding any lock.
func (s *Service) RefundPayment(ctx context.Context, p *auth.Principal, paymentID uuid.UUID, amount *int64, reason string) (*models.Refund, error) {
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 255 {
		return nil, apperr.Invalid("input.reason", "reason must be at most 255 characters")
	}
	if amount != nil && *amount <= 0 {
		return nil, apperr.Invalid("input.amount", "refund amount must be positive")
	}
	var (
		ref    models.Refund
		pay    models.Payment
		cred   models.ImojeCredentials
		client *imoje.Client
	)
	err := s.inTenant(ctx, p.TenantID, func(tx *gorm.DB) error {
		err := tx.Clauses(lockUpdate).First(&pay, "tenant_id = ? AND id = ?", p.TenantID, paymentID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrPaymentNotFound.WithField("input.paymentId")
		}
		if err != nil {
			return err
		}
		if pay.Status != models.PaymentStatePaid || pay.ImojeTransactionID == nil {
			return ErrNotRefundable
		}
		var inFlight int64
		if err := tx.Model(&models.Refund{}).Select("coalesce(sum(amount), 0)").
			Where("tenant_id = ? AND payment_id = ? AND status IN ('REQUESTED', 'PENDING')", p.TenantID, pay.ID).Scan(&inFlight).Error; err != nil {
			return err
		}
		available := pay.Amount - pay.RefundedAmount - inFlight
		want := available
		if amount != nil {
			want = *amount
		}
		if want > available || want <= 0 {
			return ErrRefundTooLarge.WithField("input.amount")
		}
		if err := tx.Clauses(lockUpdate).First(&cred, "tenant_id = ? AND payment_method_id = ?", p.TenantID, pay.PaymentMethodID).Error; err != nil {
			return err
		}
		if client, _, err = s.client(&cred); err != nil {
			return err
		}
		now := s.now()
		notBefore := now
		if cred.NextRefundAt.After(now) {
			notBefore = cred.NextRefundAt
		}
		// A tenth more than imoje's spacing: imoje measures it between the calls' arrivals, and the
		// network may delay the first more than the second.
		gap := s.o.RefundSpacing + max(s.o.RefundSpacing/10, 50*time.Millisecond)
		if err := tx.Model(&models.ImojeCredentials{}).Where("tenant_id = ? AND payment_method_id = ?", p.TenantID, cred.PaymentMethodID).
			Update("next_refund_at", notBefore.Add(gap)).Error; err != nil {
			return err
		}
		uid := p.UserID
		ref = models.Refund{TenantID: p.TenantID, ID: uuid.New(), PaymentID: pay.ID, Amount: want, Status: "REQUESTED",
			Reason: reason, RequestedBy: &uid, NotBefore: notBefore, CreatedAt: now, UpdatedAt: now}
		return tx.Create(&ref).Error
	})
	if err != nil {
		return nil, wrap("refund", err)
	}
	if wait := time.Until(ref.NotBefore); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	answer, callErr := client.Refund(context.WithoutCancel(ctx), pay.ImojeTransactionID.String(), cred.ServiceID.String(), ref.Amount, truncate(reason, 255))
	err = s.inTenant(ctx, p.TenantID, func(tx *gorm.DB) error {
		// Lock order everywhere: payment, then refund, then reservation (the webhook does the same).
		var locked models.Payment
		if err := tx.Clauses(lockUpdate).First(&locked, "tenant_id = ? AND id = ?", p.TenantID, pay.ID).Error; err != nil {
			return err
		}
		var current models.Refund
		if err := tx.Clauses(lockUpdate).First(&current, "tenant_id = ? AND id = ?", p.TenantID, ref.ID).Error; err != nil {
			return err
		}
		if callErr != nil {
			if current.Status != "REQUESTED" {
				return nil
			}
			return tx.Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", p.TenantID, ref.ID).
				Updates(map[string]any{"status": "FAILED", "failure_message": truncate(callErr.Error(), 500), "updated_at": s.now()}).Error
		}
		if id, perr := uuid.Parse(answer.ID); perr == nil && current.ImojeRefundID == nil {
			if err := tx.Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", p.TenantID, ref.ID).Update("imoje_refund_id", id).Error; err != nil {
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
		return nil, ErrImojeUnavailable.Wrap(callErr)
	}
	var out models.Refund
	err = s.inTenant(ctx, p.TenantID, func(tx *gorm.DB) error { return tx.First(&out, "tenant_id = ? AND id = ?", p.TenantID, ref.ID).Error })
	return &out, wrap("refund", err)
}

// Refunds lists the refunds of payments.
func (s *Service) Refunds(ctx context.Context, tenantID uuid.UUID, paymentIDs []uuid.UUID) (map[uuid.UUID][]models.Refund, error) {
	var rows []models.Refund
	err := s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Where("tenant_id = ? AND payment_id IN ?", tenantID, paymentIDs).Order("created_at").Find(&rows).Error
	})
	out := map[uuid.UUID][]models.Refund{}
	for _, r := range rows {
		out[r.PaymentID] = append(out[r.PaymentID], r)
	}
	return out, wrap("refunds", err)
}
