// Package imojehook is the HTTP edge of imoje's notifications: POST /payment-imoje reads the body
// (at most payments.MaxNotificationBytes), hands it with its signature header to the payments
// domain (payments.Service.HandleNotification verifies and applies it) and turns the domain's
// answer into the HTTP status imoje acts on. imoje retries anything but 200 {"status":"ok"}: a
// refusal that will never be accepted is a 4xx, anything that may succeed later a 503.
package imojehook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/attribute"

	"github.com/slotpay/slotpay/services/metrics"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/tracing"
)

// Path is the route imoje calls (payments.WebhookPath).
const Path = payments.WebhookPath

// Notifications is what the handler needs of the payments domain.
type Notifications interface {
	HandleNotification(ctx context.Context, signatureHeader string, body []byte) (outcome string, err error)
}

// Handler serves POST /payment-imoje.
type Handler struct {
	Payments Notifications
	Log      *slog.Logger
	// Metrics counts notifications by outcome and status (nil: not counted).
	Metrics *metrics.Metrics
}

// ServeHTTP is POST /payment-imoje: read, verify and apply, then answer {"status":"ok"} after commit.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, payments.MaxNotificationBytes+1))
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, "unreadable body", err)
		return
	}
	if len(body) > payments.MaxNotificationBytes {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, "body too large", nil)
		return
	}
	ctx, span := tracing.Start(r.Context(), "imoje notification")
	outcome, err := h.Payments.HandleNotification(ctx, r.Header.Get("X-Imoje-Signature"), body)
	tracing.End(span, err, attribute.String("slotpay.notification.outcome", outcome))
	if err != nil {
		status, reason := statusOf(err)
		h.refuse(w, r, status, reason, err)
		return
	}
	h.log().InfoContext(r.Context(), "imoje notification", "outcome", outcome)
	h.Metrics.Notification(outcome, http.StatusOK)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// statusOf maps the domain's refusals onto HTTP statuses: what will never be accepted is a 4xx,
// anything else (the database, a key that cannot be opened) is 503 and imoje retries.
func statusOf(err error) (int, string) {
	var refused *payments.NotificationError
	if !errors.As(err, &refused) {
		return http.StatusServiceUnavailable, "temporarily unavailable"
	}
	switch refused.Refusal {
	case payments.RefusedSignature:
		return http.StatusUnauthorized, refused.Reason
	case payments.RefusedUnknownShop:
		return http.StatusNotFound, refused.Reason
	case payments.RefusedMalformed:
		return http.StatusBadRequest, refused.Reason
	}
	return http.StatusServiceUnavailable, "temporarily unavailable"
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, reason string, err error) {
	level := h.log().WarnContext
	if status >= 500 {
		level = h.log().ErrorContext
	}
	detail := reason
	if err != nil {
		detail = err.Error()
	}
	level(r.Context(), "imoje notification refused", "status", status, "reason", reason, "error", detail)
	h.Metrics.Notification("", status)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"status":"error","reason":"` + reason + `"}`))
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
