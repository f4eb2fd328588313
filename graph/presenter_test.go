package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/booking"
)

func TestErrorPresenter(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	present := ErrorPresenter(slog.New(slog.NewTextHandler(&logged, nil)))
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, nil)
	// gqlgen hands every resolver error to the presenter wrapped with its path (graphql.AddError →
	// ErrorOnPath), so the cases are wrapped the same way.
	onPath := func(err error, path ...any) error {
		var p ast.Path
		for _, el := range path {
			switch v := el.(type) {
			case string:
				p = append(p, ast.PathName(v))
			case int:
				p = append(p, ast.PathIndex(v))
			}
		}
		return gqlerror.WrapPath(p, err)
	}

	// What pgconn.PgError's Error() says of a unique violation (graph imports no driver).
	dbErr := errors.New(`ERROR: duplicate key value violates unique constraint "users_email_key" (SQLSTATE 23505)`)
	got := present(ctx, onPath(fmt.Errorf("sign up: %w", dbErr), "signUp"))
	if got.Message != "internal error" || got.Extensions["code"] != "INTERNAL" || strings.Contains(got.Error(), "duplicate") {
		t.Fatalf("database error leaked: %+v", got)
	}
	if !strings.Contains(logged.String(), "duplicate key") {
		t.Fatal("internal error not logged for the operator")
	}
	got = present(ctx, onPath(errors.New("ERROR: deadlock detected (SQLSTATE 40P01)"), "refundPayment"))
	if got.Extensions["code"] != "INTERNAL" || strings.Contains(got.Message, "SQLSTATE") {
		t.Fatalf("driver error leaked: %+v", got)
	}

	got = present(ctx, onPath(apperr.Invalid("input.email", "e-mail address is not valid"), "signUp"))
	if got.Message != "e-mail address is not valid" || got.Extensions["code"] != "BAD_USER_INPUT" || got.Extensions["field"] != "input.email" {
		t.Fatalf("input error: %+v", got)
	}

	wrapped := onPath(fmt.Errorf("context: %w", apperr.ErrNotFound.Wrap(errors.New("record not found"))), "reservation")
	got = present(ctx, wrapped)
	if got.Extensions["code"] != "NOT_FOUND" || strings.Contains(got.Message, "record not found") {
		t.Fatalf("wrapped domain error: %+v", got)
	}

	got = present(ctx, onPath(errPanic, "me"))
	if got.Message != "internal error" || got.Extensions["code"] != "INTERNAL" {
		t.Fatalf("panic: %+v", got)
	}

	// A malformed scalar argument (graph/scalar reports it as input) names its field by its path.
	got = present(ctx, onPath(apperr.New(apperr.BadUserInput, "invalid UUID length: 2"), "revokeInvitation", "id"))
	if got.Extensions["code"] != "BAD_USER_INPUT" || got.Extensions["field"] != "id" || got.Extensions["reason"] != "INVALID_VALUE" {
		t.Fatalf("coercion: %+v", got)
	}

	// A client that went away: still INTERNAL to nobody, but not logged as a fault.
	logged.Reset()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	got = present(cancelled, onPath(errors.New("sql: transaction has already been committed or rolled back"), "reservations"))
	if got.Extensions["code"] != "INTERNAL" || strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "cancelled") {
		t.Fatalf("cancelled request: %+v, logged %q", got, logged.String())
	}

	// gqlgen's own errors (validation) carry no cause and pass through.
	got = present(ctx, gqlerror.Errorf("Cannot query field \"x\" on type \"Query\"."))
	if !strings.Contains(got.Message, "Cannot query field") || got.Extensions["reason"] != "INVALID_VALUE" {
		t.Fatalf("validation: %+v", got)
	}
	// gqlgen's coded errors keep their code and get no reason of ours.
	got = present(ctx, &gqlerror.Error{Message: "parse", Extensions: map[string]any{"code": "GRAPHQL_PARSE_FAILED"}})
	if got.Extensions["reason"] != nil {
		t.Fatalf("parse: %+v", got)
	}
}

const recursiveSchema = `type Query { node: Node } type Node { id: ID child: Node }`

func depthOf(t *testing.T, query string) *gqlerror.Error {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: recursiveSchema})
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	return DepthLimit{Max: 3}.MutateOperationContext(context.Background(), &graphql.OperationContext{Operation: doc.Operations[0]})
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	// Depth counts field levels, leaves included: node.child.id is 3.
	if err := depthOf(t, `{ node { child { id } } }`); err != nil {
		t.Fatalf("depth 3 refused: %v", err)
	}
	if err := depthOf(t, `{ node { child { child { id } } } }`); err == nil || err.Extensions["code"] != "DEPTH_LIMIT_EXCEEDED" {
		t.Fatalf("depth 4 accepted: %v", err)
	}
	// Fragments count where they are spread.
	if err := depthOf(t, `{ node { ...F } } fragment F on Node { child { child { child { id } } } }`); err == nil {
		t.Fatal("depth hidden in a fragment accepted")
	}
	if err := depthOf(t, `{ node { ... on Node { child { child { child { id } } } } } }`); err == nil {
		t.Fatal("depth hidden in an inline fragment accepted")
	}
}

// fieldContext is the context of a resolver of a field with these arguments, as gqlgen gives the
// presenter.
func fieldContext(ctx context.Context, name string, args ...string) context.Context {
	def := &ast.FieldDefinition{Name: name}
	for _, a := range args {
		def.Arguments = append(def.Arguments, &ast.ArgumentDefinition{Name: a})
	}
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{
		Field: graphql.CollectedField{Field: &ast.Field{Name: name, Alias: name, Definition: def}},
	})
}

// Input errors: the domain's path placed under the argument the resolver gave it, a sub-code on
// each, and all of a request's problems as separate errors, in order, on the same path.
func TestInputErrorsArePresentedEach(t *testing.T) {
	t.Parallel()
	present := ErrorPresenter(slog.New(slog.DiscardHandler))
	ctx := graphql.WithResponseContext(context.Background(), present, nil)
	ctx = fieldContext(ctx, "updateService", "id", "input")

	for _, c := range []struct {
		name       string
		err        error
		field      string
		reason     string
		wrapsInput bool
	}{
		{"an input field", apperr.Input("durationMinutes", apperr.OutOfRange, "must be between 5 and 1440"), "input.durationMinutes", "OUT_OF_RANGE", true},
		{"an argument beside the input", booking.ErrServiceNotFound.WithField("id"), "id", "", true},
		{"a path the domain writes whole", apperr.Invalid("input.priceAmount", "price is required"), "input.priceAmount", "INVALID_VALUE", true},
		{"no argument named", apperr.Input("customer.email", apperr.InvalidFormat, "e-mail address is not valid"), "customer.email", "INVALID_FORMAT", false},
		{"an input sentinel with its reason", booking.ErrStartInPast.WithField("startsAt"), "input.startsAt", "OUT_OF_RANGE", true},
		{"an input error without a reason", apperr.New(apperr.BadUserInput, "bad").WithField("startsAt"), "input.startsAt", "INVALID_VALUE", true},
	} {
		err := c.err
		if c.wrapsInput {
			_, err = inInput(0, err)
		}
		got := present(ctx, gqlerror.WrapPath(ast.Path{ast.PathName("updateService")}, fmt.Errorf("update service: %w", err)))
		reason, _ := got.Extensions["reason"].(string)
		if got.Extensions["field"] != c.field || reason != c.reason {
			t.Errorf("%s: field %v reason %v, want %q %q", c.name, got.Extensions["field"], got.Extensions["reason"], c.field, c.reason)
		}
	}

	ctx = graphql.WithResponseContext(context.Background(), present, nil)
	ctx = fieldContext(ctx, "createReservation", "input")
	var problems apperr.Problems
	problems.Add(apperr.Input("customer.name", apperr.Required, "name is required"))
	problems.Add(apperr.Input("customer.email", apperr.InvalidFormat, "e-mail address is not valid"))
	problems.Add(apperr.Input("customer.phone", apperr.TooShort, "phone number must have 6 to 15 digits").With("min", 6))
	_, err := inInput(0, problems.Err())
	resolverErr := gqlerror.WrapPath(ast.Path{ast.PathName("createReservation")}, err)
	resolverErr.Locations = []gqlerror.Location{{Line: 1, Column: 12}}
	graphql.AddError(ctx, resolverErr) // as gqlgen does with a resolver's error
	errs := graphql.GetErrors(ctx)
	want := []struct{ field, reason, message string }{
		{"input.customer.name", "REQUIRED", "name is required"},
		{"input.customer.email", "INVALID_FORMAT", "e-mail address is not valid"},
		{"input.customer.phone", "TOO_SHORT", "phone number must have 6 to 15 digits"},
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d: %v", len(errs), len(want), errs)
	}
	for i, w := range want {
		e := errs[i]
		if e.Extensions["field"] != w.field || e.Extensions["reason"] != w.reason || e.Message != w.message ||
			e.Extensions["code"] != "BAD_USER_INPUT" || e.Path.String() != "createReservation" || len(e.Locations) != 1 {
			t.Errorf("error %d: %+v %v, want %+v", i, e, e.Extensions, w)
		}
	}
}

// Messages are in the language the client asks for (Accept-Language), else English here: a
// request without a signed-in business.
func TestPresentedMessagesInTheRequestsLanguage(t *testing.T) {
	t.Parallel()
	present := ErrorPresenter(slog.New(slog.DiscardHandler))
	for _, c := range []struct{ accept, want, internal string }{
		{"pl-PL,pl;q=0.9", "Podaj imię i nazwisko.", "Błąd wewnętrzny."},
		{"en", "name is required", "internal error"},
		{"de", "name is required", "internal error"},
		{"", "name is required", "internal error"},
	} {
		ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{Headers: http.Header{"Accept-Language": {c.accept}}})
		ctx = context.WithValue(ctx, localeKey{}, &requestLocale{})
		ctx = graphql.WithResponseContext(ctx, present, nil)
		ctx = fieldContext(ctx, "createReservation", "input")
		_, err := inInput(0, apperr.Input("customer.name", apperr.Required, "name is required"))
		if got := present(ctx, gqlerror.WrapPath(ast.Path{ast.PathName("createReservation")}, err)); got.Message != c.want {
			t.Errorf("Accept-Language %q: %q, want %q", c.accept, got.Message, c.want)
		}
		got := present(ctx, gqlerror.WrapPath(ast.Path{ast.PathName("createReservation")}, errors.New("connection refused")))
		if got.Message != c.internal || got.Extensions["code"] != "INTERNAL" {
			t.Errorf("Accept-Language %q: internal error %+v", c.accept, got)
		}
	}
}
