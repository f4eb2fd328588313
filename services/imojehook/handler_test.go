package imojehook

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/payments"
)

func TestStatusOf(t *testing.T) {
	t.Parallel()
	refused := func(r payments.Refusal, reason string) error {
		return fmt.Errorf("wrapped: %w", &payments.NotificationError{Refusal: r, Reason: reason})
	}
	for _, c := range []struct {
		name   string
		err    error
		status int
		reason string
	}{
		{"a malformed header or body will never be accepted", refused(payments.RefusedMalformed, "malformed notification"), http.StatusBadRequest, "malformed notification"},
		{"a bad signature", refused(payments.RefusedSignature, "bad signature"), http.StatusUnauthorized, "bad signature"},
		{"an unknown shop", refused(payments.RefusedUnknownShop, "unknown shop"), http.StatusNotFound, "unknown shop"},
		{"anything else may succeed later: imoje retries", errors.New("connection refused"), http.StatusServiceUnavailable, "temporarily unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if status, reason := statusOf(c.err); status != c.status || reason != c.reason {
				t.Fatalf("%d %q, want %d %q", status, reason, c.status, c.reason)
			}
		})
	}
}

// TestRefusedBeforeTheDomain: what the handler refuses by itself never reaches the payments domain
// (the handler has none here).
func TestRefusedBeforeTheDomain(t *testing.T) {
	t.Parallel()
	h := &Handler{}
	for _, c := range []struct {
		name   string
		method string
		body   string
		status int
		answer string
	}{
		{"not a POST", http.MethodGet, "", http.StatusMethodNotAllowed, "method not allowed\n"},
		{"a body over the limit", http.MethodPost, strings.Repeat("x", payments.MaxNotificationBytes+1), http.StatusRequestEntityTooLarge,
			`{"status":"error","reason":"body too large"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(c.method, Path, strings.NewReader(c.body)))
			if rec.Code != c.status || rec.Body.String() != c.answer {
				t.Fatalf("%d %q, want %d %q", rec.Code, rec.Body.String(), c.status, c.answer)
			}
		})
	}
}
