package payments

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/periodic"
	"github.com/slotpay/slotpay/services/tracing"
)

type claim struct {
	TenantID  uuid.UUID
	PaymentID uuid.UUID
}

// ReconcileOnce asks imoje about payments still open (CREATED, UNKNOWN, PENDING, SUPERSEDED) once
// they are ReconcileAfter old, then again with backoff, and applies what it learns through the same
// path as notifications, so a lost notification never leaves a paid reservation unpaid. A payment
// whose outcome is unknown (no imoje id) is never declared failed before imoje's lifetime for it has
// passed. It also cancels the payment links of reservations that ended (an expired hold) or of
// superseded payments, so nobody pays for a slot that is gone, and sends automatic refunds a
// stopped process never sent. Claims use SKIP LOCKED: any number of instances may run it.
func (s *Service) ReconcileOnce(ctx context.Context, limit int) (int, error) {
	var claims []claim
	if err := s.db.Gorm().WithContext(ctx).Raw(`SELECT tenant_id, payment_id FROM claim_payments_to_reconcile(?, ?::interval, ?)`,
		s.now(), s.o.ReconcileAfter.String(), limit).Scan(&claims).Error; err != nil {
		return 0, wrap("claim payments", err)
	}
	var errs []error
	for _, c := range claims {
		pctx, span := tracing.Root(ctx, s.o.Tracing, "payment reconciliation", attribute.String("slotpay.payment_id", c.PaymentID.String()))
		err := s.reconcile(pctx, c.TenantID, c.PaymentID)
		tracing.End(span, err)
		if err != nil {
			s.o.Log.WarnContext(ctx, "reconciliation failed", "tenant_id", c.TenantID.String(), "payment_id", c.PaymentID.String(), "error", err.Error())
			errs = append(errs, err)
		}
	}
	var refunds []refundClaim
	if err := s.db.Gorm().WithContext(ctx).Raw(`SELECT tenant_id, refund_id FROM claim_refunds_to_reconcile(?, ?::interval, ?)`,
		s.now(), s.o.ReconcileAfter.String(), limit).Scan(&refunds).Error; err != nil {
		return len(claims), errors.Join(append(errs, wrap("claim refunds", err))...)
	}
	for _, c := range refunds {
		rctx, span := tracing.Root(ctx, s.o.Tracing, "refund reconciliation", attribute.String("slotpay.refund_id", c.RefundID.String()))
		err := s.reconcileRefund(rctx, c.TenantID, c.RefundID)
		tracing.End(span, err)
		if err != nil {
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
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		var ref models.Refund
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
	if err != nil || pay.ImojeTransactionID == nil {
		return err
	}
	sale, err := client.GetTransaction(ctx, pay.ImojeTransactionID.String())
	if err != nil {
		return err
	}
	var unsent *models.Refund
	err = s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		for i := range sale.Refunds {
			t := sale.Refunds[i].Transaction
			if t.OrderID == "" {
				t.OrderID = sale.OrderID
			}
			if _, err := s.applyRefund(tx, cred.ServiceID, &t); err != nil {
				return err
			}
		}
		// Still REQUESTED well after its time, and imoje lists nothing for it: the call never
		// reached imoje (the process stopped, imoje did not answer).
		var ref models.Refund
		if err := tx.Gorm().Clauses(lockUpdate).First(&ref, "tenant_id = ? AND id = ?", tenantID, refundID).Error; err != nil {
			return err
		}
		if ref.Status != "REQUESTED" || ref.NotBefore.Add(s.callGrace()).After(s.now()) {
			return nil
		}
		if ref.Automatic {
			unsent = &ref
			return nil
		}
		return tx.Gorm().Model(&models.Refund{}).Where("tenant_id = ? AND id = ?", tenantID, ref.ID).
			Updates(map[string]any{"status": "FAILED", "failure_message": "imoje has no record of this refund", "updated_at": s.now()}).Error
	})
	if err != nil || unsent == nil {
		return err
	}
	_, err = s.sendRefund(ctx, tenantID, unsent.ID)
	return err
}

// callGrace is how long after an imoje call started its answer may still be outstanding: the imoje
// client's timeout and a margin. A CREATED payment older than that lost its answer.
func (s *Service) callGrace() time.Duration {
	return s.o.Imoje.Timeout() + 30*time.Second
}

func (s *Service) reconcile(ctx context.Context, tenantID, paymentID uuid.UUID) error {
	var (
		pay    models.Payment
		cred   models.ImojeCredentials
		client *imoje.Client
		ended  bool
	)
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		if err := tx.Gorm().First(&pay, "tenant_id = ? AND id = ?", tenantID, paymentID).Error; err != nil {
			return err
		}
		if err := tx.Gorm().First(&cred, "tenant_id = ? AND payment_method_id = ?", tenantID, pay.PaymentMethodID).Error; err != nil {
			return err
		}
		view, err := lockedView(tx, pay.ReservationID)
		if err != nil {
			return err
		}
		ended = !view.Status.Active()
		client, _, err = s.client(&cred)
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case pay.ImojePaymentID != nil:
		open := pay.Status == models.PaymentStatePending || pay.Status == models.PaymentStateSuperseded
		if open && (ended || pay.Status == models.PaymentStateSuperseded) {
			// The slot is gone, or a newer payment replaced this one: close the link before anybody
			// pays it. A link already paid or closed answers with an error; GET payment decides.
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
		return s.applyAsked(ctx, &cred, paymentID, best, link)
	case pay.ImojeTransactionID != nil:
		t, err := client.GetTransaction(ctx, pay.ImojeTransactionID.String())
		if err != nil {
			return err
		}
		return s.applyAsked(ctx, &cred, paymentID, t, nil)
	}
	// No imoje id: imoje never answered its creation. imoje cannot be asked by our order id, so the
	// payment waits for the notification naming it, until imoje's lifetime for it has passed.
	return s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		var locked models.Payment
		if err := tx.Gorm().Clauses(lockUpdate).First(&locked, "tenant_id = ? AND id = ?", tenantID, paymentID).Error; err != nil {
			return err
		}
		if locked.ImojeTransactionID != nil || locked.ImojePaymentID != nil {
			return nil // a notification taught us its id meanwhile: the next round asks imoje
		}
		target, reason := decideUnanswered(s.now(), &locked, s.callGrace(), lifetimeMargin)
		if target == "" {
			return nil
		}
		return s.markUnanswered(tx, &locked, target, reason)
	})
}

// lifetimeMargin is how long after a payment's validTo slotpay still waits for imoje's word about a
// payment it never heard of: imoje's expiry and its notification take a while.
const lifetimeMargin = 15 * time.Minute

// defaultLifetime is the validTo slotpay gives imoje when the reservation has no hold.
const defaultLifetime = time.Hour

// decideUnanswered is what reconciliation does with a payment imoje never answered about (no imoje
// id): a CREATED one older than the imoje call's grace lost its answer and becomes UNKNOWN (the
// customer is told it may be in progress); an UNKNOWN or SUPERSEDED one is declared FAILED only once
// imoje's lifetime for it (validTo) and a margin have passed with no word from imoje. "" is: wait.
func decideUnanswered(now time.Time, pay *models.Payment, grace, margin time.Duration) (models.PaymentState, string) {
	validTo := pay.CreatedAt.Add(defaultLifetime)
	if pay.ValidTo != nil {
		validTo = *pay.ValidTo
	}
	switch pay.Status {
	case models.PaymentStateCreated, models.PaymentStateUnknown, models.PaymentStateSuperseded:
	default:
		return "", ""
	}
	if now.After(validTo.Add(margin)) {
		return models.PaymentStateFailed, "imoje never reported this payment; its lifetime ended " + validTo.UTC().Format(time.RFC3339)
	}
	if pay.Status == models.PaymentStateCreated && now.After(pay.CreatedAt.Add(grace)) {
		return models.PaymentStateUnknown, "imoje did not answer; the payment may be in progress"
	}
	return "", ""
}

// markUnanswered moves a locked payment imoje never answered about to UNKNOWN or FAILED; the
// reservation follows only its active payment (UNKNOWN: PENDING, FAILED: FAILED).
func (s *Service) markUnanswered(tx *database.Tx, pay *models.Payment, target models.PaymentState, reason string) error {
	wasActive := pay.Status.Active()
	upd := map[string]any{"status": target, "updated_at": s.now()}
	switch target {
	case models.PaymentStateUnknown:
		upd["failure_code"], upd["failure_message"] = "IMOJE_NO_ANSWER", reason
	case models.PaymentStateFailed:
		upd["failure_code"], upd["failure_message"], upd["next_check_at"] = "IMOJE_NO_ANSWER", reason, nil
	}
	if err := tx.Gorm().Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).Updates(upd).Error; err != nil {
		return err
	}
	pay.Status = target
	if !wasActive {
		return events.Publish(tx, paymentEvent(pay))
	}
	return s.reservationFollows(tx, pay, booking.PaymentMove{Status: reservationPaymentStatus(target)}, reason)
}

// applyAsked applies what imoje answered about a payment of cred's shop through the notification
// path (forward only): the same locks, decisions and store, in one transaction.
func (s *Service) applyAsked(ctx context.Context, cred *models.ImojeCredentials, paymentID uuid.UUID, t *imoje.Transaction, link *imoje.Payment) error {
	sh := &shop{tenantID: cred.TenantID, paymentMethodID: cred.PaymentMethodID, merchantID: cred.MerchantID, serviceID: cred.ServiceID}
	var a applied
	err := s.inTenantRaced(ctx, sh.tenantID, func(tx *database.Tx) (err error) {
		a, err = s.applyAskedTx(tx, sh, paymentID, t, link)
		return err
	})
	if err != nil {
		return err
	}
	if a.outcome != "" {
		s.o.Metrics.Reconciled(a.outcome)
	}
	if a.detail != "" {
		s.o.Log.WarnContext(ctx, "imoje payment needs attention", "tenant_id", sh.tenantID.String(), "payment_id", paymentID.String(), "outcome", a.outcome, "detail", a.detail)
	}
	s.sendLater(ctx, sh.tenantID, a.refunds...)
	return nil
}

func (s *Service) applyAskedTx(tx *database.Tx, sh *shop, paymentID uuid.UUID, t *imoje.Transaction, link *imoje.Payment) (applied, error) {
	sale := queueSaleLocks(tx, paymentID)
	var st shopState
	txID, linkID := "", ""
	if t != nil {
		txID = t.ID
	}
	if link != nil {
		linkID = link.ID
	}
	queueShopState(tx, sh, nil, txID, &paymentID, &st)
	if err := tx.Send(); err != nil || sale.pay == nil {
		return applied{}, err
	}
	var a applied
	if t != nil {
		var err error
		c := saleContext{serviceID: sh.serviceID, linkID: linkID, autoRefund: st.autoRefund, transactionOf: st.transactionOf}
		if a, err = s.applySale(tx, sale, c, t, "reconciliation"); err != nil {
			return applied{}, err
		}
	}
	if link != nil && (t == nil || t.Status != imoje.StatusSettled) && !link.IsActive {
		_, err := s.applyLinkClosed(tx, sale.pay, link.ID, link.Status)
		return a, err
	}
	return a, nil
}

// StartReconciler starts the reconciliation loop.
func (s *Service) StartReconciler(ctx context.Context, interval time.Duration) *periodic.Loop {
	return periodic.Start(ctx, interval, func(ctx context.Context) {
		if _, err := s.ReconcileOnce(ctx, s.o.ReconcileBatch); err != nil && ctx.Err() == nil {
			s.o.Log.Warn("reconciliation round had errors", "error", err.Error())
		}
	})
}
