package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/services/apperr"
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
	if got.Extensions["code"] != "BAD_USER_INPUT" || got.Extensions["field"] != "id" {
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
	if !strings.Contains(got.Message, "Cannot query field") {
		t.Fatalf("validation: %+v", got)
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
