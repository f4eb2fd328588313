// Package payments takes money for reservations: per-tenant payment methods, imoje credentials
// (sealed at rest, write-only), payment initiation, imoje's notifications (HandleNotification;
// the HTTP route is services/imojehook), refunds and reconciliation. Every imoje status, whether
// notified or asked for, is decided by pure functions (decideSale, decideLinkClosed,
// decideRefundMove, in apply.go) and applied by one store (store.go) in one database.Tx, so that
// no status is lost, applied twice or applied backwards.
package payments

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/metrics"
	"github.com/slotpay/slotpay/services/secrets"
)

// Errors of this domain.
var (
	ErrMethodNotFound  = apperr.New(apperr.NotFound, "payment method not found")
	ErrPaymentNotFound = apperr.New(apperr.NotFound, "payment not found")
	ErrNoImoje         = apperr.New(apperr.BadUserInput, "online payments are not set up for this business")
	// ErrShopTaken names no business. Its way out is the proof only the shop's owner can give
	// (shopclaim.go).
	ErrShopTaken           = apperr.New(apperr.Conflict, "this imoje shop is connected to another business on slotpay. If the shop is yours, generate a new authorization token in imoje's panel (Settings → API keys; this ends the other connection) and save it here; a business needs a shop of its own")
	ErrAlreadyPaid         = apperr.New(apperr.Conflict, "this reservation is already paid")
	ErrNotPayable          = apperr.New(apperr.Conflict, "this reservation can no longer be paid")
	ErrPaymentInProgress   = apperr.New(apperr.Conflict, "a payment for this reservation is already in progress")
	ErrIdempotencyMismatch = apperr.New(apperr.Conflict, "this idempotency key was used for a different payment")
	ErrChannelUnavailable  = apperr.New(apperr.BadUserInput, "this payment channel is not available for this amount")
	ErrImojeUnavailable    = apperr.New(apperr.PaymentFailed, "the payment provider did not answer; try again")
	ErrImojeRefused        = apperr.New(apperr.PaymentFailed, "the payment provider refused the payment")
	ErrRefundUnknown       = apperr.New(apperr.PaymentFailed, "imoje did not answer; the refund stays requested until imoje says whether it was made")
	ErrRefundTooLarge      = apperr.New(apperr.BadUserInput, "refund exceeds what was paid and not yet refunded")
	ErrNotRefundable       = apperr.New(apperr.Conflict, "only a paid imoje payment can be refunded")
	ErrCannotMarkPaid      = apperr.New(apperr.Conflict, "only an unpaid reservation can be marked paid")
	ErrNothingDue          = apperr.New(apperr.Conflict, "nothing is due on this reservation")
)

// Options configure the service.
type Options struct {
	// PublicBaseURL builds the notification URL tenants paste into imoje's panel.
	PublicBaseURL string
	// DefaultImojeBaseURL, when set, replaces imoje's sandbox base URL (the development simulator).
	DefaultImojeBaseURL string
	// AllowCustomImoje accepts environment CUSTOM (any imoje base URL, e.g. a simulator): development
	// only. Without it every imoje call goes to imoje's own hosts.
	AllowCustomImoje bool
	// Imoje makes the imoje API clients (through imoje.DefaultHTTPClient when its HTTP is nil).
	Imoje imoje.Connector
	// RefundSpacing is imoje's minimum time between refunds of one merchant (5 s).
	RefundSpacing time.Duration
	// ReconcileAfter is how old a payment must be before reconciliation first asks imoje about it;
	// later checks back off from it (doubling, at most an hour apart).
	ReconcileAfter time.Duration
	// ReconcileBatch is how many payments (and refunds) one reconciliation round claims.
	ReconcileBatch int
	// Background bounds work started after a request ends (automatic refunds); cancel it to stop.
	Background context.Context
	// NotificationSilence is how long a payment may stay pending with no notification ever received
	// before the setup shows a warning.
	NotificationSilence time.Duration
	Now                 func() time.Time
	Log                 *slog.Logger
	// Metrics counts notifications by outcome and what reconciliation learned (nil: not counted).
	Metrics *metrics.Metrics
	// Tracing receives a trace per payment or refund reconciled (nil: none).
	Tracing trace.TracerProvider
}

// Service implements payments.
type Service struct {
	db      *database.DB
	shops   shopKeys
	booking *booking.Service
	box     *secrets.Box
	o       Options
	// background runs automatic refunds after their transaction commits (Wait waits for them).
	background sync.WaitGroup
}

// NewService builds the payments service.
func NewService(db *database.DB, bookings *booking.Service, box *secrets.Box, o Options) *Service {
	if o.RefundSpacing == 0 {
		o.RefundSpacing = 5 * time.Second
	}
	if o.ReconcileAfter == 0 {
		o.ReconcileAfter = DefaultReconcileAfter
	}
	if o.ReconcileBatch == 0 {
		o.ReconcileBatch = DefaultReconcileBatch
	}
	if o.Background == nil {
		o.Background = context.Background()
	}
	if o.NotificationSilence == 0 {
		o.NotificationSilence = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Service{db: db, booking: bookings, box: box, o: o}
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// Defaults of reconciliation (services/config reads SLOTPAY_RECONCILE_*).
const (
	DefaultReconcileInterval = 15 * time.Second
	DefaultReconcileAfter    = 45 * time.Second
	DefaultReconcileBatch    = 100
)

// Wait waits for the automatic refunds started in the background (cancel Options.Background first).
func (s *Service) Wait() { s.background.Wait() }

// NotificationURL is the exact address tenants paste into imoje (Shops → Details → Integration data
// → Notification URL).
func (s *Service) NotificationURL() string { return s.o.PublicBaseURL + WebhookPath }

// WebhookPath is the route imoje calls.
const WebhookPath = "/payment-imoje"

// reservationScope is the tenant p may pay reservation reservationID in (booking.Scope: staff of
// the tenant, or the reservation's customer token); an unknown or foreign reservation is
// booking.ErrReservationNotFound for the input field.
func reservationScope(p *auth.Principal, reservationID uuid.UUID, field string) (uuid.UUID, error) {
	tenantID, err := booking.Scope(p, reservationID)
	if booking.IsReservationNotFound(err) {
		return uuid.Nil, booking.ErrReservationNotFound.WithField(field)
	}
	return tenantID, err
}

// wrap is apperr.Op: unexpected errors get the operation's name, client-visible ones pass.
func wrap(op string, err error) error { return apperr.Op(op, err) }
