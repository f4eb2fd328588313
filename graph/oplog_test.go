package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/web"
)

func TestRootFields(t *testing.T) {
	t.Parallel()
	many := "{"
	for i := range 15 {
		many += fmt.Sprintf(" f%d", i)
	}
	many += " }"
	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"plain", `{ me { role } tenant { slug } }`, []string{"me", "tenant"}},
		{"aliases name their field, once", `{ a: reservation(id: 1) { id } b: reservation(id: 2) { id } }`, []string{"reservation"}},
		{"through fragments", `query Q { ...Root ... on Query { tenant { slug } } } fragment Root on Query { me { role } }`, []string{"me", "tenant"}},
		{"a spread fragment spreading itself stops", `{ ...A } fragment A on Query { me ...A }`, []string{"me"}},
		{"at most ten", many, []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"}},
		{"mutation", `mutation M($in: X!) { createReservation(input: $in) { id } }`, []string{"createReservation"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parser.ParseQuery(&ast.Source{Input: c.query})
			if err != nil {
				t.Fatal(err)
			}
			if got := rootFields(doc, doc.Operations[0]); !slices.Equal(got, c.want) {
				t.Fatalf("root fields %q, want %q", got, c.want)
			}
		})
	}
}

// Every presented error carries the request id, INTERNAL included, and its code reaches the
// operation's log line once.
func TestPresentedErrorsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	present := ErrorPresenter(slog.New(slog.DiscardHandler))
	l := &operationLog{}
	ctx := withOperationLog(web.WithRequestID(context.Background(), "req-42"), l)
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, nil)
	for _, err := range []error{
		gqlerror.WrapPath(ast.Path{ast.PathName("me")}, apperr.ErrUnauthenticated),
		gqlerror.WrapPath(ast.Path{ast.PathName("refundPayment")}, errors.New("ERROR: deadlock detected (SQLSTATE 40P01)")),
		gqlerror.WrapPath(ast.Path{ast.PathName("refundPayment")}, fmt.Errorf("panic: %w", errPanic)),
		&gqlerror.Error{Message: "Cannot query field \"nope\" on type \"Query\".", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}},
		&gqlerror.Error{Message: "invalid json"},
		gqlerror.WrapPath(ast.Path{ast.PathName("me")}, apperr.ErrUnauthenticated), // the same code again
	} {
		got := present(ctx, err)
		if got.Extensions["requestId"] != "req-42" {
			t.Errorf("%v presented without the request id: %+v", err, got.Extensions)
		}
	}
	if want := []string{"UNAUTHENTICATED", "INTERNAL", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}; !slices.Equal(l.codes, want) {
		t.Fatalf("codes noted %q, want %q", l.codes, want)
	}
	// Without a request (a test, a background job) nothing is invented.
	if got := present(context.Background(), apperr.ErrNotFound); got.Extensions["requestId"] != nil {
		t.Fatalf("request id outside a request: %+v", got.Extensions)
	}
}

// BenchmarkOperationLogLine: what describing an operation adds to a request (its fields for the
// access line), for a validated operation and for one refused by validation (parsed again).
func BenchmarkOperationLogLine(b *testing.B) {
	query := `query Agenda($from: Time!, $to: Time!) { me { role } reservations(filter: {from: $from, to: $to}) { edges { node { id status startsAt customer { name } } } } staffMembers { id name } }`
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		rc   *graphql.OperationContext
	}{
		{"validated", &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0]}},
		{"refused", &graphql.OperationContext{RawQuery: query}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := graphql.WithOperationContext(context.Background(), c.rc)
			for b.Loop() {
				l := &operationLog{}
				l.see(ctx)
				l.noteCode("NOT_FOUND")
				_ = l.attrs(ctx)
			}
		})
	}
}
