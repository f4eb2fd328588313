package calendar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/ratelimit"
)

// Limiter counts attempts in shared buckets (ratelimit.Store).
type Limiter interface {
	Take(ctx context.Context, reqs ...ratelimit.Request) (ratelimit.Decision, error)
}

// Handler serves GET /calendar/<token>.ics (a feed) and GET /calendar/reservations/<id>.ics (one
// visit, for its business's staff or its customer token, sent as Authorization: Bearer or, for a
// customer token in a link, ?token=). It expects web.ClientIP and web.Authenticate in front.
type Handler struct {
	Calendar *Service
	Limiter  Limiter
	Limit    ratelimit.Limit
	Log      *slog.Logger
}

// FeedCacheControl lets clients and proxies keep a feed a few minutes (Google refreshes
// subscriptions every few hours anyway); private: it is one business's.
const FeedCacheControl = "private, max-age=300"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, FeedPath)
	if !ok || !strings.HasSuffix(name, ".ics") {
		http.NotFound(w, r)
		return
	}
	name = strings.TrimSuffix(name, ".ics")
	if id, ok := strings.CutPrefix(name, "reservations/"); ok {
		h.reservation(w, r, id)
		return
	}
	h.feed(w, r, name)
}

func (h *Handler) feed(w http.ResponseWriter, r *http.Request, token string) {
	if len(token) < 20 || len(token) > 100 {
		http.NotFound(w, r)
		return
	}
	hash := tokenHash(token)
	if !h.allowed(w, r, ratelimit.Key("calendar-feed", hex.EncodeToString(hash))) {
		return
	}
	f, err := h.Calendar.FeedByToken(r.Context(), token)
	switch {
	case errors.Is(err, ErrNoFeed):
		http.NotFound(w, r) // never issued, revoked or rotated: the same answer
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	serveCalendar(w, r, f.Body, "calendar.ics", FeedCacheControl)
}

func (h *Handler) reservation(w http.ResponseWriter, r *http.Request, rawID string) {
	id, err := uuid.Parse(rawID)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if !h.allowed(w, r, ratelimit.Key("calendar-file-ip", ratelimit.ClientNetwork(r.Context()))) {
		return
	}
	p, err := auth.FromContext(r.Context())
	if err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	o := FileOptions{View: ForStaff, Method: MethodPublish}
	if !p.IsStaff() {
		o.View = ForCustomer
		o.CustomerToken = bearer(r)
	}
	body, err := h.Calendar.ReservationFile(r.Context(), p, id, o)
	if err != nil {
		if ae, ok := apperr.As(err); ok && (ae.Code == apperr.NotFound || ae.Code == apperr.Forbidden) {
			http.NotFound(w, r)
			return
		}
		h.fail(w, r, err)
		return
	}
	serveCalendar(w, r, body, FileName(id), "private, no-store")
}

// bearer is the token the request authenticated with.
func bearer(r *http.Request) string {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(raw)
	}
	return ""
}

// allowed spends one attempt of key; a refusal answers 429 with Retry-After.
func (h *Handler) allowed(w http.ResponseWriter, r *http.Request, key string) bool {
	if h.Limiter == nil || h.Limit.Off() {
		return true
	}
	d, err := h.Limiter.Take(r.Context(), ratelimit.Request{Limit: h.Limit, Key: key, Cost: 1})
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	if !d.Allowed {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(d.RetryAfter.Seconds()+0.999))))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return false
	}
	return true
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if h.Log != nil {
		h.Log.ErrorContext(r.Context(), "calendar", "error", err.Error())
	}
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// serveCalendar writes body as text/calendar with a strong ETag of its content, answering 304 to
// a client that has it.
func serveCalendar(w http.ResponseWriter, r *http.Request, body []byte, filename, cacheControl string) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "text/calendar; charset=utf-8")
	hdr.Set("Content-Disposition", `inline; filename="`+filename+`"`)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func etagMatches(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// TokenFromQuery lets a link carry a customer token (?token=, the manage page's download link) as
// if it were the request's Authorization: it goes through the same verification (web.Authenticate).
func TokenFromQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := r.URL.Query().Get("token"); t != "" && r.Header.Get("Authorization") == "" {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+t)
		}
		next.ServeHTTP(w, r)
	})
}
