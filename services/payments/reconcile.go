package payments

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/imoje"
)

type claim struct {
	TenantID  uuid.UUID
	PaymentID uuid.UUID
}

// ReconcileOnce asks imoje about payments still open after ReconcileAfter and applies what it
// learns through the same path as notifications, so a lost notification never leaves a paid
// reservation unpaid. It also cancels the payment links of reservations that ended (an expired hold)
// so nobody pays for a slot that is gone. Claims use SKIP LOCKED: any number of instances may run it.
func (s *Service) ReconcileOnce(ctx context.Context, limit int) (int, error) {
	var claims []claim
	if err := s.db.WithContext(ctx).Raw(`SELECT tenant_id, payment_id FROM claim_payments_to_reconcile(?, ?::interval, ?)`,
		s.now(), s.o.ReconcileAfter.String(), limit).Scan(&claims).Error; err != nil {
		return 0, wrap("claim payments", err)
	}
	var errs []error
	for _, c := range claims {
		if err := s.reconcile(ctx, c.TenantID, c.PaymentID); err != nil {
			s.o.Log.WarnContext(ctx, "reconciliation failed", "tenant_id", c.TenantID.String(), "payment_id", c.PaymentID.String(), "error", err.Error())
			errs = append(errs, err)
		}
	}
	var refunds []refundClaim
	if err := s.db.WithContext(ctx).Raw(`SELECT tenant_id, refund_id FROM claim_refunds_to_reconcile(?, ?::interval, ?)`,
		s.now(), s.o.ReconcileAfter.String(), limit).Scan(&refunds).Error; err != nil {
		return len(claims), errors.Join(append(errs, wrap("claim refunds", err))...)
	}
	for _, c := range refunds {
		if err := s.reconcileRefund(ctx, c.TenantID, c.RefundID); err != nil {
			s.o.Log.WarnContext(ctx, "refund reconciliation failed", "tenant_id", c.TenantID.String(), "refund_id", c.RefundID.String(), "error", err.Error())
			errs = append(errs, err)
		}
	}
	return len(claims) + len(refunds), errors.Join(errs...)
}

type refundClaim struct {
	TenantID uuid.UUID
	RefundID uuid.UUID
}

// reconcileRefund asks imoje for the sale a refund belongs to (GET transaction lists its refunds)
// and applies every refund it reports through the notification path.
func (s *Service) reconcileRefund(ctx context.Context, tenantID, refundID uuid.UUID) error {
	var (
		pay    models.Payment
		cred   models.ImojeCredentials
		client *imoje.Client
	)
	err := s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		var ref models.Refund
		if err := tx.First(&ref, "tenant_id = ? AND id = ?", tenantID, refundID).Error; err != nil {
			return err
		}
		if err := tx.First(&pay, "tenant_id = ? AND id = ?", tenantID, ref.PaymentID).Error; err != nil {
			return err
		}
		if err := tx.First(&cred, "tenant_id = ? AND payment_method_id = ?", tenantID, pay.PaymentMethodID).Error; err != nil {
			return err
		}
		var err error
		client, _, err = s.client(&cred)
		return err
	})
	if err != nil || pay.ImojeTransactionID == nil {
		return err
	}
	sale, err := client.GetTransaction(ctx, pay.ImojeTransactionID.String())
	if err != nil {
		return err
	}
	return s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		for i := range sale.Refunds {
			t := sale.Refunds[i].Transaction
			if t.OrderID == "" {
				t.OrderID = sale.OrderID
			}
			if _, _, _, err := s.applyRefund(tx, tenantID, cred.ServiceID, &t); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) reconcile(ctx context.Context, tenantID, paymentID uuid.UUID) error {
	var (
		pay    models.Payment
		cred   models.ImojeCredentials
		client *imoje.Client
		ended  bool
	)
	err := s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.First(&pay, "tenant_id = ? AND id = ?", tenantID, paymentID).Error; err != nil {
			return err
		}
		if err := tx.First(&cred, "tenant_id = ? AND payment_method_id = ?", tenantID, pay.PaymentMethodID).Error; err != nil {
			return err
		}
		view, err := s.booking.ReservationForPaymentTx(tx, tenantID, pay.ReservationID)
		if err != nil {
			return err
		}
		ended = view.Status != models.StatusPendingPayment && view.Status != models.StatusConfirmed
		client, _, err = s.client(&cred)
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case pay.ImojeTransactionID != nil:
		t, err := client.GetTransaction(ctx, pay.ImojeTransactionID.String())
		if err != nil {
			return err
		}
		return s.applyAsked(ctx, tenantID, paymentID, cred.ServiceID, t, nil)
	case pay.ImojePaymentID != nil:
		if ended && pay.Status == models.PaymentStatePending {
			// The slot is gone: close the link before anybody pays for it. A link already paid or
			// closed answers with an error; what GET payment says below decides.
			if err := client.CancelPayment(ctx, cred.ServiceID.String(), pay.ImojePaymentID.String()); err != nil {
				s.o.Log.InfoContext(ctx, "payment link not cancelled", "payment_id", paymentID.String(), "error", err.Error())
			}
		}
		link, err := client.GetPayment(ctx, pay.ImojePaymentID.String())
		if err != nil {
			return err
		}
		var best *imoje.Transaction
		for i := range link.Transactions {
			t := &link.Transactions[i]
			if t.OrderID != "" && t.OrderID != paymentID.String() {
				continue
			}
			if best == nil || t.Status == imoje.StatusSettled || (best.Status != imoje.StatusSettled && t.Modified >= best.Modified) {
				best = t
			}
		}
		return s.applyAsked(ctx, tenantID, paymentID, cred.ServiceID, best, link)
	case pay.Status == models.PaymentStateCreated:
		// imoje never answered and we never learned an id (the process stopped mid-call). If imoje
		// did create it, its notification will still settle the payment (PAID wins over FAILED).
		return s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
			return tx.Model(&models.Payment{}).Where("tenant_id = ? AND id = ? AND status = 'CREATED'", tenantID, paymentID).
				Updates(map[string]any{"status": models.PaymentStateFailed, "failure_code": "IMOJE_NO_ANSWER", "updated_at": s.now()}).Error
		})
	}
	return nil
}

// applyAsked applies what imoje answered through the notification path (forward only).
func (s *Service) applyAsked(ctx context.Context, tenantID, paymentID, serviceID uuid.UUID, t *imoje.Transaction, link *imoje.Payment) error {
	return s.inTenant(ctx, tenantID, func(tx *gorm.DB) error {
		pay, err := findPayment(tx, tenantID, paymentID.String(), "", "")
		if err != nil || pay == nil {
			return err
		}
		if t != nil {
			if _, _, err := s.applySale(tx, pay, serviceID, t, "reconciliation"); err != nil {
				return err
			}
		}
		if link != nil && (t == nil || t.Status != imoje.StatusSettled) && !link.IsActive {
			_, _, err = s.applyLinkClosed(tx, pay, link.Status)
		}
		return err
	})
}

// Worker runs ReconcileOnce periodically until stopped.
type Worker struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// StartReconciler starts the reconciliation loop.
func (s *Service) StartReconciler(ctx context.Context, interval time.Duration) *Worker {
	ctx, cancel := context.WithCancel(ctx)
	w := &Worker{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := s.ReconcileOnce(ctx, 50); err != nil && ctx.Err() == nil {
					s.o.Log.Warn("reconciliation round had errors", "error", err.Error())
				}
			}
		}
	}()
	return w
}

// Stop ends the loop and waits for it.
func (w *Worker) Stop() {
	w.once.Do(func() {
		w.cancel()
		<-w.done
	})
}
