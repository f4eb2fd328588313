// Package fastpath renders resolver-free subtrees of a GraphQL query in one sequential pass.
//
// gqlgen executes every field of every object on its own: a FieldContext, closures, a marshaler
// per value and a goroutine per list element. For a page of reservations or a week of slots that
// is ~20,000 allocations of which nothing needs to run: the root field's resolver has loaded
// every row, and each field below it is a struct field or a plain method of the model. Since
// gqlgen v0.17.85 a field middleware may return a graphql.Marshaler as a field's result, which
// gqlgen then writes as it is; Renderer.Middleware uses that door on a root query field: it lets
// the root resolver (and its directives) run as usual, then writes the subtree's JSON in one pass
// over a plan of the operation's collected fields, cached per operation.
//
// The writers are generated (graph/fastpath/gen, run by cmd/gqlgen) from the same codegen data as
// gqlgen's executor, and call gqlgen's own generated marshal function for every scalar and enum,
// so the bytes are the executor's. A field is in a plan only when nothing would run for it in
// gqlgen's execution: no resolver, no directive, no arguments, no context-taking method. Anything
// else — such a field anywhere in the subtree, a deferred fragment, a null where the schema
// forbids one, an error from a method or a marshaler, a panic — makes the root field fall back to
// gqlgen's normal execution of the value its resolver returned, which then reports exactly what
// it always did. The differential tests (services/server fastpath_*_test.go) hold the two paths
// to the same bytes.
package fastpath

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Type is a GraphQL object type the generated writers render: its name, what its fragments'
// type conditions may name (itself and its interfaces, as gqlgen's implementors), and the fields
// rendered without running anything, by name.
type Type struct {
	Name         string
	Implementors []string
	Fields       map[string]FieldInfo
}

// FieldInfo is a field a generated writer renders: its case in the writer's switch, and the
// object type of its value (or of its list's elements); nil for scalars and enums.
type FieldInfo struct {
	Index int
	Type  *Type
}

// Typename is the Index of __typename, which every object has.
const Typename = -1

// Node is the plan of one selection set on one object type: the collected fields in the order
// gqlgen writes them.
type Node struct {
	Fields []Field
}

// Field is one collected field of a Node.
type Field struct {
	// Index is the generated writer's case for the field, or Typename.
	Index int
	// Key is the field's response key as gqlgen writes it, quoted, with the colon: "alias":
	Key string
	// Typename is the quoted type name when Index is Typename.
	Typename string
	// Selections are the merged sub-selections gqlgen passes the field's marshal function.
	Selections ast.SelectionSet
	// Child is the plan of the value's selection set for object fields.
	Child *Node
}

// Root is a root query field the writers cover: the object type planned under it.
type Root struct {
	Type *Type
}

// RenderFunc writes the value a root field's resolver returned through the generated writers
// into w, following n; false when it does not cover the value (w is then discarded).
type RenderFunc func(ctx context.Context, oc *graphql.OperationContext, root string, n *Node, v any, w *bytes.Buffer) bool

// Renderer is the field middleware that renders covered root query fields in one pass.
type Renderer struct {
	roots  map[string]Root
	render RenderFunc
	plans  *lru.Cache[planKey, *planEntry]
}

// planCacheSize bounds the plans kept: one entry per root field of an operation document, as
// many as the query cache holds documents (graph.queryCacheSize) times a few root fields.
const planCacheSize = 4000

// New builds a Renderer over the generated roots and writer.
func New(roots map[string]Root, render RenderFunc) *Renderer {
	plans, _ := lru.New[planKey, *planEntry](planCacheSize)
	return &Renderer{roots: roots, render: render, plans: plans}
}

type disabledKey struct{}

type traceKey struct{}

// Trace counts what the pass did for the covered root fields of one request: written in one
// pass, or left to gqlgen (not covered by the plan, or the pass gave up). Tests read it to know
// the pass ran; production requests carry none.
type Trace struct {
	Rendered, FellBack atomic.Int32
}

// WithTrace returns ctx recording into t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

func record(ctx context.Context, rendered bool) {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	switch {
	case t == nil:
	case rendered:
		t.Rendered.Add(1)
	default:
		t.FellBack.Add(1)
	}
}

// Disabled returns ctx with the one-pass rendering off: every field is executed by gqlgen. The
// differential tests run each operation both ways on the same server; nothing a client sends
// can set it.
func Disabled(ctx context.Context) context.Context {
	return context.WithValue(ctx, disabledKey{}, true)
}

func isDisabled(ctx context.Context) bool {
	off, _ := ctx.Value(disabledKey{}).(bool)
	return off
}

// Middleware is the graphql.FieldMiddleware: for a covered root field of a query it runs the
// field's resolver and directives (next), then returns the subtree already written, or the
// resolver's value for gqlgen to marshal when the plan or the pass does not cover it.
//
// It acts on root fields of queries only: mutations' and subscriptions' fields pass through, and
// so does every field below a rendered root — which is why no other field middleware may act on
// the nested fields of a query (LimitPublicMutations is for Mutation fields, tracing's
// InterceptField for Subscription ones).
func (r *Renderer) Middleware(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Query" {
		return next(ctx)
	}
	root, ok := r.roots[fc.Field.Name]
	if !ok {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query || isDisabled(ctx) {
		return next(ctx)
	}
	res, err := next(ctx)
	if err != nil || res == nil {
		return res, err
	}
	if plan := r.plan(oc, fc.Field, root.Type); plan != nil {
		if out, ok := r.renderRoot(ctx, oc, fc.Field.Name, plan, res); ok {
			record(ctx, true)
			return out, nil
		}
	}
	record(ctx, false)
	return res, nil
}

// renderRoot writes res in one pass. Errors the marshal functions report (a null the schema does
// not allow, a custom scalar refusing its value) go to a response context of its own, and any of
// them, like a panic, discards the pass: gqlgen's execution then reports them with their paths.
func (r *Renderer) renderRoot(ctx context.Context, oc *graphql.OperationContext, root string, n *Node, res any) (out graphql.Marshaler, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	pass := graphql.WithResponseContext(ctx, discardError, nil)
	buf := bufferPool.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		bufferPool.Put(buf)
	}()
	if !r.render(pass, oc, root, n, res, buf) || len(graphql.GetErrors(pass)) > 0 {
		return nil, false
	}
	b := bytes.Clone(buf.Bytes())
	return graphql.WriterFunc(func(w io.Writer) { _, _ = w.Write(b) }), true
}

var bufferPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 16<<10)) }}

// discardError keeps an error of the pass without presenting it: the pass is then discarded and
// gqlgen's execution presents it (once, with its path).
func discardError(_ context.Context, err error) *gqlerror.Error {
	return &gqlerror.Error{Message: err.Error()}
}

// planKey names the plans of one root field of one parsed document: the query cache keeps a
// document's AST while it is used, so its *ast.Field is the operation's identity.
type planKey struct {
	field *ast.Field
	typ   *Type
}

// planEntry holds the plans of a root field, one per combination of the values of the variables
// its @skip and @include directives read (usually none: one plan).
type planEntry struct {
	vars  []string
	mu    sync.Mutex
	plans map[string]*Node // nil value: not covered
}

// plan is the plan of a root field's (merged) selections. The variables deciding it are those of
// every @skip and @include of the operation: a root field's merged selections may depend on the
// directives of its other occurrences.
func (r *Renderer) plan(oc *graphql.OperationContext, field graphql.CollectedField, typ *Type) *Node {
	key := planKey{field.Field, typ}
	e, ok := r.plans.Get(key)
	if !ok {
		e = &planEntry{vars: conditionVariables(oc.Doc, oc.Operation.SelectionSet), plans: map[string]*Node{}}
		r.plans.Add(key, e)
	}
	vk := variablesKey(e.vars, oc.Variables)
	e.mu.Lock()
	n, ok := e.plans[vk]
	e.mu.Unlock()
	if ok {
		return n
	}
	n, _ = Build(oc, field.Selections, typ)
	e.mu.Lock()
	e.plans[vk] = n
	e.mu.Unlock()
	return n
}

// variablesKey is the values, in order, of the variables that decide @skip and @include.
func variablesKey(names []string, vars map[string]any) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	for _, name := range names {
		switch vars[name] {
		case true:
			b.WriteByte('t')
		case false:
			b.WriteByte('f')
		default: // absent or null: the directive's own default decides
			b.WriteByte('-')
		}
	}
	return b.String()
}

// conditionVariables lists the variables read by @skip and @include (and @defer's if) anywhere
// in set, fragments spread.
func conditionVariables(doc *ast.QueryDocument, set ast.SelectionSet) []string {
	var names []string
	seen := map[string]bool{}
	spread := map[string]bool{}
	directives := func(list ast.DirectiveList) {
		for _, d := range list {
			for _, a := range d.Arguments {
				if a.Value != nil && a.Value.Kind == ast.Variable && !seen[a.Value.Raw] {
					seen[a.Value.Raw] = true
					names = append(names, a.Value.Raw)
				}
			}
		}
	}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				directives(sel.Directives)
				walk(sel.SelectionSet)
			case *ast.InlineFragment:
				directives(sel.Directives)
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				directives(sel.Directives)
				if spread[sel.Name] {
					continue
				}
				spread[sel.Name] = true
				if def := doc.Fragments.ForName(sel.Name); def != nil {
					directives(def.Directives)
					walk(def.SelectionSet)
				}
			}
		}
	}
	walk(set)
	return names
}

// Build plans set on typ the way gqlgen's executor collects it (graphql.CollectFields with the
// type's implementors, each field's merged sub-selections for its value); ok is false when a
// field is not one the writers cover or is deferred.
func Build(oc *graphql.OperationContext, set ast.SelectionSet, typ *Type) (*Node, bool) {
	fields := graphql.CollectFields(oc, set, typ.Implementors)
	n := &Node{Fields: make([]Field, 0, len(fields))}
	for _, f := range fields {
		if len(f.Deferrables) > 0 {
			return nil, false
		}
		out := Field{Key: quoted(f.Alias) + ":", Selections: f.Selections}
		if f.Name == "__typename" {
			out.Index, out.Typename = Typename, quoted(typ.Name)
			n.Fields = append(n.Fields, out)
			continue
		}
		info, ok := typ.Fields[f.Name]
		if !ok {
			return nil, false
		}
		out.Index = info.Index
		if info.Type != nil {
			child, ok := Build(oc, f.Selections, info.Type)
			if !ok {
				return nil, false
			}
			out.Child = child
		}
		n.Fields = append(n.Fields, out)
	}
	return n, true
}

// quoted is s as gqlgen writes a string.
func quoted(s string) string {
	var b bytes.Buffer
	graphql.MarshalString(s).MarshalGQL(&b)
	return b.String()
}

// WriteKey writes the separator before the i-th field of an object and the field's key.
func WriteKey(w *bytes.Buffer, i int, f *Field) {
	if i > 0 {
		w.WriteByte(',')
	}
	w.WriteString(f.Key)
}
