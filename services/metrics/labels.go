package metrics

import (
	"net/http"
	"strconv"
	"sync"
)

// Caps on the label values that come from clients' operations.
const (
	// MaxOperationNames distinct GraphQL operation names get their own series; later names are
	// "other". Names are the clients' (an SPA and apps send a few dozen); a client inventing names
	// per request only fills the cap.
	MaxOperationNames = 200
	// MaxErrorCodes distinct error codes get their own series (the server's codes are a dozen).
	MaxErrorCodes = 50
	// maxLabelLength: a longer name is "other" whatever the cap.
	maxLabelLength = 100
)

// Limiter admits the first N distinct values of a label and folds every later one into "other",
// so a label fed by clients cannot grow a series per request.
type Limiter struct {
	mu   sync.Mutex
	max  int
	seen map[string]struct{}
}

// NewLimiter admits up to max distinct values.
func NewLimiter(max int) *Limiter {
	return &Limiter{max: max, seen: make(map[string]struct{}, max)}
}

// Value returns v when it is admitted (seen before, or room is left), else "other".
func (l *Limiter) Value(v string) string {
	if len(v) > maxLabelLength {
		return "other"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[v]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return "other"
	}
	l.seen[v] = struct{}{}
	return v
}

// Route is the route label of a request path: one of slotpay's routes, or "other" (GraphiQL, the
// development simulator, anything unknown), so scanners probing random paths add no series.
func Route(path string) string {
	switch path {
	case "/graphql", "/payment-imoje", "/healthz", "/readyz", Path:
		return path
	}
	return "other"
}

// Method is the method label: the standard methods, else "other".
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions, http.MethodPut,
		http.MethodPatch, http.MethodDelete:
		return m
	}
	return "other"
}

// Status is the status label: the three-digit code, or "other" outside 100–599.
func Status(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}

// CloseCode is the close-code label of a WebSocket: the codes of RFC 6455 and of the GraphQL
// WebSocket protocols that slotpay or a client may send, "none" for a connection lost without a
// close frame (-1), else "other" (a client may send any code from 3000 to 4999).
func CloseCode(code int) string {
	switch {
	case code < 0:
		return "none"
	case code >= 1000 && code <= 1015,
		code == 4400, code == 4401, code == 4403, code == 4408, code == 4409, code == 4429,
		code == 4499, code == 4500:
		return strconv.Itoa(code)
	}
	return "other"
}
