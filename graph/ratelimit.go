package graph

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/ratelimit"
)

// authMutations check a secret (a password, a refresh token, an invitation): each is limited per
// attempt, and a request may hold at most one of them, so aliases cannot guess many at once.
var authMutations = map[string]bool{"signUp": true, "logIn": true, "refreshToken": true, "acceptInvitation": true,
	"redeemMyBookingsLink": true}

// OneAuthentication refuses, before anything executes, a mutation operation that selects more than
// one authentication field (aliases, fragments and inline fragments included).
type OneAuthentication struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = OneAuthentication{}

// ExtensionName names the extension.
func (OneAuthentication) ExtensionName() string { return "OneAuthentication" }

// Validate accepts any schema.
func (OneAuthentication) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext counts the operation's authentication fields.
func (OneAuthentication) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || op.Operation.Operation != ast.Mutation {
		return nil
	}
	if n := countAuthFields(op.Operation.SelectionSet, map[string]bool{}); n > 1 {
		return &gqlerror.Error{
			Message:    "at most one authentication mutation (signUp, logIn, refreshToken, acceptInvitation, redeemMyBookingsLink) per request",
			Extensions: map[string]any{"code": string(apperr.BadUserInput), "count": n},
		}
	}
	return nil
}

func countAuthFields(set ast.SelectionSet, visiting map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if authMutations[s.Name] {
				n++
			}
		case *ast.InlineFragment:
			n += countAuthFields(s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			n += countAuthFields(s.Definition.SelectionSet, visiting)
			delete(visiting, s.Name)
		}
	}
	return n
}

// Limiter counts attempts in shared buckets (ratelimit.Store).
type Limiter interface {
	Take(ctx context.Context, reqs ...ratelimit.Request) (ratelimit.Decision, error)
}

// publicBuckets names the buckets of the public booking and payment mutations: staff are signed in
// and not limited here; anonymous callers and customers (with a reservation's token) are, per
// client IP and per what they act on. The authentication mutations are limited by tenancy, which
// knows an attempt's outcome.
func publicBuckets(l ratelimit.Limits, fc *graphql.FieldContext, ip string) []ratelimit.Request {
	req := func(limit ratelimit.Limit, rule string, parts ...string) ratelimit.Request {
		return ratelimit.Request{Limit: limit, Key: ratelimit.Key(rule, parts...), Cost: 1}
	}
	switch fc.Field.Name {
	case "createReservation":
		out := []ratelimit.Request{req(l.BookingIP, "booking-ip", ip)}
		if in, ok := fc.Args["input"].(model.CreateReservationInput); ok && in.Customer != nil {
			slug := ""
			if in.TenantSlug != nil {
				slug = *in.TenantSlug
			}
			out = append(out, req(l.BookingEmail, "booking-email", slug, strings.ToLower(strings.TrimSpace(in.Customer.Email))))
		}
		return out
	case "requestMyBookingsLink":
		out := []ratelimit.Request{req(l.MyBookingsIP, "mybookings-ip", ip)}
		if in, ok := fc.Args["input"].(model.RequestMyBookingsLinkInput); ok {
			out = append(out, req(l.MyBookingsEmail, "mybookings-email", in.TenantSlug, strings.ToLower(strings.TrimSpace(in.Email))))
		}
		return out
	case "redeemMyBookingsLink":
		return []ratelimit.Request{req(l.MyBookingsIP, "mybookings-redeem-ip", ip)}
	case "cancelReservation", "rescheduleReservation", "setMySmsOptOut":
		return []ratelimit.Request{req(l.BookingIP, "booking-ip", ip)}
	case "initiatePayment":
		out := []ratelimit.Request{req(l.PaymentIP, "payment-ip", ip)}
		if in, ok := fc.Args["input"].(model.InitiatePaymentInput); ok {
			out = append(out, req(l.PaymentReservation, "payment-reservation", in.ReservationID.String()))
		}
		return out
	}
	return nil
}

// LimitPublicMutations counts each public booking and payment mutation before its resolver runs
// and refuses it with RATE_LIMITED when a bucket is empty.
func LimitPublicMutations(limiter Limiter, limits ratelimit.Limits) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Object != "Mutation" || !fc.IsResolver {
			return next(ctx)
		}
		if p, _ := auth.FromContext(ctx); p.IsStaff() {
			return next(ctx)
		}
		reqs := publicBuckets(limits, fc, ratelimit.ClientNetwork(ctx))
		if len(reqs) == 0 {
			return next(ctx)
		}
		d, err := limiter.Take(ctx, reqs...)
		if err != nil {
			return nil, err
		}
		if !d.Allowed {
			return nil, ratelimit.Refused(d)
		}
		return next(ctx)
	}
}

type retryAfterKey struct{}

// retryAfterNote collects the longest wait among a response's RATE_LIMITED errors.
type retryAfterNote struct{ seconds atomic.Int64 }

// noteRetryAfter is called by the error presenter for each RATE_LIMITED error.
func noteRetryAfter(ctx context.Context, seconds int) {
	n, _ := ctx.Value(retryAfterKey{}).(*retryAfterNote)
	if n == nil {
		return // over WebSocket: extensions.retryAfter alone tells the client
	}
	for {
		cur := n.seconds.Load()
		if int64(seconds) <= cur || n.seconds.CompareAndSwap(cur, int64(seconds)) {
			return
		}
	}
}

// WithRetryAfter gives a GraphQL-over-HTTP response that carries a RATE_LIMITED error the
// Retry-After header (seconds, the longest wait among its errors). The errors are presented while
// the operation executes, before the response is written, so the header is set on the first write.
func WithRetryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		note := &retryAfterNote{}
		rw := &retryAfterWriter{ResponseWriter: w, note: note}
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), retryAfterKey{}, note)))
	})
}

type retryAfterWriter struct {
	http.ResponseWriter
	note    *retryAfterNote
	written bool
}

func (w *retryAfterWriter) setHeader() {
	if w.written {
		return
	}
	w.written = true
	if s := w.note.seconds.Load(); s > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(s, 10))
	}
}

func (w *retryAfterWriter) WriteHeader(code int) {
	w.setHeader()
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryAfterWriter) Write(b []byte) (int, error) {
	w.setHeader()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
