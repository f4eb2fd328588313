package graph

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/slotpay/slotpay/graph/generated"
)

// fragmentBomb is a query whose fragments each spread the one before twice: levels fragments
// expand to 2^levels copies of the innermost field.
func fragmentBomb(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { health { status } }\n", levels)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// aliases is a query asking for __typename n times under n aliases.
func aliases(n int) string { return "{" + aliasList(n) + " }" }

func repeat(n int, selection string) string { return "{" + strings.Repeat(" "+selection, n) + " }" }

func TestMeasureDocument(t *testing.T) {
	t.Parallel()
	dashboard, err := os.ReadFile("../bench/dashboard.graphql")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		query string
		want  documentShape // Selections is not compared when it is 0 (the refusal says enough)
		code  string        // "" when the document is accepted
		limit string        // the extension naming the limit refused
	}{
		{"fields", `{ health { status authenticated } }`, documentShape{3, 0, 1}, "", ""},
		{"aliases", `{ a: health { status } b: health { s: status } }`, documentShape{4, 3, 1}, "", ""},
		{"a field named as itself is no alias", `{ health: health { status } }`, documentShape{2, 0, 1}, "", ""},
		// The operation spreads F (1 + 2); F's definition is walked on its own too (2).
		{"fragment", `{ ...F } fragment F on Query { health { status } }`, documentShape{5, 0, 1}, "", ""},
		// Operation: 2 spreads of A, each 1 + B's 2 = 8; A alone 3; B alone 2. health twice at the
		// root, status twice once their selections merge.
		{"nested fragments", `{ ...A ...A } fragment A on Query { ...B } fragment B on Query { health { status } }`,
			documentShape{13, 0, 2}, "", ""},
		{"inline fragments", `{ ... on Query { health { status } } ... { health { authenticated } } }`,
			documentShape{6, 0, 2}, "", ""},
		{"aliases counted through fragments", `{ ...F ...F } fragment F on Query { x: health { status } y: health { status } }`,
			documentShape{14, 4, 2}, "", ""},
		{"an unknown fragment is left to validation", `{ ...Missing }`, documentShape{1, 0, 0}, "", ""},
		{"of two fragments of one name the larger counts",
			`{ ...F } fragment F on Query { __typename } fragment F on Query { health { status authenticated } }`,
			documentShape{1 + 3 + 1 + 3, 0, 1}, "", ""},
		{"dashboard", string(dashboard), documentShape{36, 0, 1}, "", ""},

		{"fragment bomb", fragmentBomb(24), documentShape{}, codeTooComplex, "maxSelections"},
		{"fragment bomb past any integer", fragmentBomb(200), documentShape{}, codeTooComplex, "maxFragments"},
		{"1,000 aliases", aliases(1000), documentShape{}, codeTooComplex, "maxAliases"},
		{"101 aliases", aliases(101), documentShape{}, codeTooComplex, "maxAliases"},
		{"100 aliases", aliases(100), documentShape{100, 100, 1}, "", ""},
		{"aliases multiplied by fragments", `{ ...F ...F } fragment F on Query {` + aliasList(60) + ` }`,
			documentShape{}, codeTooComplex, "maxAliases"},
		{"selections", repeat(251, "health { status }"), documentShape{}, codeTooComplex, "maxSelections"},
		{"an unused fragment's selections count", `{ __typename } fragment U on Query {` + strings.Repeat(" health { status }", 250) + ` }`,
			documentShape{}, codeTooComplex, "maxSelections"},
		{"every operation's selections count", operations(170),
			documentShape{}, codeTooComplex, "maxSelections"},
		{"20 copies of a field", repeat(20, "__typename"), documentShape{20, 0, 20}, "", ""},
		{"21 copies of a field", repeat(21, "__typename"), documentShape{}, codeTooComplex, "maxSameField"},
		{"copies merged below their parents", repeat(11, "health { status status }"), documentShape{}, codeTooComplex, "maxSameField"},
		{"copies through fragments", `{ ...A ...B ...C } fragment A on Query {` + strings.Repeat(" __typename", 7) +
			` } fragment B on Query {` + strings.Repeat(" __typename", 7) + ` } fragment C on Query {` + strings.Repeat(" __typename", 7) + ` }`,
			documentShape{}, codeTooComplex, "maxSameField"},

		{"51 fragments", `{ __typename }` + fragmentList(51), documentShape{}, codeTooComplex, "maxFragments"},
		{"50 fragments", `{ __typename }` + fragmentList(50), documentShape{51, 0, 1}, "", ""},
		{"a fragment spreading itself", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
			documentShape{}, "GRAPHQL_VALIDATION_FAILED", ""},
		{"an unused fragment spreading itself", `{ __typename } fragment A on Query { health { ...A } }`,
			documentShape{}, "GRAPHQL_VALIDATION_FAILED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: c.query}, MaxQueryTokens)
			if err != nil {
				t.Fatal(err)
			}
			got, refused := measureDocument(doc)
			switch {
			case c.code == "" && refused != nil:
				t.Fatalf("refused: %v", refused)
			case c.code == "" && got != c.want:
				t.Fatalf("shape %+v, want %+v", got, c.want)
			case c.code == "":
			case refused == nil:
				t.Fatalf("accepted with shape %+v", got)
			case refused.Extensions["code"] != c.code:
				t.Fatalf("code %v: %v", refused.Extensions["code"], refused)
			case c.limit != "" && refused.Extensions[c.limit] == nil:
				t.Fatalf("refused for another limit than %s: %v %v", c.limit, refused, refused.Extensions)
			}
		})
	}
}

func aliasList(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: __typename", i)
	}
	return b.String()
}

func fragmentList(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { __typename }", i)
	}
	return b.String()
}

func operations(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "query Q%d { __typename health { status } } ", i)
	}
	return b.String()
}

// TestMeasureDocumentSaturates: a bomb deep enough to overflow any integer is measured as the cap.
func TestMeasureDocumentSaturates(t *testing.T) {
	t.Parallel()
	doc, err := parser.ParseQuery(&ast.Source{Input: fragmentBomb(200)})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := measureDocument(doc); got.Selections != shapeCountCap {
		t.Fatalf("selections %d, want the cap %d", got.Selections, shapeCountCap)
	}
}

// BenchmarkLargestAcceptedQuery is what validating the costliest documents QueryShapeLimit lets
// through costs: parse, measure, gqlparser's validation (the executor's rules), uncached.
//
//	go test -run '^$' -bench LargestAcceptedQuery ./graph
func BenchmarkLargestAcceptedQuery(b *testing.B) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	// 50 fragments, each its own pair of fields, all spread at the root: validation compares
	// every pair of fragments.
	var manyFragments strings.Builder
	manyFragments.WriteString("{")
	for i := range MaxFragments {
		fmt.Fprintf(&manyFragments, " ...F%d", i)
	}
	manyFragments.WriteString(" }")
	roots := []string{"health { status }", "__typename", "me { role }", "tenant { id }", "bookingSettings { currency }"}
	for i := range MaxFragments {
		fmt.Fprintf(&manyFragments, " fragment F%d on Query { %s }", i, roots[i%len(roots)])
	}
	// Five aliases and the root fields, each 20 times: the most same-named pairs.
	var pairs strings.Builder
	pairs.WriteString("{")
	for range MaxSameField {
		for a := range 5 {
			fmt.Fprintf(&pairs, " a%d: __typename", a)
		}
		pairs.WriteString(" health { status authenticated } bookingSettings { currency }")
	}
	pairs.WriteString(" }")
	shapes := map[string]string{
		"manyFragments": manyFragments.String(),
		"sameNamePairs": pairs.String(),
		"directives":    "{ health " + strings.Repeat("@include(if: true) ", 700) + "{ status } }",
		"variables":     "query(" + variableList(1200) + ") { health { status } }",
		// Inline fragments nested as deep as the selections allow: validation collects each
		// level's fields through every level below it.
		"nestedInlineFragments": "{" + strings.Repeat(" ... {", MaxSelections-1) + " __typename" + strings.Repeat(" }", MaxSelections),
	}
	for name, q := range shapes {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, MaxQueryTokens)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		if shape, refused := measureDocument(doc); refused != nil {
			b.Fatalf("%s refused: %v", name, refused)
		} else {
			b.Logf("%s: %d bytes, %+v", name, len(q), shape)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				doc, _ := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, MaxQueryTokens)
				if _, refused := measureDocument(doc); refused != nil {
					b.Fatal(refused)
				}
				validator.ValidateWithRules(schema, doc, rulesWithoutSuggestions())
			}
		})
	}
}

func variableList(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " $v%d: Int", i)
	}
	return b.String()
}

// FuzzMeasureDocument: on any document the parser accepts, measuring ends, and for documents
// without a fragment cycle or a duplicate fragment name its counts agree with spreading every
// fragment in place (up to just past the limits, where the naive count stops).
func FuzzMeasureDocument(f *testing.F) {
	for _, seed := range []string{
		`{ health { status } }`, fragmentBomb(3), fragmentBomb(24), aliases(3),
		`{ ...A ...A } fragment A on Query { ...B x: health { status } } fragment B on Query { y: __typename }`,
		`{ ... on Query { a: health { status } } } fragment U on Query { ...U }`,
		`query A { __typename } query B { ...F } fragment F on Query { health { s: status } }`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, MaxQueryTokens)
		if err != nil {
			return
		}
		got, refused := measureDocument(doc)
		names := map[string]bool{}
		for _, f := range doc.Fragments {
			if names[f.Name] {
				return
			}
			names[f.Name] = true
		}
		if refused != nil && refused.Extensions["code"] != codeTooComplex {
			return // a cycle
		}
		n := naiveCounter{doc: doc, budget: MaxSelections + 1}
		selections, aliases := 0, 0
		for _, op := range doc.Operations {
			s, a := n.count(op.SelectionSet, map[string]bool{})
			selections += s
			aliases = max(aliases, a)
		}
		for _, f := range doc.Fragments {
			s, _ := n.count(f.SelectionSet, map[string]bool{})
			selections += s
		}
		if n.budget >= 0 && (min(got.Selections, MaxSelections+1) != min(selections, MaxSelections+1) || got.Aliases != aliases) {
			t.Fatalf("measured %+v, spread in place %d selections %d aliases", got, selections, aliases)
		}
		if n.budget < 0 && refused == nil {
			t.Fatalf("accepted %+v, spread in place more than %d selections", got, MaxSelections)
		}
	})
}

// naiveCounter spreads fragments in place, as the walks measureDocument protects do, until its
// budget of selections runs out.
type naiveCounter struct {
	doc    *ast.QueryDocument
	budget int
}

func (n *naiveCounter) count(set ast.SelectionSet, spreading map[string]bool) (selections, aliases int) {
	for _, sel := range set {
		if n.budget--; n.budget < 0 {
			return selections, aliases
		}
		selections++
		var s, a int
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Alias != "" && sel.Alias != sel.Name {
				aliases++
			}
			s, a = n.count(sel.SelectionSet, spreading)
		case *ast.InlineFragment:
			s, a = n.count(sel.SelectionSet, spreading)
		case *ast.FragmentSpread:
			if def := n.doc.Fragments.ForName(sel.Name); def != nil && !spreading[sel.Name] {
				spreading[sel.Name] = true
				s, a = n.count(def.SelectionSet, spreading)
				delete(spreading, sel.Name)
			}
		}
		selections, aliases = selections+s, aliases+a
	}
	return selections, aliases
}
