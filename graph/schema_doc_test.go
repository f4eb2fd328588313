package graph

import (
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/graph/generated"
)

// TestSchemaIsDocumented walks the executable schema and lists every type, field, argument,
// input field and enum value without a description, and every custom scalar without @specifiedBy.
// Built-in types (introspection __ types, Int, String, …) and directives are not ours to describe.
func TestSchemaIsDocumented(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	var missing []string
	note := func(desc, what string) {
		if strings.TrimSpace(desc) == "" {
			missing = append(missing, what)
		}
	}
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		// Query, Mutation and Subscription are roots whose fields carry the documentation; the root
		// types themselves still get a description so that GraphiQL's docs explorer opens with one.
		note(def.Description, "type "+name)
		switch def.Kind {
		case ast.Scalar:
			// What introspection answers as __Type.specifiedByURL, i.e. what clients see.
			if u := introspection.WrapTypeFromDef(s, def).SpecifiedByURL(); u == nil || !strings.HasPrefix(*u, "https://") {
				missing = append(missing, "scalar "+name+" @specifiedBy(url: \"https://…\")")
			}
		case ast.Enum:
			for _, v := range def.EnumValues {
				note(v.Description, "enum value "+name+"."+v.Name)
			}
		case ast.Object, ast.Interface, ast.InputObject:
			kind := "field "
			if def.Kind == ast.InputObject {
				kind = "input field "
			}
			for _, f := range def.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue
				}
				note(f.Description, kind+name+"."+f.Name)
				for _, a := range f.Arguments {
					note(a.Description, "argument "+name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
	}
	for _, d := range s.Directives {
		if d.Position == nil || d.Position.Src == nil || d.Position.Src.BuiltIn {
			continue
		}
		note(d.Description, "directive @"+d.Name)
		for _, a := range d.Arguments {
			note(a.Description, "argument @"+d.Name+"("+a.Name+")")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d schema elements have no description (or scalar no @specifiedBy):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
