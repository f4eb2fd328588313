package fastpath

import (
	"context"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const testSchema = `
interface Node { id: ID! }
type Query { items: [Item!]! }
type Item implements Node { id: ID! name: String! price: Money! secret: String! }
type Money { amount: Int! currency: String! }
`

// The test's types: Item.secret stands for a field the writers do not cover (a resolver).
var (
	testMoney = &Type{Name: "Money", Implementors: []string{"Money"}, Fields: map[string]FieldInfo{"amount": {Index: 0}, "currency": {Index: 1}}}
	testItem  = &Type{Name: "Item", Implementors: []string{"Item", "Node"}, Fields: map[string]FieldInfo{
		"id": {Index: 0}, "name": {Index: 1}, "price": {Index: 2, Type: testMoney}}}
)

func operation(t *testing.T, query string, vars map[string]any) (*graphql.OperationContext, *ast.Field) {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	op := doc.Operations[0]
	return &graphql.OperationContext{Doc: doc, Operation: op, Variables: vars}, op.SelectionSet[0].(*ast.Field)
}

// names is a plan as the response keys, nested in brackets.
func names(n *Node) []string {
	var out []string
	for _, f := range n.Fields {
		out = append(out, f.Key)
		if f.Child != nil {
			out = append(out, "[")
			out = append(out, names(f.Child)...)
			out = append(out, "]")
		}
	}
	return out
}

func TestBuildCollectsAsGqlgen(t *testing.T) {
	cases := []struct {
		name, query string
		vars        map[string]any
		want        []string // nil: not covered
	}{
		{"plain", `{ items { id name } }`, nil, []string{`"id":`, `"name":`}},
		{"aliases and __typename", `{ items { n: name __typename t: __typename } }`, nil, []string{`"n":`, `"__typename":`, `"t":`}},
		{"merged", `{ items { price { amount } id price { currency } } }`, nil, []string{`"price":`, "[", `"amount":`, `"currency":`, "]", `"id":`}},
		{"fragments", `{ items { ...F ... on Node { id } ... on Item { name } } } fragment F on Item { price { ...M } } fragment M on Money { amount }`, nil,
			[]string{`"price":`, "[", `"amount":`, "]", `"id":`, `"name":`}},
		{"directives", `query($a: Boolean!) { items { id @include(if: $a) name @skip(if: $a) } }`, map[string]any{"a": true}, []string{`"id":`}},
		{"directives, other values", `query($a: Boolean!) { items { id @include(if: $a) name @skip(if: $a) } }`, map[string]any{"a": false}, []string{`"name":`}},
		{"an uncovered field", `{ items { id secret } }`, nil, nil},
		{"an uncovered field in a fragment", `{ items { id ...F } } fragment F on Item { secret }`, nil, nil},
		{"an uncovered field skipped", `{ items { id secret @skip(if: true) } }`, nil, []string{`"id":`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oc, field := operation(t, c.query, c.vars)
			n, ok := Build(oc, field.SelectionSet, testItem)
			if c.want == nil {
				if ok {
					t.Fatalf("covered: %v", names(n))
				}
				return
			}
			if !ok {
				t.Fatal("not covered")
			}
			if got := names(n); !slices.Equal(got, c.want) {
				t.Fatalf("plan %v, want %v", got, c.want)
			}
		})
	}
}

func TestConditionVariables(t *testing.T) {
	oc, _ := operation(t, `query($a: Boolean!, $b: Boolean!, $c: Boolean!) {
		items @include(if: $a) { id @skip(if: $b) ...F @include(if: $a) ... @skip(if: true) { name } } }
		fragment F on Item { price @include(if: $c) { amount } }`, nil)
	got := conditionVariables(oc.Doc, oc.Operation.SelectionSet)
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}

func TestVariablesKey(t *testing.T) {
	names := []string{"a", "b", "c"}
	cases := []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"a": true, "b": false, "c": true}, "tft"},
		{map[string]any{"a": false, "b": false, "c": false}, "fff"},
		{map[string]any{"a": true}, "t--"},
		{map[string]any{"a": nil, "b": "x"}, "---"},
	}
	for _, c := range cases {
		if got := variablesKey(names, c.vars); got != c.want {
			t.Errorf("variablesKey(%v) = %q, want %q", c.vars, got, c.want)
		}
	}
	if got := variablesKey(nil, map[string]any{"a": true}); got != "" {
		t.Errorf("no variables: %q", got)
	}
}

// TestPlanIsCachedPerVariables: the same root field gets one plan per value of the variables its
// directives read, and builds each once.
func TestPlanIsCachedPerVariables(t *testing.T) {
	r := New(nil, nil)
	query := `query($a: Boolean!) { items { id @include(if: $a) name } }`
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	field := graphql.CollectedField{Field: doc.Operations[0].SelectionSet[0].(*ast.Field), Selections: doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet}
	plan := func(a bool) *Node {
		oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{"a": a}}
		return r.plan(oc, field, testItem)
	}
	on, off := plan(true), plan(false)
	if len(on.Fields) != 2 || len(off.Fields) != 1 {
		t.Fatalf("plans %v and %v", names(on), names(off))
	}
	if plan(true) != on || plan(false) != off {
		t.Fatal("a plan was built again")
	}
}

// TestDisabledAndTrace: the context switch the differential tests use, and the trace.
func TestDisabledAndTrace(t *testing.T) {
	if isDisabled(context.Background()) || !isDisabled(Disabled(context.Background())) {
		t.Fatal("Disabled")
	}
	var tr Trace
	ctx := WithTrace(context.Background(), &tr)
	record(ctx, true)
	record(ctx, false)
	record(ctx, false)
	record(context.Background(), true) // no trace: nothing recorded, no panic
	if tr.Rendered.Load() != 1 || tr.FellBack.Load() != 2 {
		t.Fatalf("trace %d/%d", tr.Rendered.Load(), tr.FellBack.Load())
	}
}
