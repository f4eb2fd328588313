// Package gen is the gqlgen plugin that writes graph/fastpath's one-pass writers: for the root
// query fields it is given, a writer per object type reachable from them through fields nothing
// would run for, generated from the same codegen data as gqlgen's executor so that a schema or
// model change regenerates both (cmd/gqlgen runs it; CI checks that generation changes nothing).
package gen

import (
	"fmt"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/vektah/gqlparser/v2/ast"
)

// Plugin generates the writers into the executor's package (they call its marshal functions).
type Plugin struct {
	// Roots are the root query fields rendered in one pass.
	Roots []string
	// Filename is the generated file, beside the executor's; "fastpath.go" when empty.
	Filename string
}

// Name names the plugin.
func (Plugin) Name() string { return "fastpath" }

// GenerateCode writes the writers.
func (p Plugin) GenerateCode(data *codegen.Data) error {
	if len(data.AllDirectives.LocationDirectives("FIELD")) > 0 {
		// Executable directives on query fields run for every field: nothing would be resolver-free.
		return fmt.Errorf("fastpath: the schema has executable FIELD directives, which the one-pass writers do not run")
	}
	g := &generator{data: data, objects: map[string]*codegen.Object{}}
	for _, name := range p.Roots {
		f := fieldByName(data.QueryRoot, name)
		if f == nil {
			return fmt.Errorf("fastpath: Query.%s is not in the schema", name)
		}
		obj := g.objectOf(f.TypeReference)
		if obj == nil {
			return fmt.Errorf("fastpath: Query.%s is not of an object type (or a list of one)", name)
		}
		g.roots = append(g.roots, root{field: f, obj: obj})
		g.reach(obj)
	}
	filename := p.Filename
	if filename == "" {
		filename = "fastpath.go"
	}
	return templates.Render(templates.Options{
		PackageName:     data.Config.Exec.Package,
		Filename:        filepath.Join(data.Config.Exec.Dir(), filename),
		GeneratedHeader: true,
		Packages:        data.Config.Packages,
		Template:        tmpl,
		Data:            g,
		Funcs:           map[string]any{"code": g.code},
	})
}

const tmpl = `{{ reserveImport "bytes" }}
{{ reserveImport "context" }}
{{ reserveImport "github.com/99designs/gqlgen/graphql" }}
{{ reserveImport "github.com/slotpay/slotpay/graph/fastpath" }}
{{ code }}
`

type root struct {
	field *codegen.Field
	obj   *codegen.Object
}

type generator struct {
	data    *codegen.Data
	roots   []root
	objects map[string]*codegen.Object // reachable object types, by name
}

func fieldByName(o *codegen.Object, name string) *codegen.Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// objectOf is the object type of ref's values, or of its list's elements; nil for anything else.
func (g *generator) objectOf(ref *config.TypeReference) *codegen.Object {
	for ref != nil && ref.IsSlice() {
		ref = ref.Elem()
	}
	if ref == nil || ref.Definition.Kind != ast.Object {
		return nil
	}
	return g.data.Objects.ByName(ref.Definition.Name)
}

// reach adds obj and every object type reachable from it through covered fields.
func (g *generator) reach(obj *codegen.Object) {
	if g.objects[obj.Name] != nil {
		return
	}
	g.objects[obj.Name] = obj
	for _, f := range obj.Fields {
		if !covered(f) {
			continue
		}
		if child := g.objectOf(f.TypeReference); child != nil && !child.Root {
			g.reach(child)
		}
	}
}

// covered reports whether nothing would run for f in gqlgen's execution but reading the model:
// no resolver, no directive, no argument, no method taking the context (which could do I/O or
// read the field's context), no map or "has" accessor.
func covered(f *codegen.Field) bool {
	switch {
	case f.IsResolver, f.IsBatch(), f.Stream, f.IsMap(), f.HasHaser, f.VOkFunc, f.MethodHasContext:
		return false
	case len(f.Args) > 0, f.HasDirectives(), len(f.Object.Directives) > 0:
		return false
	case f.GoReceiverName != "obj":
		return false
	}
	return f.IsMethod() || f.IsVariable()
}

func (g *generator) ref(t types.Type) string { return templates.CurrentImports.LookupType(t) }

func (g *generator) names() []string {
	names := make([]string, 0, len(g.objects))
	for name := range g.objects {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func typeVar(name string) string { return "fastType" + name }

// code is the generated file's body.
func (g *generator) code() string {
	var b strings.Builder
	names := g.names()
	writers := map[string]string{}
	fields := map[string][]string{}
	for _, name := range names {
		writers[name], fields[name] = g.writer(g.objects[name])
	}

	b.WriteString("// The types the one-pass writers render, and their covered fields (graph/fastpath).\nvar (\n")
	for _, name := range names {
		fmt.Fprintf(&b, "\t%s = &fastpath.Type{Name: %q, Implementors: %s}\n", typeVar(name), name, g.objects[name].Implementors())
	}
	b.WriteString(")\n\n")
	b.WriteString("// fastRoots are the root query fields rendered in one pass.\nvar fastRoots = map[string]fastpath.Root{\n")
	for _, r := range g.roots {
		fmt.Fprintf(&b, "\t%q: {Type: %s},\n", r.field.Name, typeVar(r.obj.Name))
	}
	b.WriteString("}\n\nfunc init() {\n")
	for _, name := range names {
		fmt.Fprintf(&b, "\t%s.Fields = map[string]fastpath.FieldInfo{\n", typeVar(name))
		for _, line := range fields[name] {
			b.WriteString("\t\t" + line + "\n")
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n\n")

	b.WriteString(`// NewFastPath is the one-pass renderer of this schema's covered root query fields
// (graph/fastpath): its Middleware goes in the server's field middlewares.
func NewFastPath(es graphql.ExecutableSchema) *fastpath.Renderer {
	schema := es.(*executableSchema)
	return fastpath.New(fastRoots, func(ctx context.Context, oc *graphql.OperationContext, root string, n *fastpath.Node, res any, w *bytes.Buffer) bool {
		return newExecutionContext(oc, schema, nil)._fast_root(ctx, root, n, res, w)
	})
}

func (ec *executionContext) _fast_root(ctx context.Context, root string, n *fastpath.Node, res any, w *bytes.Buffer) bool {
	f := &fastpath.Field{Child: n}
	switch root {
`)
	for _, r := range g.roots {
		fmt.Fprintf(&b, "\tcase %q:\n\t\tv, ok := res.(%s)\n\t\tif !ok {\n\t\t\treturn false\n\t\t}\n", r.field.Name, g.ref(r.field.TypeReference.GO))
		code, ok := g.value(r.field.TypeReference, "v", "&v", 0)
		if !ok {
			panic(fmt.Sprintf("fastpath: Query.%s cannot be written", r.field.Name))
		}
		b.WriteString(indent(code, "\t\t"))
	}
	b.WriteString("\tdefault:\n\t\treturn false\n\t}\n\treturn true\n}\n\n")
	for _, name := range names {
		b.WriteString(writers[name])
	}
	return b.String()
}

// writer is the writer function of obj and the entries of its covered fields.
func (g *generator) writer(obj *codegen.Object) (string, []string) {
	var cases strings.Builder
	var entries []string
	for i, f := range obj.Fields {
		if !covered(f) || strings.HasPrefix(f.Name, "__") {
			continue
		}
		access := g.access(f)
		value, ok := g.value(f.TypeReference, "v", "&v", 0)
		if !ok {
			continue
		}
		fmt.Fprintf(&cases, "\t\tcase %d: // %s\n%s%s", i, f.Name, indent(access, "\t\t\t"), indent(value, "\t\t\t"))
		child := "nil"
		if o := g.objectOf(f.TypeReference); o != nil {
			child = typeVar(o.Name)
		}
		entries = append(entries, fmt.Sprintf("%q: {Index: %d, Type: %s},", f.Name, i, child))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "func (ec *executionContext) _fast_%s(ctx context.Context, w *bytes.Buffer, n *fastpath.Node, obj %s) bool {\n", obj.Name, g.ref(obj.Reference()))
	b.WriteString("\tw.WriteByte('{')\n\tfor i := range n.Fields {\n\t\tf := &n.Fields[i]\n\t\tfastpath.WriteKey(w, i, f)\n\t\tswitch f.Index {\n")
	b.WriteString("\t\tcase fastpath.Typename:\n\t\t\tw.WriteString(f.Typename)\n")
	b.WriteString(cases.String())
	b.WriteString("\t\tdefault:\n\t\t\treturn false\n\t\t}\n\t}\n\tw.WriteByte('}')\n\treturn true\n}\n\n")
	return b.String(), entries
}

// access reads f's value into v, as gqlgen's executor reads it.
func (g *generator) access(f *codegen.Field) string {
	switch {
	case f.IsVariable():
		return fmt.Sprintf("v := obj.%s\n", f.GoFieldName)
	case f.NoErr:
		return fmt.Sprintf("v := obj.%s()\n", f.GoFieldName)
	default:
		return fmt.Sprintf("v, err := obj.%s()\nif err != nil {\n\treturn false\n}\n", f.GoFieldName)
	}
}

// value writes the value v (whose address is addr) of type ref: scalars and enums through the
// executor's own marshal function, objects through their writers (a null where the schema forbids
// one gives up: gqlgen reports it), lists element by element in order. ok is false for what the
// writers do not cover (interfaces, unions, lists of lists, pointers to slices or pointers).
func (g *generator) value(ref *config.TypeReference, v, addr string, depth int) (string, bool) {
	switch {
	case ref.IsPtrToSlice(), ref.IsPtrToPtr(), ref.IsPtrToIntf():
		return "", false
	case ref.IsSlice():
		elem := ref.Elem()
		if elem == nil || elem.IsSlice() {
			return "", false
		}
		j := fmt.Sprintf("j%d", depth)
		inner, ok := g.value(elem, v+"["+j+"]", "&"+v+"["+j+"]", depth+1)
		if !ok {
			return "", false
		}
		loop := fmt.Sprintf("w.WriteByte('[')\nfor %s := range %s {\n\tif %s > 0 {\n\t\tw.WriteByte(',')\n\t}\n%s}\nw.WriteByte(']')\n", j, v, j, indent(inner, "\t"))
		if ref.GQL.NonNull {
			return loop, true // a nil slice is [] in gqlgen's marshal functions too
		}
		return fmt.Sprintf("if %s == nil {\n\tw.WriteString(\"null\")\n} else {\n%s}\n", v, indent(loop, "\t")), true
	}
	switch ref.Definition.Kind {
	case ast.Scalar, ast.Enum:
		return fmt.Sprintf("ec.%s(ctx, f.Selections, %s).MarshalGQL(w)\n", ref.MarshalFunc(), v), true
	case ast.Object:
		obj := g.data.Objects.ByName(ref.Definition.Name)
		if obj == nil || obj.Root || g.objects[obj.Name] == nil {
			return "", false
		}
		call := func(arg string) string {
			return fmt.Sprintf("if !ec._fast_%s(ctx, w, f.Child, %s) {\n\treturn false\n}\n", obj.Name, arg)
		}
		if types.Identical(ref.GO, obj.Reference()) {
			if !config.IsNilable(ref.GO) {
				return call(v), true
			}
			if ref.GQL.NonNull {
				return fmt.Sprintf("if %s == nil {\n\treturn false\n}\n%s", v, call(v)), true
			}
			return fmt.Sprintf("if %s == nil {\n\tw.WriteString(\"null\")\n} else %s", v, call(v)), true
		}
		if types.Identical(types.NewPointer(ref.GO), obj.Reference()) {
			return call(addr), true
		}
		return "", false
	}
	return "", false
}

func indent(code, prefix string) string {
	lines := strings.SplitAfter(code, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if l != "\n" {
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
}
