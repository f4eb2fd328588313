package graph

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/slotpay/slotpay/graph/generated"
)

// The schema's published shape is committed in schemaSnapshot. A type, field, argument, input field
// or enum value may leave the schema only after it was @deprecated in the snapshot (README:
// "Schema changes"); a type only once everything in it was. Changing a type (String! to String, say)
// is not a removal.
const (
	schemaSnapshot       = "schema.snapshot.graphql"
	updateSnapshotEnv    = "SLOTPAY_UPDATE_SCHEMA_SNAPSHOT"
	updateSnapshotAdvice = updateSnapshotEnv + "=1 go test ./graph -run TestSchemaSnapshot"
)

// TestSchemaSnapshot fails when something of the committed snapshot disappeared without having been
// deprecated first, and when the snapshot is not the schema as it is now (additions, deprecations
// and type changes are recorded by rerunning with updateSnapshotEnv set; a refused removal is never
// written).
func TestSchemaSnapshot(t *testing.T) {
	current := generated.NewExecutableSchema(generated.Config{}).Schema()
	printed := printSchema(current)
	committed, err := os.ReadFile(schemaSnapshot)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv(updateSnapshotEnv) != "" {
		writeSnapshot(t, printed)
		return
	}
	if err != nil {
		t.Fatalf("%v: create it with %s", err, updateSnapshotAdvice)
	}
	snapshot, gerr := gqlparser.LoadSchema(&ast.Source{Name: schemaSnapshot, Input: string(committed)})
	if gerr != nil {
		t.Fatalf("%s does not parse: %v", schemaSnapshot, gerr)
	}
	if removed := removedWithoutDeprecation(snapshot, current); len(removed) > 0 {
		t.Fatalf("removed without being @deprecated in %s first (deprecate, keep, then remove):\n%s",
			schemaSnapshot, strings.Join(removed, "\n"))
	}
	if string(committed) == printed {
		return
	}
	if os.Getenv(updateSnapshotEnv) == "" {
		t.Fatalf("%s is not the current schema: record the change with %s", schemaSnapshot, updateSnapshotAdvice)
	}
	writeSnapshot(t, printed)
}

func writeSnapshot(t *testing.T, printed string) {
	if err := os.WriteFile(schemaSnapshot, []byte(printed), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s written", schemaSnapshot)
}

// printSchema is the schema in SDL, types and fields in gqlparser's (sorted) order, descriptions
// included, built-in types and directives left out.
func printSchema(s *ast.Schema) string {
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(s)
	return b.String()
}

// removedWithoutDeprecation lists what old has and cur lacks, except what old had deprecated.
func removedWithoutDeprecation(old, cur *ast.Schema) []string {
	var out []string
	for name, was := range old.Types {
		if was.BuiltIn {
			continue
		}
		is := cur.Types[name]
		if is == nil {
			if !allDeprecated(was) {
				out = append(out, "type "+name)
			}
			continue
		}
		out = append(out, removedMembers(was, is)...)
	}
	slices.Sort(out)
	return out
}

// removedMembers lists the fields (with their arguments) and enum values of was that is lacks.
func removedMembers(was, is *ast.Definition) []string {
	var out []string
	for _, v := range was.EnumValues {
		if is.EnumValues.ForName(v.Name) == nil && !deprecated(v.Directives) {
			out = append(out, "enum value "+was.Name+"."+v.Name)
		}
	}
	for _, f := range was.Fields {
		now := is.Fields.ForName(f.Name)
		if now == nil {
			if !deprecated(f.Directives) {
				out = append(out, "field "+was.Name+"."+f.Name)
			}
			continue
		}
		for _, a := range f.Arguments {
			if now.Arguments.ForName(a.Name) == nil && !deprecated(a.Directives) {
				out = append(out, "argument "+was.Name+"."+f.Name+"("+a.Name+")")
			}
		}
	}
	return out
}

// allDeprecated: every field and enum value of d was deprecated (a type itself cannot be).
func allDeprecated(d *ast.Definition) bool {
	for _, v := range d.EnumValues {
		if !deprecated(v.Directives) {
			return false
		}
	}
	for _, f := range d.Fields {
		if !deprecated(f.Directives) {
			return false
		}
	}
	return len(d.EnumValues)+len(d.Fields) > 0
}

func deprecated(ds ast.DirectiveList) bool { return ds.ForName("deprecated") != nil }

func TestRemovedWithoutDeprecation(t *testing.T) {
	const base = `
type Query { a: String!, b(x: Int, y: Int @deprecated(reason: "z")): Int, old: Int @deprecated(reason: "use a"), t: T @deprecated(reason: "T goes"), u: U }
type T { k: Int @deprecated(reason: "gone") }
type U { k: Int }
enum E { ONE TWO THREE @deprecated(reason: "unused") }
input I { p: Int, q: Int @deprecated(reason: "unused") }
`
	old := gqlparser.MustLoadSchema(&ast.Source{Input: base})
	for _, tc := range []struct {
		name, schema string
		want         []string
	}{
		{"nothing removed; String! made String", strings.Replace(base, "a: String!", "a: String", 1), nil},
		{"deprecated field, argument, enum value, input field and fully deprecated type removed", `
type Query { a: String!, b(x: Int): Int, u: U }
type U { k: Int }
enum E { ONE TWO }
input I { p: Int }
`, nil},
		{"undeprecated members removed", `
type Query { b: Int, old: Int, t: T }
type T { k: Int }
enum E { ONE THREE }
input I { q: Int }
`, []string{"argument Query.b(x)", "enum value E.TWO", "field I.p", "field Query.a", "field Query.u", "type U"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := gqlparser.MustLoadSchema(&ast.Source{Input: tc.schema})
			if got := removedWithoutDeprecation(old, cur); !slices.Equal(got, tc.want) {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}
