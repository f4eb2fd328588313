package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits on a query's shape, checked on the parsed document before gqlparser validates it.
//
// Validation (overlapping fields, variables in fragments), the depth and complexity limits and
// field collection all walk an operation with its fragments spread in place, so a fragment spread
// twice by a fragment spread twice by … costs 2^n: a 1 KB query of 24 such levels took seconds of
// CPU before the complexity limit refused it. The shape is measured instead with one count per
// fragment (memoised), in time linear in the document, and a document past a limit is refused
// before anything expands it. Validation's overlapping-fields rule also compares every pair of
// fields that share a response name at one level of the result, so a few hundred copies of one
// field cost it tens of milliseconds: copies are limited too. What gets through costs validation
// at most a few milliseconds (BenchmarkLargestAcceptedQuery).
const (
	// MaxQueryTokens bounds the lexer and parser: a query of more tokens is refused as it is read
	// (the 1 MiB body limit alone would let a request take ~250,000 tokens). It bounds what no
	// other limit counts — directives, variables, argument values — which validation compares in
	// pairs too. The dashboard's agenda query has about 90.
	MaxQueryTokens = 5_000
	// MaxFragments bounds a document's fragment definitions: validation compares every pair of
	// fragments spread into one selection.
	MaxFragments = 50
	// MaxSelections bounds the fields, inline fragments and fragment spreads validation walks:
	// each operation's and each fragment definition's, fragments spread, added up. The dashboard's
	// agenda query has 36.
	MaxSelections = 500
	// MaxAliases bounds the aliased fields of any one operation, fragments spread: aliases are how
	// one request asks for the same costly field (a log-in, a page of reservations) many times. A
	// page asking for a week of days side by side needs a handful.
	MaxAliases = 100
	// MaxSameField bounds the fields sharing one response name at one level of the result
	// (fragments spread, same-named fields' selections merged, as execution merges them).
	MaxSameField = 20
)

// codeTooComplex is the code of every shape refusal: gqlgen's own complexity limit refuses an
// operation that would cost too much with the same code.
const codeTooComplex = "COMPLEXITY_LIMIT_EXCEEDED"

// QueryShapeLimit refuses a document whose shape exceeds a limit above, or whose fragments spread
// themselves, before the executor validates it (an OperationParameterMutator runs
// before the executor's parse and validation, on every transport, WebSocket included).
//
// The document is parsed here once more (parsing is linear and bounded by MaxQueryTokens). A query
// found in Cache was measured before it was stored — the executor stores only documents that got
// past this extension and validation — so it is not parsed again.
type QueryShapeLimit struct {
	Cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = QueryShapeLimit{}

// ExtensionName names the extension.
func (QueryShapeLimit) ExtensionName() string { return "QueryShapeLimit" }

// Validate accepts any schema.
func (QueryShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters measures the query; it changes nothing.
func (l QueryShapeLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if l.Cache != nil {
		if _, ok := l.Cache.Get(ctx, p.Query); ok {
			return nil
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, MaxQueryTokens)
	if err != nil {
		// The executor parses it again with the same token limit and reports the syntax error
		// (GRAPHQL_PARSE_FAILED) as it does for every other.
		return nil
	}
	_, refused := measureDocument(doc)
	return refused
}

// queryShape is what a selection set costs with its fragments spread in place: every field,
// inline fragment and fragment spread a walk would visit, and the aliased fields among them.
// Counts saturate at shapeCountCap, so no document overflows them.
type queryShape struct {
	Selections, Aliases int
}

const shapeCountCap = 1 << 40

func (s queryShape) plus(o queryShape) queryShape {
	return queryShape{
		Selections: min(s.Selections+o.Selections, shapeCountCap),
		Aliases:    min(s.Aliases+o.Aliases, shapeCountCap),
	}
}

// documentShape is what validating a document walks: the selections of its operations and
// fragment definitions with fragments spread, the most aliased fields of one operation, and the most
// fields sharing a response name at one level.
type documentShape struct {
	Selections, Aliases, SameField int
}

// measureDocument measures doc and returns the error refusing it, if any: a shape past a limit, or a
// fragment that spreads itself (which would expand forever). Each fragment is measured once, so the
// work is linear in the document whatever its spreads multiply to; same-named fields are counted
// only once the selections are known to be few.
func measureDocument(doc *ast.QueryDocument) (documentShape, *gqlerror.Error) {
	m := shapeMeter{
		fragments: make(map[string][]*ast.FragmentDefinition, len(doc.Fragments)),
		measured:  make(map[string]queryShape, len(doc.Fragments)),
		spreading: map[string]bool{},
	}
	for _, f := range doc.Fragments {
		// Two fragments of one name are refused by validation; until then a spread of the name
		// costs the larger.
		m.fragments[f.Name] = append(m.fragments[f.Name], f)
	}
	var shape documentShape
	for _, op := range doc.Operations {
		s := m.selectionSet(op.SelectionSet)
		shape.Selections = min(shape.Selections+s.Selections, shapeCountCap)
		shape.Aliases = max(shape.Aliases, s.Aliases)
	}
	// Validation walks every fragment definition on its own as well, used or not.
	for _, f := range doc.Fragments {
		shape.Selections = min(shape.Selections+m.selectionSet(f.SelectionSet).Selections, shapeCountCap)
	}
	switch {
	case len(doc.Fragments) > MaxFragments:
		return shape, tooComplex(fmt.Sprintf("more than %d fragments", MaxFragments), "maxFragments", MaxFragments)
	case m.cycle != "":
		return shape, &gqlerror.Error{
			Message:    fmt.Sprintf("Cannot spread fragment %q within itself.", m.cycle),
			Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"},
		}
	case shape.Aliases > MaxAliases:
		return shape, tooComplex(fmt.Sprintf("more than %d aliased fields", MaxAliases), "maxAliases", MaxAliases)
	case shape.Selections > MaxSelections:
		return shape, tooComplex(fmt.Sprintf("more than %d selections once its fragments are spread", MaxSelections), "maxSelections", MaxSelections)
	}
	// Few selections, no cycles: spreading fragments in place is now cheap.
	mm := mergeMeter{doc: doc}
	for _, op := range doc.Operations {
		mm.level([]ast.SelectionSet{op.SelectionSet})
	}
	for _, f := range doc.Fragments {
		mm.level([]ast.SelectionSet{f.SelectionSet})
	}
	shape.SameField = mm.widest
	if shape.SameField > MaxSameField {
		return shape, tooComplex(fmt.Sprintf("more than %d fields of one name at one level", MaxSameField), "maxSameField", MaxSameField)
	}
	return shape, nil
}

func tooComplex(why, limit string, value int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "query too complex: " + why,
		Extensions: map[string]any{"code": codeTooComplex, limit: value},
	}
}

// mergeMeter finds the most fields sharing a response name at one level of a result.
type mergeMeter struct {
	doc    *ast.QueryDocument
	widest int
}

// level measures the fields the selection sets merge into (one level of the result) and, for each
// response name, the level their selections merge into. Each selection is visited once.
func (m *mergeMeter) level(sets []ast.SelectionSet) {
	count := map[string]int{}
	children := map[string][]ast.SelectionSet{}
	var names []string // in order, so the walk is deterministic
	var collect func(set ast.SelectionSet)
	collect = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				name := sel.Alias
				if name == "" {
					name = sel.Name
				}
				if count[name] == 0 {
					names = append(names, name)
				}
				count[name]++
				m.widest = max(m.widest, count[name])
				if len(sel.SelectionSet) > 0 {
					children[name] = append(children[name], sel.SelectionSet)
				}
			case *ast.InlineFragment:
				collect(sel.SelectionSet)
			case *ast.FragmentSpread:
				if def := m.doc.Fragments.ForName(sel.Name); def != nil {
					collect(def.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		collect(set)
	}
	for _, name := range names {
		if len(children[name]) > 0 {
			m.level(children[name])
		}
	}
}

type shapeMeter struct {
	fragments map[string][]*ast.FragmentDefinition
	measured  map[string]queryShape // a fragment's shape, once known
	spreading map[string]bool       // the fragments being measured, to find cycles
	cycle     string                // a fragment found spreading itself
}

func (m *shapeMeter) selectionSet(set ast.SelectionSet) queryShape {
	var s queryShape
	for _, sel := range set {
		s.Selections = min(s.Selections+1, shapeCountCap)
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.Aliases = min(s.Aliases+1, shapeCountCap)
			}
			s = s.plus(m.selectionSet(sel.SelectionSet))
		case *ast.InlineFragment:
			s = s.plus(m.selectionSet(sel.SelectionSet))
		case *ast.FragmentSpread:
			s = s.plus(m.fragment(sel.Name))
		}
	}
	return s
}

func (m *shapeMeter) fragment(name string) queryShape {
	if s, ok := m.measured[name]; ok {
		return s
	}
	if m.spreading[name] {
		if m.cycle == "" {
			m.cycle = name
		}
		return queryShape{}
	}
	m.spreading[name] = true
	var s queryShape
	for _, def := range m.fragments[name] { // none: an unknown fragment, refused by validation
		d := m.selectionSet(def.SelectionSet)
		s.Selections = max(s.Selections, d.Selections)
		s.Aliases = max(s.Aliases, d.Aliases)
	}
	delete(m.spreading, name)
	m.measured[name] = s
	return s
}
