package graph

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/services/ratelimit"
)

const authSchema = `type Query { x: Int }
type Mutation { logIn(p: String): Int signUp(p: String): Int refreshToken(p: String): Int acceptInvitation(p: String): Int logOut: Int createReservation: Int }`

func TestOneAuthentication(t *testing.T) {
	t.Parallel()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: authSchema})
	cases := []struct {
		name, query string
		refused     bool
	}{
		{"one logIn", `mutation { logIn(p: "a") }`, false},
		{"one logIn among other mutations", `mutation { logIn(p: "a") logOut createReservation }`, false},
		{"aliases", `mutation { a: logIn(p: "a") b: logIn(p: "b") }`, true},
		{"two kinds", `mutation { logIn(p: "a") refreshToken(p: "b") }`, true},
		{"sign-up and invitation", `mutation { signUp(p: "a") acceptInvitation(p: "b") }`, true},
		{"in a fragment", `mutation { logIn(p: "a") ...F } fragment F on Mutation { b: logIn(p: "b") }`, true},
		{"in an inline fragment", `mutation { logIn(p: "a") ... on Mutation { b: logIn(p: "b") } }`, true},
		{"one fragment spread twice", `mutation { ...F ...F } fragment F on Mutation { logIn(p: "a") }`, true},
		{"a query is not counted", `query { x }`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, c.query)
			if errs != nil {
				t.Fatal(errs)
			}
			err := OneAuthentication{}.MutateOperationContext(context.Background(), &graphql.OperationContext{Operation: doc.Operations[0]})
			if (err != nil) != c.refused {
				t.Fatalf("refused=%v, want %v (%v)", err != nil, c.refused, err)
			}
			if err != nil && err.Extensions["code"] != "BAD_USER_INPUT" {
				t.Fatalf("code %v", err.Extensions["code"])
			}
		})
	}
}

// Which buckets each public mutation counts in.
func TestPublicBuckets(t *testing.T) {
	t.Parallel()
	l := ratelimit.DefaultLimits()
	slug := "salon"
	reservation := uuid.New()
	field := func(name string, args map[string]any) *graphql.FieldContext {
		return &graphql.FieldContext{Object: "Mutation", Field: graphql.CollectedField{Field: &ast.Field{Name: name}}, Args: args}
	}
	cases := []struct {
		name string
		fc   *graphql.FieldContext
		want []ratelimit.Request
	}{
		{"createReservation: address, and business with e-mail", field("createReservation", map[string]any{"input": model.CreateReservationInput{
			TenantSlug: &slug, Customer: &model.CustomerInput{Email: " Jan@Example.com "}}}), []ratelimit.Request{
			{Limit: l.BookingIP, Key: ratelimit.Key("booking-ip", "198.51.100.1"), Cost: 1},
			{Limit: l.BookingEmail, Key: ratelimit.Key("booking-email", "salon", "jan@example.com"), Cost: 1}}},
		{"cancelReservation: address", field("cancelReservation", nil), []ratelimit.Request{
			{Limit: l.BookingIP, Key: ratelimit.Key("booking-ip", "198.51.100.1"), Cost: 1}}},
		{"rescheduleReservation: address", field("rescheduleReservation", nil), []ratelimit.Request{
			{Limit: l.BookingIP, Key: ratelimit.Key("booking-ip", "198.51.100.1"), Cost: 1}}},
		{"initiatePayment: address and reservation", field("initiatePayment", map[string]any{"input": model.InitiatePaymentInput{ReservationID: reservation}}), []ratelimit.Request{
			{Limit: l.PaymentIP, Key: ratelimit.Key("payment-ip", "198.51.100.1"), Cost: 1},
			{Limit: l.PaymentReservation, Key: ratelimit.Key("payment-reservation", reservation.String()), Cost: 1}}},
		{"logIn is tenancy's", field("logIn", nil), nil},
		{"a staff mutation", field("createService", nil), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := publicBuckets(l, c.fc, "198.51.100.1")
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("bucket %d: %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// The longest wait among a response's refusals becomes its Retry-After header.
func TestWithRetryAfter(t *testing.T) {
	t.Parallel()
	h := WithRetryAfter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noteRetryAfter(r.Context(), ratelimit.RetryAfterSeconds(90*time.Second))
		noteRetryAfter(r.Context(), ratelimit.RetryAfterSeconds(1500*time.Millisecond))
		_, _ = w.Write([]byte(`{}`))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if got := rec.Header().Get("Retry-After"); got != "90" {
		t.Fatalf("Retry-After %q, want 90", got)
	}
	rec = httptest.NewRecorder()
	WithRetryAfter(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) })).
		ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if got := rec.Header().Get("Retry-After"); got != "" {
		t.Fatalf("Retry-After %q on a response without refusals", got)
	}
}

func TestErrorPresenterRateLimited(t *testing.T) {
	t.Parallel()
	present := ErrorPresenter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	note := &retryAfterNote{}
	ctx := context.WithValue(graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil), retryAfterKey{}, note)
	got := present(ctx, gqlerror.WrapPath(ast.Path{ast.PathName("logIn")},
		fmt.Errorf("log in: %w", ratelimit.Refused(ratelimit.Decision{RetryAfter: 2500 * time.Millisecond}))))
	if got.Extensions["code"] != "RATE_LIMITED" || got.Extensions["retryAfter"] != 3 || got.Message != "too many attempts: try again later" {
		t.Fatalf("presented %+v", got)
	}
	if note.seconds.Load() != 3 {
		t.Fatalf("Retry-After noted %d, want 3", note.seconds.Load())
	}
}
