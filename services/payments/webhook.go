package payments

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/tracing"
)

// MaxNotificationBytes caps a notification body; imoje's are a few hundred bytes.
const MaxNotificationBytes = 64 << 10

// webhookError carries the HTTP status a refused notification gets. imoje retries anything but
// 200 {"status":"ok"}: 4xx for what will never be accepted, 5xx for what may succeed later.
type webhookError struct {
	status int
	reason string
	cause  error
}

func (e *webhookError) Error() string { return e.reason }
func (e *webhookError) Unwrap() error { return e.cause }

func refuse(status int, reason string, cause error) error {
	return &webhookError{status: status, reason: reason, cause: cause}
}

// ServeHTTP is POST /payment-imoje: verify, find, apply, then answer {"status":"ok"} after commit.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes+1))
	if err != nil {
		s.answer(w, r, refuse(http.StatusBadRequest, "unreadable body", err), "")
		return
	}
	if len(body) > MaxNotificationBytes {
		s.answer(w, r, refuse(http.StatusRequestEntityTooLarge, "body too large", nil), "")
		return
	}
	ctx, span := tracing.Start(r.Context(), "imoje notification")
	outcome, err := s.HandleNotification(ctx, r.Header.Get("X-Imoje-Signature"), body)
	tracing.End(span, err, attribute.String("slotpay.notification.outcome", outcome))
	s.answer(w, r, err, outcome)
}

func (s *Service) answer(w http.ResponseWriter, r *http.Request, err error, outcome string) {
	w.Header().Set("Content-Type", "application/json")
	if err == nil {
		s.o.Log.InfoContext(r.Context(), "imoje notification", "outcome", outcome)
		s.o.Metrics.Notification(outcome, http.StatusOK)
		_, _ = w.Write([]byte(`{"status":"ok"}`))
		return
	}
	status := http.StatusServiceUnavailable
	reason := "temporarily unavailable"
	var we *webhookError
	if errors.As(err, &we) {
		status, reason = we.status, we.reason
	}
	level := s.o.Log.WarnContext
	if status >= 500 {
		level = s.o.Log.ErrorContext
	}
	level(r.Context(), "imoje notification refused", "status", status, "reason", reason, "error", err.Error())
	s.o.Metrics.Notification("", status)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"status":"error","reason":"` + reason + `"}`))
}

type shopOwner struct {
	TenantID        uuid.UUID
	PaymentMethodID uuid.UUID
}

// HandleNotification verifies and applies one notification; nil means it is stored and applied
// (or recognised as a duplicate) and committed. The tenant is found from the header's merchant id
// and shop id, and the signature is checked with that tenant's shop key only, before anything else
// is read or written, so a notification signed with tenant A's key can never touch tenant B's
// payments. The shop's key usually comes from memory (shopKeys); the transaction that applies the
// notification confirms it is still the shop's key, and a notification checked with a key that
// changed meanwhile is checked again with the current one.
func (s *Service) HandleNotification(ctx context.Context, header string, body []byte) (string, error) {
	sig, err := imoje.ParseSignatureHeader(header)
	if err != nil {
		return "", refuse(http.StatusBadRequest, "missing or malformed X-Imoje-Signature", err)
	}
	serviceID, err := uuid.Parse(sig.ServiceID)
	if err != nil {
		return "", refuse(http.StatusBadRequest, "serviceid is not a UUID", err)
	}
	ref := shopRef{merchantID: sig.MerchantID, serviceID: serviceID}
	for fresh := false; ; fresh = true {
		sh, cached, err := s.shopFor(ctx, ref, fresh)
		if err != nil {
			return "", err
		}
		if err := sig.Verify(body, sh.key); err != nil {
			if cached {
				continue // the key may have changed since it was remembered: ask the database
			}
			return "", refuse(http.StatusUnauthorized, "bad signature", err)
		}
		n, err := imoje.ParseNotification(body)
		if err != nil {
			return "", refuse(http.StatusBadRequest, "malformed notification", err)
		}
		if bodyService(n) != serviceID.String() {
			return "", refuse(http.StatusBadRequest, "serviceId in the body differs from the header", nil)
		}
		outcome, err := s.applyVerified(ctx, sh, body, n)
		if errors.Is(err, errStaleShop) && !fresh {
			s.shops.forget(ref)
			continue
		}
		return outcome, err
	}
}

// applyVerified applies a notification whose signature sh's key verified. Sale notifications for
// one of our payment ids (all of ours: the order id is the payment's id) take the pipelined path,
// two round trips; refunds and payment-link notifications take the general one. A deadlock (two
// settlements of one reservation at once: each locks its payment, then the other's) is retried
// here rather than answered 5xx, and so is a settlement that lost the race for the reservation's
// one active payment to a payment started meanwhile. Automatic refunds the notification started are sent after commit.
func (s *Service) applyVerified(ctx context.Context, sh *shop, body []byte, n *imoje.Notification) (string, error) {
	for attempt := 1; ; attempt++ {
		outcome, refunds, err := s.applyVerifiedOnce(ctx, sh, body, n)
		deadlock, _ := database.IsCode(err, database.CodeDeadlock)
		unique, constraint := isUnique(err)
		if (deadlock || (unique && constraint == "payments_one_active")) && attempt < 3 {
			// Lost a race for the reservation's active slot (a payment started or settled meanwhile):
			// decide again with what is committed now.
			continue
		}
		if err == nil {
			s.sendLater(ctx, sh.tenantID, refunds...)
		}
		return outcome, err
	}
}

func (s *Service) applyVerifiedOnce(ctx context.Context, sh *shop, body []byte, n *imoje.Notification) (string, []uuid.UUID, error) {
	if t := n.Transaction; t != nil && t.Type != "refund" && s.pool != nil {
		if paymentID, err := uuid.Parse(t.OrderID); err == nil {
			return s.applySaleNotification(ctx, sh, body, n, paymentID)
		}
	}
	var (
		outcome string
		refunds []uuid.UUID
	)
	err := database.InTenant(ctx, s.db, sh.tenantID, func(tx *gorm.DB) error {
		refunds = nil
		var cred models.ImojeCredentials
		err := tx.First(&cred, "tenant_id = ? AND payment_method_id = ?", sh.tenantID, sh.paymentMethodID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !sh.is(&cred)) {
			return errStaleShop
		}
		if err != nil {
			return err
		}
		var refund *uuid.UUID
		outcome, refund, err = s.applyNotification(tx, &cred, body, n)
		if refund != nil {
			refunds = append(refunds, *refund)
		}
		return err
	})
	return outcome, refunds, err
}

// is reports whether a credentials row read in a transaction is still this shop with this key.
func (sh *shop) is(c *models.ImojeCredentials) bool {
	return c.TenantID == sh.tenantID && c.PaymentMethodID == sh.paymentMethodID && c.MerchantID == sh.merchantID &&
		c.ServiceID == sh.serviceID && c.ServiceKeySealed == sh.keySealed
}

func bodyService(n *imoje.Notification) string {
	if n.Transaction != nil {
		return n.Transaction.ServiceID
	}
	return n.Payment.ServiceID
}

// applyNotification stores the raw notification once (a repeat is recognised by its hash and
// answered ok without doing anything) and applies it. It returns an automatic refund it recorded,
// to be sent once tx commits.
func (s *Service) applyNotification(tx *gorm.DB, cred *models.ImojeCredentials, body []byte, n *imoje.Notification) (string, *uuid.UUID, error) {
	sum := sha256.Sum256(body)
	now := s.now()
	rec := models.ImojeNotification{TenantID: cred.TenantID, ID: uuid.New(), Body: string(body), BodySHA256: sum[:], ReceivedAt: now, Outcome: OutcomeNoChange}
	switch {
	case n.Transaction != nil:
		rec.Kind, rec.ImojeID, rec.ImojeStatus, rec.OrderID = n.Transaction.Type, n.Transaction.ID, n.Transaction.Status, n.Transaction.OrderID
	default:
		rec.Kind, rec.ImojeID, rec.ImojeStatus, rec.OrderID = "payment", n.Payment.ID, n.Payment.Status, n.Payment.OrderID
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rec)
	if res.Error != nil {
		return "", nil, res.Error
	}
	if res.RowsAffected == 0 {
		return OutcomeDuplicate, nil, nil
	}
	var (
		outcome, detail string
		paymentID       *uuid.UUID
		refund          *uuid.UUID
		err             error
	)
	switch {
	case n.Transaction != nil && n.Transaction.Type == "refund":
		outcome, detail, paymentID, err = s.applyRefund(tx, cred.TenantID, cred.ServiceID, n.Transaction)
	case n.Transaction != nil:
		linkID := ""
		if n.Payment != nil {
			linkID = n.Payment.ID
		}
		var pay *models.Payment
		pay, err = findPayment(tx, cred.TenantID, n.Transaction.OrderID, n.Transaction.ID, linkID)
		switch {
		case err != nil:
		case pay == nil:
			outcome, detail = OutcomeUnknownOrder, "no payment for order "+n.Transaction.OrderID
		default:
			paymentID = &pay.ID
			outcome, detail, refund, err = s.applySale(tx, pay, cred.ServiceID, n.Transaction, linkID, "notification")
		}
	default:
		var pay *models.Payment
		pay, err = findPayment(tx, cred.TenantID, n.Payment.OrderID, "", n.Payment.ID)
		switch {
		case err != nil:
		case pay == nil:
			outcome, detail = OutcomeUnknownOrder, "no payment for link "+n.Payment.ID
		default:
			paymentID = &pay.ID
			outcome, detail, err = s.applyLinkClosed(tx, pay, n.Payment.ID, n.Payment.Status)
		}
	}
	if err != nil {
		return "", nil, err
	}
	if outcome == OutcomeMismatch || outcome == OutcomeUnknownOrder {
		s.o.Log.Warn("imoje notification kept for the operator", "tenant_id", cred.TenantID.String(), "outcome", outcome, "detail", detail)
	}
	if err := tx.Model(&models.ImojeNotification{}).Where("tenant_id = ? AND id = ?", rec.TenantID, rec.ID).
		Updates(map[string]any{"outcome": outcome, "detail": detail, "payment_id": paymentID}).Error; err != nil {
		return "", nil, err
	}
	// Last, so this transaction never waits for a payment while holding the shop's row (refunds lock
	// payment, then shop); and at most once a second, so busy shops do not queue on one row. The
	// credentials row read at the start of this transaction already says when it is that fresh: no
	// statement then.
	if last := cred.LastNotificationAt; last != nil && !last.Before(now.Add(-time.Second)) {
		return outcome, refund, nil
	}
	return outcome, refund, tx.Model(&models.ImojeCredentials{}).
		Where("tenant_id = ? AND payment_method_id = ? AND (last_notification_at IS NULL OR last_notification_at < ?)",
			cred.TenantID, cred.PaymentMethodID, now.Add(-time.Second)).
		Update("last_notification_at", now).Error
}
