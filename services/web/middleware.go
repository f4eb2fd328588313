// Package web holds slotpay's HTTP plumbing: request ids, structured access logs, panic recovery,
// body limits, CORS and bearer-token authentication. It knows nothing of any domain.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/tracing"
)

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID returns ctx carrying request id id: for work that outlives its request and keeps
// only what it needs of it (a WebSocket connection).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// LogHandler adds request_id to every record logged with a request's context, and trace_id and
// span_id when a span is recording in it.
type LogHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	r.AddAttrs(tracing.LogAttrs(ctx)...)
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }

func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

// WriteHeader records the status; a second call (a handler answering after a library already did)
// is dropped, as net/http would drop it with a warning.
func (s *statusRecorder) WriteHeader(code int) {
	if s.status != 0 {
		return
	}
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (hijacking for WebSockets, flush).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Observe gives each request an id (X-Request-Id, accepted from the client when well-formed), logs one
// structured line per request (with what handlers added through AddLogAttrs), and turns a panic into
// a 500 that is logged with its stack.
func Observe(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		added := &accessLog{}
		ctx = context.WithValue(ctx, accessLogKey{}, added)
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, `{"error":"internal error"}`, http.StatusInternalServerError)
				}
			}
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", tracing.RedactPath(r.URL.Path)), slog.Int("status", rec.status),
				slog.Int("bytes", rec.bytes), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)}
			log.LogAttrs(ctx, slog.LevelInfo, "request", append(attrs, added.added()...)...)
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// LimitBody reads at most limit bytes of a request body; a larger body is answered 413 before the
// handler runs (gqlgen would otherwise report a read error with status 200).
func LimitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > limit {
			tooLarge(w, r, limit)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			WriteError(r.Context(), w, http.StatusBadRequest, "BAD_REQUEST", "could not read request body")
			return
		}
		if int64(len(body)) > limit {
			tooLarge(w, r, limit)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	w.Header().Set("Connection", "close")
	WriteError(r.Context(), w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", fmt.Sprintf("request body larger than %d bytes", limit))
}

// WriteError answers a request refused before GraphQL runs with a GraphQL error response: message,
// extensions.code and, as every error slotpay sends, extensions.requestId (the X-Request-Id header).
func WriteError(ctx context.Context, w http.ResponseWriter, status int, code, message string) {
	ext := map[string]string{"code": code}
	if id := RequestID(ctx); id != "" {
		ext["requestId"] = id
	}
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": message, "extensions": ext}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Authenticate verifies a bearer token when one is given and stores the principal, or the reason the
// token was refused, in the context. Operations that need no login still work with a bad token. A
// staff token's rights are read from members (its current membership) when first needed.
func Authenticate(tokens *auth.Tokens, members auth.Memberships, next http.Handler) http.Handler {
	if members == nil {
		panic("web.Authenticate: no memberships to authorise staff tokens by")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, raw, _ := strings.Cut(h, " ")
		var p *auth.Principal
		var err error = auth.ErrInvalidToken
		if strings.EqualFold(scheme, "Bearer") && raw != "" {
			p, err = tokens.Verify(strings.TrimSpace(raw))
		}
		next.ServeHTTP(w, r.WithContext(auth.WithCaller(r.Context(), p, err, members)))
	})
}

// CORSHeaders are the request headers browsers may send cross-origin (besides the CORS-safelisted
// ones): GraphQL's, the request id, tracing (W3C Trace Context, baggage, Sentry) and Apollo's
// client-identification and CSRF-prevention headers. SLOTPAY_CORS_ALLOWED_HEADERS adds to them.
var CORSHeaders = []string{
	"Content-Type", "Authorization", "Accept", "X-Request-Id",
	"traceparent", "tracestate", "baggage", "sentry-trace",
	"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight",
}

// CORSExposedHeaders are the response headers a browser's script may read.
var CORSExposedHeaders = []string{"X-Request-Id", "Retry-After"}

// CORSMaxAge is how long (seconds) a browser may keep a preflight's answer.
const CORSMaxAge = 600

// CORS answers browsers from the allowed origins (each scheme://host[:port] exactly; "*" allows
// any) through rs/cors: methods GET, POST and OPTIONS, the CORSHeaders and extra request headers,
// CORSExposedHeaders readable. Credentials (cookies) are not used: tokens travel in Authorization.
func CORS(origins, extraHeaders []string, next http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: append(slices.Clone(CORSHeaders), extraHeaders...),
		ExposedHeaders: CORSExposedHeaders,
		MaxAge:         CORSMaxAge,
	}).Handler(next)
}
