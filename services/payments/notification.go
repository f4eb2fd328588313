package payments

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
)

// MaxNotificationBytes caps a notification body; imoje's are a few hundred bytes.
const MaxNotificationBytes = 64 << 10

// OutcomeDuplicate is answered (not stored) for a body received before.
const OutcomeDuplicate = "DUPLICATE"

// Refusal says why a notification is refused; the edge (services/imojehook) picks the HTTP status.
// imoje retries anything but 200 {"status":"ok"}: the three refusals will never be accepted as
// they are; any other error may succeed later.
type Refusal int

// Refusals of a notification.
const (
	// RefusedMalformed: the header or the body cannot be read, or they disagree.
	RefusedMalformed Refusal = iota + 1
	// RefusedSignature: the signature does not match the shop's key.
	RefusedSignature
	// RefusedUnknownShop: no business holds the shop the header names.
	RefusedUnknownShop
)

// NotificationError is a refused notification: why, in the words answered to imoje.
type NotificationError struct {
	Refusal Refusal
	Reason  string
	cause   error
}

func (e *NotificationError) Error() string { return e.Reason }
func (e *NotificationError) Unwrap() error { return e.cause }

func refuse(r Refusal, reason string, cause error) error {
	return &NotificationError{Refusal: r, Reason: reason, cause: cause}
}

type shopOwner struct {
	TenantID        uuid.UUID
	PaymentMethodID uuid.UUID
}

// HandleNotification verifies and applies one notification; nil means it is stored and applied
// (or recognised as a duplicate) and committed, and the outcome says which. The tenant is found
// from the header's merchant id and shop id, and the signature is checked with that tenant's shop
// key only, before anything else is read or written, so a notification signed with tenant A's key
// can never touch tenant B's payments. The shop's key usually comes from memory (shopKeys); the
// transaction that applies the notification confirms it is still the shop's key, and a
// notification checked with a key that changed meanwhile is checked again with the current one.
func (s *Service) HandleNotification(ctx context.Context, header string, body []byte) (string, error) {
	sig, err := imoje.ParseSignatureHeader(header)
	if err != nil {
		return "", refuse(RefusedMalformed, "missing or malformed X-Imoje-Signature", err)
	}
	serviceID, err := uuid.Parse(sig.ServiceID)
	if err != nil {
		return "", refuse(RefusedMalformed, "serviceid is not a UUID", err)
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
			return "", refuse(RefusedSignature, "bad signature", err)
		}
		n, err := imoje.ParseNotification(body)
		if err != nil {
			return "", refuse(RefusedMalformed, "malformed notification", err)
		}
		if bodyService(n) != serviceID.String() {
			return "", refuse(RefusedMalformed, "serviceId in the body differs from the header", nil)
		}
		outcome, err := s.applyVerified(ctx, sh, body, n)
		if errors.Is(err, errStaleShop) && !fresh {
			s.shops.forget(ref)
			continue
		}
		return outcome, err
	}
}

// errDuplicate ends a transaction that has nothing to do: the body was stored before.
var errDuplicate = errors.New("duplicate notification")

// notificationUnique is the constraint that stores each body once per tenant.
const notificationUnique = "imoje_notifications_tenant_id_body_sha256_key"

// applyVerified applies a notification whose signature sh's key verified, in one transaction
// (applyNotification), and sends the automatic refunds it started once that has committed. Two
// copies of one body racing past the dedupe check meet at the notification's unique constraint:
// the second one's transaction aborts, and it is a duplicate.
func (s *Service) applyVerified(ctx context.Context, sh *shop, body []byte, n *imoje.Notification) (string, error) {
	var a applied
	err := s.inTenantRaced(ctx, sh.tenantID, func(tx *database.Tx) (err error) {
		a, err = s.applyNotification(tx, sh, body, n)
		return err
	})
	if errors.Is(err, errDuplicate) {
		return OutcomeDuplicate, nil
	}
	if ok, constraint := isUnique(err); ok && constraint == notificationUnique {
		return OutcomeDuplicate, nil
	}
	if err != nil {
		return "", err
	}
	if a.outcome == OutcomeMismatch || a.outcome == OutcomeUnknownOrder || a.detail != "" {
		s.o.Log.WarnContext(ctx, "imoje notification kept for the operator", "tenant_id", sh.tenantID.String(), "outcome", a.outcome, "detail", a.detail)
	}
	s.sendLater(ctx, sh.tenantID, a.refunds...)
	return a.outcome, nil
}

// inTenantRaced is the tenant transaction of what imoje says (notifications and reconciliation):
// fn runs again when it lost the race for the reservation's one active payment
// (payments_one_active) to a payment started meanwhile, to decide again with what is committed
// now. Deadlocks are rerun by InTenant itself.
func (s *Service) inTenantRaced(ctx context.Context, tenantID uuid.UUID, fn func(tx *database.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.db.InTenant(ctx, tenantID, fn)
		if unique, constraint := isUnique(err); !unique || constraint != "payments_one_active" || attempt == 3 {
			return err
		}
	}
}

// applied is what applying imoje's word did: the outcome and its detail, the payment it concerned
// (if any) and the automatic refunds to send once the transaction has committed.
type applied struct {
	outcome, detail string
	paymentID       *uuid.UUID
	refunds         []uuid.UUID
}

// applyNotification is the one path of a verified notification, in tx: the first round trip
// re-reads the shop's row (is the key the signature was checked with still the shop's?), whether
// this body was stored before and — for a sale naming one of our payments, the common case — locks
// the payment, the reservation's other active payments and the reservation; the rest of what is
// decided is queued for the commit's round trip: the changes, the notification with its outcome,
// and last_notification_at when over a second old. A settled notification is two round trips.
func (s *Service) applyNotification(tx *database.Tx, sh *shop, body []byte, n *imoje.Notification) (applied, error) {
	sum := sha256.Sum256(body)
	t := n.Transaction
	var sale *saleRead
	var orderID *uuid.UUID
	if t != nil && t.Type != "refund" {
		if id, err := uuid.Parse(t.OrderID); err == nil {
			orderID = &id
			sale = queueSaleLocks(tx, id)
		}
	}
	var st shopState
	queueShopState(tx, sh, sum[:], transactionID(n), orderID, &st)
	if err := tx.Send(); err != nil {
		return applied{}, err
	}
	if !st.found || st.keySealed != sh.keySealed {
		return applied{}, errStaleShop
	}
	if st.seen {
		return applied{}, errDuplicate
	}
	a, err := s.applyKind(tx, sh, n, sale, st)
	if err != nil {
		return applied{}, err
	}
	now := s.now()
	queueNotificationRecord(tx, notificationRecord(sh, body, sum[:], n, a, now))
	// Last, after the payment's lock (refunds lock payment, then shop), and at most once a
	// second, so busy shops do not queue on one row; the row read above says when it is fresh.
	if st.lastNote == nil || st.lastNote.Before(now.Add(-time.Second)) {
		tx.Queue(`UPDATE imoje_credentials SET last_notification_at = $3
			WHERE tenant_id = $1 AND payment_method_id = $2 AND (last_notification_at IS NULL OR last_notification_at < $4)`,
			sh.paymentMethodID, now, now.Add(-time.Second))
	}
	return a, nil
}

// applyKind applies a notification by what it is about: a refund, a sale (of a payment locked in
// the first round trip, sale, or found now by imoje's ids), or a payment link that closed.
func (s *Service) applyKind(tx *database.Tx, sh *shop, n *imoje.Notification, sale *saleRead, st shopState) (applied, error) {
	t := n.Transaction
	linkID := ""
	if n.Payment != nil {
		linkID = n.Payment.ID
	}
	switch {
	case t != nil && t.Type == "refund":
		return s.applyRefund(tx, sh.serviceID, t)
	case t != nil:
		if sale == nil {
			pay, err := findPayment(tx, t.OrderID, t.ID, linkID)
			if err != nil || pay == nil {
				return applied{outcome: OutcomeUnknownOrder, detail: "no payment for order " + t.OrderID}, err
			}
			sale = queueSaleLocks(tx, pay.ID)
			queueShopState(tx, sh, nil, t.ID, &pay.ID, &st)
			if err := tx.Send(); err != nil {
				return applied{}, err
			}
		}
		return s.applySale(tx, sale, saleContext{serviceID: sh.serviceID, linkID: linkID, autoRefund: st.autoRefund, transactionOf: st.transactionOf}, t, "notification")
	default:
		pay, err := findPayment(tx, n.Payment.OrderID, "", n.Payment.ID)
		if err != nil || pay == nil {
			return applied{outcome: OutcomeUnknownOrder, detail: "no payment for link " + n.Payment.ID}, err
		}
		return s.applyLinkClosed(tx, pay, n.Payment.ID, n.Payment.Status)
	}
}

// shopState is the shop's row as the transaction sees it, with what the sale rules need from it:
// whether the payment method refunds unwanted money itself, and which other payment already has
// the notification's transaction id.
type shopState struct {
	found         bool
	keySealed     string
	lastNote      *time.Time
	autoRefund    bool
	transactionOf *uuid.UUID
	seen          bool
}

// queueShopState queues the read of the shop's row, the sale rules' facts about imoje's transaction
// transactionID and our payment paymentID, and whether body sum was stored before (nil: not a
// notification), after the locks of the same round trip: a copy of this body committed while the
// transaction waited for them is seen here.
func queueShopState(tx *database.Tx, sh *shop, sum []byte, transactionID string, paymentID *uuid.UUID, out *shopState) {
	var txID *uuid.UUID
	if id, err := uuid.Parse(transactionID); err == nil {
		txID = &id
	}
	tx.Queue(`SELECT c.service_key_sealed, c.last_notification_at,
			coalesce((SELECT m.auto_refund_unwanted FROM payment_methods m WHERE m.tenant_id = c.tenant_id AND m.id = c.payment_method_id), true),
			(SELECT p.id FROM payments p WHERE p.tenant_id = c.tenant_id AND p.imoje_transaction_id = $6 AND p.id <> $7),
			EXISTS (SELECT 1 FROM imoje_notifications n WHERE n.tenant_id = c.tenant_id AND n.body_sha256 = $5)
		FROM imoje_credentials c
		WHERE c.tenant_id = $1 AND c.payment_method_id = $2 AND c.merchant_id = $3 AND c.service_id = $4`,
		sh.paymentMethodID, sh.merchantID, sh.serviceID, sum, txID, paymentID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			out.found = true
			if err := rows.Scan(&out.keySealed, &out.lastNote, &out.autoRefund, &out.transactionOf, &out.seen); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// notificationRecord is the stored notification with its outcome.
func notificationRecord(sh *shop, body, sum []byte, n *imoje.Notification, a applied, now time.Time) models.ImojeNotification {
	rec := models.ImojeNotification{TenantID: sh.tenantID, ID: uuid.New(), Body: string(body), BodySHA256: sum, ReceivedAt: now,
		PaymentID: a.paymentID, Outcome: a.outcome, Detail: a.detail}
	if t := n.Transaction; t != nil {
		rec.Kind, rec.ImojeID, rec.ImojeStatus, rec.OrderID = t.Type, t.ID, t.Status, t.OrderID
	} else {
		rec.Kind, rec.ImojeID, rec.ImojeStatus, rec.OrderID = "payment", n.Payment.ID, n.Payment.Status, n.Payment.OrderID
	}
	return rec
}

func queueNotificationRecord(tx *database.Tx, rec models.ImojeNotification) {
	tx.Queue(`INSERT INTO imoje_notifications (tenant_id, id, body, body_sha256, kind, imoje_id, imoje_status, order_id,
			payment_id, outcome, detail, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		rec.ID, rec.Body, rec.BodySHA256, rec.Kind, rec.ImojeID, rec.ImojeStatus, rec.OrderID,
		rec.PaymentID, rec.Outcome, rec.Detail, rec.ReceivedAt)
}

func transactionID(n *imoje.Notification) string {
	if n.Transaction != nil {
		return n.Transaction.ID
	}
	return ""
}

func bodyService(n *imoje.Notification) string {
	if n.Transaction != nil {
		return n.Transaction.ServiceID
	}
	return n.Payment.ServiceID
}
