package payments

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/imoje"
)

// InitiateInput starts paying a reservation. Amount and currency always come from the reservation.
type InitiateInput struct {
	ReservationID    uuid.UUID
	Channel          string // BLIK, PBL, PAY_LATER, CARD, CHOOSE
	BlikCode         string // optional: the 6-digit code entered in our page (BLIK without redirect)
	BankCode         string // PBL: imoje's bank channel code, e.g. "ing", "mtransfer"
	PayLaterProvider string // PAY_LATER: TWISTO, PAYPO, BLIK_PAY_LATER, PRAGMA_GO
	IdempotencyKey   string
	ReturnURL        string // where imoje sends the payer back (optional)
	ClientIP         string
}

var blikCodePattern = regexp.MustCompile(`^[0-9]{6}$`)

func (in *InitiateInput) validate() error {
	var problems apperr.Problems
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if in.IdempotencyKey == "" || len(in.IdempotencyKey) > 200 {
		reason := apperr.TooLong
		if in.IdempotencyKey == "" {
			reason = apperr.Required
		}
		problems.Add(apperr.Input("idempotencyKey", reason, "idempotency key must be 1 to 200 characters").With("max", 200))
	}
	problems.Add(in.validateChannel())
	if in.ReturnURL != "" {
		u, err := url.Parse(in.ReturnURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.ReturnURL) > 500 {
			problems.Add(apperr.Input("returnUrl", apperr.InvalidFormat, "return URL must be an absolute http(s) URL"))
		}
	}
	return problems.Err()
}

// validateChannel checks the channel and what it needs (a BLIK code, a bank, a pay-later provider).
func (in *InitiateInput) validateChannel() error {
	switch in.Channel {
	case ChannelBlik:
		if in.BlikCode != "" && !blikCodePattern.MatchString(in.BlikCode) {
			return apperr.Input("blikCode", apperr.InvalidFormat, "BLIK code must be 6 digits")
		}
	case ChannelPBL:
		if in.BankCode == "" {
			return apperr.Input("bankCode", apperr.Required, "choose a bank for a fast transfer")
		}
	case ChannelPayLater:
		if _, ok := payLaterCodes[in.PayLaterProvider]; !ok {
			return apperr.Input("payLaterProvider", apperr.NotAllowed, "choose a pay-later provider: TWISTO, PAYPO, BLIK_PAY_LATER or PRAGMA_GO")
		}
	case ChannelCard, ChannelChoose:
	default:
		return apperr.Input("channel", apperr.NotAllowed, "channel must be BLIK, PBL, PAY_LATER, CARD or CHOOSE")
	}
	if in.Channel != ChannelBlik && in.BlikCode != "" {
		return apperr.Input("blikCode", apperr.Inconsistent, "a BLIK code goes with the BLIK channel only")
	}
	return nil
}

// errIdempotentReplay ends the first transaction when the key already has a payment.
var errIdempotentReplay = errors.New("idempotent replay")

// InitiatePayment records a payment (its id is imoje's orderId) and then asks imoje for it. The
// payment row comes first so that no imoje transaction can exist without one. When imoje refuses
// (it answered with an error), the payment is FAILED and the reservation is left as it was. When
// imoje does not answer (timeout, connection lost), imoje may have created it: the payment is
// UNKNOWN — still the reservation's active payment, the customer told it may be in progress — until
// imoje's notification or reconciliation says what happened.
//
// A retry for a reservation whose active payment is UNKNOWN supersedes it: the UNKNOWN payment
// becomes SUPERSEDED (still watched; if imoje settles it after all, the money is refunded as a
// duplicate unless the new payment has not settled by then, in which case it pays the reservation
// and the new one is superseded in turn). A retry while a payment is CREATED (being asked) or
// PENDING (imoje has it) is refused with CONFLICT.
func (s *Service) InitiatePayment(ctx context.Context, p *auth.Principal, in InitiateInput) (*models.Payment, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if _, err := reservationScope(p, in.ReservationID, "reservationId"); err != nil {
		return nil, err
	}
	hash := requestHash(struct {
		R               uuid.UUID
		C, B, K, L, Ret string
	}{in.ReservationID, in.Channel, in.BlikCode, in.BankCode, in.PayLaterProvider, in.ReturnURL})
	actor := "customer"
	if p.IsStaff() {
		actor = p.UserID.String()
	}
	var st initiation
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) (err error) {
		st, err = s.createPayment(tx, p, in, hash, actor)
		return err
	})
	if errors.Is(err, errIdempotentReplay) {
		return s.replay(ctx, p.TenantID, in.IdempotencyKey, hash)
	}
	if err != nil {
		return nil, wrap("initiate payment", err)
	}
	// Neither the call nor its record stops when the caller goes away: imoje may act on the call,
	// so its answer must be kept. The imoje client's timeout bounds both.
	ctx = context.WithoutCancel(ctx)
	redirect, txID, linkID, callErr := s.callImoje(ctx, st, in)
	return s.recordInitiation(ctx, &st.pay, st.view, redirect, txID, linkID, callErr)
}

// initiation is what createPayment recorded and read for the call to imoje.
type initiation struct {
	pay     models.Payment
	view    *booking.PaymentView
	due     amountDue
	cred    models.ImojeCredentials
	client  *imoje.Client
	channel imoje.ServiceMethod
}

// createPayment records the CREATED payment of InitiatePayment in tx, after superseding the
// reservation's UNKNOWN payments; errIdempotentReplay when the key already has a payment.
func (s *Service) createPayment(tx *database.Tx, p *auth.Principal, in InitiateInput, hash []byte, actor string) (initiation, error) {
	var st initiation
	existing, err := paymentByKey(tx, p.TenantID, in.IdempotencyKey)
	if err != nil || existing != nil {
		if existing != nil {
			return st, errIdempotentReplay
		}
		return st, err
	}
	// Lock order everywhere: payments, then their reservation.
	var unknown []uuid.UUID
	if err := tx.Gorm().Model(&models.Payment{}).Clauses(lockUpdate).Select("id").
		Where("reservation_id = ? AND status = ?", in.ReservationID, models.PaymentStateUnknown).
		Scan(&unknown).Error; err != nil {
		return st, err
	}
	if st.view, st.due, st.cred, st.channel, err = s.payableWith(tx, in); err != nil {
		return st, err
	}
	if st.client, _, err = s.client(&st.cred); err != nil {
		return st, err
	}
	now := s.now()
	validTo := now.Add(defaultLifetime)
	if st.view.HoldExpiresAt != nil {
		validTo = st.view.HoldExpiresAt.UTC()
	}
	st.pay = models.Payment{
		TenantID: p.TenantID, ID: uuid.New(), ReservationID: st.view.ReservationID, PaymentMethodID: st.cred.PaymentMethodID,
		Channel: in.Channel, Amount: st.due.amount, Currency: st.view.Currency, Status: models.PaymentStateCreated, PaidBefore: st.view.Balance.Paid,
		IdempotencyKey: in.IdempotencyKey, RequestHash: hash, CreatedBy: actor, ValidTo: &validTo, CreatedAt: now, UpdatedAt: now,
	}
	if err := supersede(tx, p.TenantID, st.view.ReservationID, unknown, now); err != nil {
		return st, err
	}
	if st.channel.PaymentMethod != "" {
		st.pay.ImojeMethod, st.pay.ImojeMethodCode = &st.channel.PaymentMethod, &st.channel.PaymentMethodCode
	}
	if err := tx.Gorm().Create(&st.pay).Error; err != nil {
		// Either index may report a concurrent twin with the same key first (the unique check
		// waited for it to commit): replay finds it by key, or says a payment is in progress.
		if ok, _ := isUnique(err); ok {
			return st, errIdempotentReplay
		}
		return st, err
	}
	return st, nil
}

// payableWith reads the reservation locked and checks it may be paid with in's channel now: the
// view, what is due next, the tenant's imoje credentials and the shop's channel for the payer's
// choice (for that amount).
func (s *Service) payableWith(tx *database.Tx, in InitiateInput) (*booking.PaymentView, amountDue, models.ImojeCredentials, imoje.ServiceMethod, error) {
	var cred models.ImojeCredentials
	view, err := lockedView(tx, in.ReservationID)
	if booking.IsReservationNotFound(err) {
		return nil, amountDue{}, cred, imoje.ServiceMethod{}, booking.ErrReservationNotFound.WithField("reservationId")
	}
	if err != nil {
		return nil, amountDue{}, cred, imoje.ServiceMethod{}, err
	}
	due, err := s.payable(view)
	if err != nil {
		return nil, due, cred, imoje.ServiceMethod{}, err
	}
	if cred, err = imojeCredentials(tx, tx.TenantID()); err != nil {
		return nil, due, cred, imoje.ServiceMethod{}, err
	}
	if in.Channel != ChannelChoose && !slices.Contains(cred.OfferedChannels, in.Channel) {
		return nil, due, cred, imoje.ServiceMethod{}, apperr.Invalid("channel", "this business does not offer "+in.Channel)
	}
	channel, err := pickChannel(cred, in, due.amount, view.Currency)
	return view, due, cred, channel, err
}

// supersede marks a reservation's UNKNOWN payments SUPERSEDED for the retry that replaces them
// (still watched by reconciliation, refunded if they settle after all) and tells their subscribers.
func supersede(tx *database.Tx, tenantID, reservationID uuid.UUID, ids []uuid.UUID, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	tx.Queue(`UPDATE payments SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = ANY($2)`, ids, models.PaymentStateSuperseded, now)
	evs := make([]events.Event, len(ids))
	for i, id := range ids {
		evs[i] = events.Event{Kind: events.PaymentUpdated, TenantID: tenantID, ReservationID: reservationID, PaymentID: id}
	}
	return events.Publish(tx, evs...)
}

// amountDue is what a payment started now pays (models.Balance.NextDue): the deposit while nothing
// is paid and one is asked, the balance after something was paid, or else the whole price.
type amountDue struct {
	amount           int64
	deposit, balance bool
}

// payable refuses cancelled, expired, finished and already-paid reservations, and says what is due
// next; CONFLICT (ErrNothingDue) when nothing is (the server decides the amount, never the client).
func (s *Service) payable(v *booking.PaymentView) (amountDue, error) {
	if paidStatus(v.PaymentStatus) {
		return amountDue{}, ErrAlreadyPaid
	}
	switch v.Status {
	case models.StatusPendingPayment:
		if v.HoldExpiresAt != nil && !v.HoldExpiresAt.After(s.now().Add(time.Minute)) {
			return amountDue{}, ErrNotPayable.Wrap(errors.New("hold expires within a minute"))
		}
	case models.StatusConfirmed:
	case models.StatusRequested:
		// A request waiting for approval may be paid ahead only where paying online is optional
		// (refunded in full if it is declined); under REQUIRED the hold starts once it is approved.
		if v.PaymentPolicy != models.PaymentPolicyOptional {
			return amountDue{}, ErrNotPayable.Wrap(errors.New("prepayment waits for the business's approval"))
		}
	default:
		return amountDue{}, ErrNotPayable
	}
	if v.Amount <= 0 {
		return amountDue{}, ErrNotPayable.Wrap(errors.New("nothing to pay"))
	}
	amount, deposit := v.Balance.NextDue()
	if amount <= 0 {
		return amountDue{}, ErrNothingDue
	}
	return amountDue{amount: amount, deposit: deposit, balance: !deposit && v.Balance.Paid > 0}, nil
}

func paymentByKey(tx *database.Tx, tenantID uuid.UUID, key string) (*models.Payment, error) {
	var pay models.Payment
	err := tx.Gorm().First(&pay, "tenant_id = ? AND idempotency_key = ?", tenantID, key).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &pay, err
}

// replay answers a repeated idempotency key with the payment it made. When the first request is
// still talking to imoje, it waits a little for the answer so both callers see the same redirect.
func (s *Service) replay(ctx context.Context, tenantID uuid.UUID, key string, hash []byte) (*models.Payment, error) {
	for attempt := 0; ; attempt++ {
		var pay *models.Payment
		err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) (err error) {
			pay, err = paymentByKey(tx, tenantID, key)
			return err
		})
		if err != nil {
			return nil, wrap("initiate payment", err)
		}
		if pay == nil {
			return nil, ErrPaymentInProgress.WithField("reservationId")
		}
		if string(pay.RequestHash) != string(hash) {
			return nil, ErrIdempotencyMismatch.WithField("idempotencyKey")
		}
		if pay.Status != models.PaymentStateCreated || attempt >= 40 {
			return pay, nil
		}
		select {
		case <-ctx.Done():
			return pay, nil
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func imojeCredentials(tx *database.Tx, tenantID uuid.UUID) (models.ImojeCredentials, error) {
	var cred models.ImojeCredentials
	err := tx.Gorm().Raw(`SELECT c.* FROM imoje_credentials c JOIN payment_methods m
		ON m.tenant_id = c.tenant_id AND m.id = c.payment_method_id
		WHERE c.tenant_id = ? AND m.enabled AND m.archived_at IS NULL`, tenantID).Scan(&cred).Error
	if err != nil {
		return cred, err
	}
	if cred.PaymentMethodID == uuid.Nil {
		return cred, ErrNoImoje
	}
	return cred, nil
}

// pickChannel finds the shop's channel for the payer's choice and checks it takes this amount (pay
// later above a provider's limit is refused here, before imoje is asked).
func pickChannel(cred models.ImojeCredentials, in InitiateInput, amount int64, currency string) (imoje.ServiceMethod, error) {
	var shop []imoje.ServiceMethod
	_ = json.Unmarshal(cred.ShopChannels, &shop)
	var method, code, field string
	switch in.Channel {
	case ChannelBlik:
		method, code, field = "blik", "blik", "channel"
	case ChannelPBL:
		method, code, field = "pbl", in.BankCode, "bankCode"
	case ChannelPayLater:
		method, code, field = "imoje_paylater", payLaterCodes[in.PayLaterProvider], "payLaterProvider"
	case ChannelCard:
		method, code, field = "card", "", "channel"
	case ChannelChoose:
		return imoje.ServiceMethod{}, nil
	}
	found := false
	for _, m := range shop {
		if m.PaymentMethod != method || (code != "" && m.PaymentMethodCode != code) {
			continue
		}
		found = true
		if m.Offers(amount, currency) {
			return m, nil
		}
	}
	if !found {
		return imoje.ServiceMethod{}, apperr.Invalid(field, "the shop does not offer this channel")
	}
	return imoje.ServiceMethod{}, ErrChannelUnavailable.WithField(field)
}

// OfferedChannels lists what a customer may choose for an amount: the tenant's channels the shop
// has, active and within limits (pay-later providers only within their limits).
func OfferedChannels(cred models.ImojeCredentials, amount int64, currency string) []imoje.ServiceMethod {
	var shop []imoje.ServiceMethod
	_ = json.Unmarshal(cred.ShopChannels, &shop)
	var out []imoje.ServiceMethod
	for _, m := range shop {
		for _, c := range cred.OfferedChannels {
			if channelMethod[c] == m.PaymentMethod && m.Offers(amount, currency) {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *Service) callImoje(ctx context.Context, st initiation, in InitiateInput) (redirect string, txID, linkID *uuid.UUID, err error) {
	client, cred, pay, view, channel := st.client, st.cred, &st.pay, st.view, st.channel
	first, last, _ := strings.Cut(strings.TrimSpace(view.CustomerName), " ")
	if last == "" {
		last = first
	}
	customer := imoje.Customer{FirstName: first, LastName: last, Email: view.CustomerEmail, Phone: view.CustomerPhone}
	validTo := *pay.ValidTo
	returnURL := in.ReturnURL
	if returnURL == "" {
		returnURL = s.o.PublicBaseURL + "/"
	}
	title := paymentTitle(view, st.due)
	notificationURL := ""
	if acceptableNotificationURL(s.NotificationURL()) {
		notificationURL = s.NotificationURL()
	}
	switch in.Channel {
	case ChannelBlik, ChannelPBL, ChannelPayLater:
		req := imoje.TransactionRequest{
			ServiceID: cred.ServiceID.String(), Amount: pay.Amount, Currency: pay.Currency, OrderID: pay.ID.String(), Title: title,
			PaymentMethod: channel.PaymentMethod, PaymentMethodCode: channel.PaymentMethodCode,
			SuccessReturnURL: returnURL, FailureReturnURL: returnURL, NotificationURL: notificationURL,
			ValidTo: validTo.Unix(), Customer: customer,
		}
		if in.BlikCode != "" {
			req.BlikCode, req.ClientIP = in.BlikCode, in.ClientIP
		}
		t, action, err := client.CreateTransaction(ctx, req)
		if err != nil {
			return "", nil, nil, err
		}
		if id, perr := uuid.Parse(t.ID); perr == nil {
			txID = &id
		}
		if action != nil && in.BlikCode == "" {
			// With a code the payer confirms in the bank's app: there is no page to send them to,
			// whatever imoje's answer carries.
			redirect = action.URL
		}
		return redirect, txID, nil, nil
	default: // CARD and CHOOSE: a payment link; the payer chooses (or pays by card) on imoje's page.
		visible := []string{"card"}
		if in.Channel == ChannelChoose {
			visible = nil
			for _, c := range cred.OfferedChannels {
				visible = append(visible, channelMethod[c])
			}
		}
		link, err := client.CreatePayment(ctx, imoje.PaymentRequest{
			ServiceID: cred.ServiceID.String(), Amount: pay.Amount, Currency: pay.Currency, OrderID: pay.ID.String(), Title: title,
			VisibleMethod: visible, ReturnURL: returnURL, SuccessReturnURL: returnURL, FailureReturnURL: returnURL,
			NotificationURL: notificationURL, ValidTo: validTo.Unix(), Customer: customer,
		})
		if err != nil {
			return "", nil, nil, err
		}
		if id, perr := uuid.Parse(link.ID); perr == nil {
			linkID = &id
		}
		return link.URL, nil, linkID, nil
	}
}

// acceptableNotificationURL: imoje refuses a per-request notificationUrl with localhost or an
// explicit port; such an address can only come from the shop's panel setting.
func acceptableNotificationURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Port() != "" {
		return false
	}
	h := u.Hostname()
	return h != "localhost" && h != "127.0.0.1" && h != "::1" && !strings.HasSuffix(h, ".test")
}

// paymentTitle is what the payer sees at imoje and in the bank: the service and the visit's time
// as the customer booked it, in the business's zone ("Haircut 2026-12-07 09:00"), and for part of
// the price which part, in Polish and English (customers of a Polish business read either):
// "zaliczka / deposit" or "dopłata / balance". The service's name is cut, never the part.
func paymentTitle(view *booking.PaymentView, due amountDue) string {
	suffix := " " + view.LocalStart().Format("2006-01-02 15:04")
	switch {
	case due.deposit:
		suffix += " - zaliczka / deposit"
	case due.balance:
		suffix += " - dopłata / balance"
	}
	return truncate(view.ServiceName, 255-len([]rune(suffix))) + suffix
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// recordInitiation stores imoje's answer. The payment moves CREATED → PENDING only if nothing else
// (a fast notification) moved it already; the reservation's payment status becomes PENDING. No
// answer makes it UNKNOWN (the reservation's payment status PENDING too), a refusal FAILED.
func (s *Service) recordInitiation(ctx context.Context, pay *models.Payment, view *booking.PaymentView, redirect string,
	txID, linkID *uuid.UUID, callErr error) (*models.Payment, error) {
	now := s.now()
	err := s.db.InTenant(ctx, pay.TenantID, func(tx *database.Tx) error {
		var current models.Payment
		if err := tx.Gorm().Clauses(lockUpdate).First(&current, "tenant_id = ? AND id = ?", pay.TenantID, pay.ID).Error; err != nil {
			return err
		}
		if callErr != nil {
			if current.Status != models.PaymentStateCreated {
				return nil
			}
			if imoje.OutcomeUnknown(callErr) {
				if err := tx.Gorm().Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).
					Updates(map[string]any{"status": models.PaymentStateUnknown, "failure_code": "IMOJE_NO_ANSWER", "failure_message": truncate(callErr.Error(), 500),
						"next_check_at": now.Add(s.o.ReconcileAfter), "updated_at": now}).Error; err != nil {
					return err
				}
				return s.moveReservation(tx, pay.ReservationID, models.PaymentPending, booking.HistoryActorSystem,
					"imoje did not answer: the payment may be in progress", paymentEvent(pay))
			}
			code, msg := "IMOJE_ERROR", callErr.Error()
			if e, ok := imoje.AsAPIError(callErr); ok && e.Unavailable() {
				code = "IMOJE_UNAVAILABLE"
			}
			return tx.Gorm().Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).
				Updates(map[string]any{"status": models.PaymentStateFailed, "failure_code": code, "failure_message": truncate(msg, 500), "updated_at": now}).Error
		}
		updates := map[string]any{"updated_at": now}
		if redirect != "" {
			updates["redirect_url"] = redirect
		}
		if txID != nil && current.ImojeTransactionID == nil {
			updates["imoje_transaction_id"] = *txID
		}
		if linkID != nil {
			updates["imoje_payment_id"] = *linkID
		}
		started := current.Status == models.PaymentStateCreated || current.Status == models.PaymentStateUnknown
		if started {
			updates["status"] = models.PaymentStatePending
			updates["next_check_at"] = now.Add(s.o.ReconcileAfter)
		}
		if err := tx.Gorm().Model(&models.Payment{}).Where("tenant_id = ? AND id = ?", pay.TenantID, pay.ID).Updates(updates).Error; err != nil {
			return err
		}
		if started {
			return s.moveReservation(tx, pay.ReservationID, models.PaymentPending, booking.HistoryActorSystem, "payment started: "+pay.Channel, paymentEvent(pay))
		}
		return events.Publish(tx, paymentEvent(pay))
	})
	if err != nil {
		return nil, wrap("record payment", err)
	}
	if callErr != nil && imoje.OutcomeUnknown(callErr) {
		s.o.Log.WarnContext(ctx, "imoje did not answer a payment; its outcome is unknown", "payment_id", pay.ID.String(), "error", callErr.Error())
	} else if callErr != nil {
		s.o.Log.WarnContext(ctx, "imoje refused a payment", "payment_id", pay.ID.String(), "error", callErr.Error())
		if e, ok := imoje.AsAPIError(callErr); ok && !e.Unavailable() {
			return nil, ErrImojeRefused.Wrap(callErr)
		}
		return nil, ErrImojeUnavailable.Wrap(callErr)
	}
	return s.payment(ctx, pay.TenantID, pay.ID)
}

// Payment returns one payment to staff of its tenant or to the holder of its reservation's
// customer token (booking.Scope: another reservation's payment is not found, like a missing one).
func (s *Service) Payment(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.Payment, error) {
	if p == nil {
		return nil, apperr.ErrUnauthenticated
	}
	pay, err := s.payment(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	if _, err := booking.Scope(p, pay.ReservationID); err != nil {
		return nil, ErrPaymentNotFound
	}
	return pay, nil
}

// payment reads one payment of a tenant.
func (s *Service) payment(ctx context.Context, tenantID, id uuid.UUID) (*models.Payment, error) {
	found, err := s.PaymentsByIDs(ctx, tenantID, []uuid.UUID{id})
	if err != nil {
		return nil, wrap("payment", err)
	}
	pay, ok := found[id]
	if !ok {
		return nil, ErrPaymentNotFound
	}
	return &pay, nil
}

// PaymentsOf lists a reservation's payments, newest first.
func (s *Service) PaymentsOf(ctx context.Context, tenantID uuid.UUID, reservationIDs []uuid.UUID) (map[uuid.UUID][]models.Payment, error) {
	out := map[uuid.UUID][]models.Payment{}
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		QueuePaymentsOf(tx, reservationIDs, out)
		return nil
	})
	return out, wrap("payments of reservations", err)
}

var paymentsOfSQL = `SELECT ` + database.Columns[models.Payment]() + ` FROM payments WHERE tenant_id = $1 AND reservation_id = ANY($2) ORDER BY created_at DESC`

func paymentReservation(p models.Payment) uuid.UUID { return p.ReservationID }

// QueuePaymentsOf queues PaymentsOf's read into tx (booking.AttachRelations sends it with the
// other relations of the reservations of a response in one round trip).
func QueuePaymentsOf(tx *database.Tx, reservationIDs []uuid.UUID, out map[uuid.UUID][]models.Payment) {
	database.QueueRowsGrouped(tx, paymentsOfSQL, []any{reservationIDs}, paymentReservation, out)
}

// PaymentsByIDs reads payments of one tenant by id.
func (s *Service) PaymentsByIDs(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]models.Payment, error) {
	out := make(map[uuid.UUID]models.Payment, len(ids))
	err := s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		database.QueueRowsByKey(tx, `SELECT `+database.Columns[models.Payment]()+` FROM payments WHERE tenant_id = $1 AND id = ANY($2)`,
			[]any{ids}, func(p models.Payment) uuid.UUID { return p.ID }, out)
		return nil
	})
	return out, wrap("payments by id", err)
}
