package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
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

	dbErr := &pgconn.PgError{Code: "23505", Message: `duplicate key value violates unique constraint "users_email_key"`}
	got := present(ctx, errors.Join(errors.New("sign up"), dbErr))
	if got.Message != "internal error" || got.Extensions["code"] != "INTERNAL" || strings.Contains(got.Error(), "duplicate") {
		t.Fatalf("database error leaked: %+v", got)
	}
	if !strings.Contains(logged.String(), "duplicate key") {
		t.Fatal("internal error not logged for the operator")
	}

	got = present(ctx, apperr.Invalid("input.email", "e-mail address is not valid"))
	if got.Message != "e-mail address is not valid" || got.Extensions["code"] != "BAD_USER_INPUT" || got.Extensions["field"] != "input.email" {
		t.Fatalf("input error: %+v", got)
	}

	wrapped := errors.Join(errors.New("context"), apperr.ErrNotFound.Wrap(errors.New("record not found")))
	got = present(ctx, wrapped)
	if got.Extensions["code"] != "NOT_FOUND" || strings.Contains(got.Message, "record not found") {
		t.Fatalf("wrapped domain error: %+v", got)
	}

	got = present(ctx, errPanic)
	if got.Message != "internal error" || got.Extensions["code"] != "INTERNAL" {
		t.Fatalf("panic: %+v", got)
	}

	coercion := gqlerror.WrapPath(ast.Path{ast.PathName("revokeInvitation"), ast.PathName("id")}, errors.New("invalid UUID length: 2"))
	got = present(ctx, coercion)
	if got.Extensions["code"] != "BAD_USER_INPUT" || got.Extensions["field"] != "id" {
		t.Fatalf("coercion: %+v", got)
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
