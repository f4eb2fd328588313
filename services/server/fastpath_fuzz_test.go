package server_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// opGen generates operations over the agenda, one reservation and the week of slots from the
// schema itself: random subsets of each type's fields (resolver fields included, which must
// make the pass fall back), aliases, __typename, inline fragments on the type and on Node, named
// fragments spread (with directives too), fields selected twice to be merged, and @skip/@include
// with variables and literals. The same seed gives the same operation.
type opGen struct {
	schema  *ast.Schema
	r       *rand.Rand
	aliases int
	frags   []string
	yes, no bool // whether $yes / $no are used
}

var diffSchema = generated.NewExecutableSchema(generated.Config{}).Schema()

// generatedOp is one operation and who sends it.
type generatedOp struct {
	query  string
	vars   map[string]any
	caller string // "owner", "customer" or "public"
}

func (d *diffEnv) generate(seed uint64) generatedOp {
	g := &opGen{schema: diffSchema, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	var root, decls string
	vars := map[string]any{}
	op := generatedOp{caller: "owner"}
	switch g.r.IntN(5) {
	case 0, 1, 2:
		staff := []string{d.staff, d.staff, d.celina, d.bartek}[g.r.IntN(4)]
		first := []int{1, 3, 5, 20, 100}[g.r.IntN(5)]
		vars["staff"], vars["from"] = staff, "2026-03-03T00:00:00Z"
		decls = "$staff: UUID!, $from: Time!"
		root = fmt.Sprintf("%sreservations(filter: {staffMemberId: $staff, from: $from}, first: %d) %s", g.alias(0.2), first, g.selection("ReservationConnection", 0))
	case 3:
		vars["id"] = d.reservations[g.r.IntN(len(d.reservations))]
		if g.r.IntN(4) == 0 {
			vars["id"], op.caller = d.reservations[0], "customer"
		}
		decls = "$id: UUID!"
		root = fmt.Sprintf("%sreservation(id: $id) %s", g.alias(0.2), g.selection("Reservation", 1))
	default:
		vars["slug"], vars["service"], vars["from"], vars["to"] = d.owner.Slug, []string{d.service, d.massage}[g.r.IntN(2)], "2026-03-03", "2026-03-09"
		decls = "$slug: String!, $service: UUID!, $from: Date!, $to: Date!"
		op.caller = []string{"public", "public", "owner"}[g.r.IntN(3)]
		root = fmt.Sprintf("%savailability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to) %s", g.alias(0.2), g.selection("Availability", 0))
	}
	if g.yes {
		decls, vars["yes"] = decls+", $yes: Boolean!", true
	}
	if g.no {
		decls, vars["no"] = decls+", $no: Boolean!", false
	}
	op.query = fmt.Sprintf("query Generated(%s) { %s }\n%s", decls, root, strings.Join(g.frags, "\n"))
	op.vars = vars
	return op
}

func (g *opGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *opGen) alias(p float64) string {
	if !g.chance(p) {
		return ""
	}
	g.aliases++
	return fmt.Sprintf("a%d: ", g.aliases)
}

func (g *opGen) directive() string {
	if !g.chance(0.12) {
		return ""
	}
	switch g.r.IntN(6) {
	case 0:
		g.yes = true
		return " @include(if: $yes)"
	case 1:
		g.no = true
		return " @skip(if: $no)"
	case 2:
		g.no = true
		return " @include(if: $no)"
	case 3:
		g.yes = true
		return " @skip(if: $yes)"
	case 4:
		return " @skip(if: false)"
	default:
		return " @include(if: false)"
	}
}

const maxGeneratedDepth = 5

// selection is a selection set on the named type at depth (object levels below the root field).
func (g *opGen) selection(typeName string, depth int) string {
	def := g.schema.Types[typeName]
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		return "{ __typename }"
	}
	var candidates []*ast.FieldDefinition
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || requiredArgs(f) {
			continue
		}
		if depth >= maxGeneratedDepth && !g.isLeaf(f) {
			continue
		}
		candidates = append(candidates, f)
	}
	if len(candidates) == 0 {
		return "{ __typename }"
	}
	n := 1 + g.r.IntN(min(len(candidates), 6))
	var parts []string
	for _, i := range g.r.Perm(len(candidates))[:n] {
		f := candidates[i]
		parts = append(parts, g.field(f, depth))
		if g.chance(0.08) { // the same field again, to be merged
			parts = append(parts, g.field(f, depth))
		}
	}
	if g.chance(0.15) {
		parts = append(parts, g.alias(0.3)+"__typename"+g.directive())
	}
	if g.chance(0.15) { // some of them in an inline fragment on the type, or without a condition
		k := 1 + g.r.IntN(len(parts))
		cond := []string{"... on " + typeName, "..."}[g.r.IntN(2)]
		parts = append(parts[k:], cond+g.directive()+" { "+strings.Join(parts[:k], " ")+" }")
	}
	if implements(def, "Node") && g.chance(0.1) {
		parts = append(parts, "... on Node { id }")
	}
	if g.chance(0.1) { // some of them in a named fragment, spread
		k := 1 + g.r.IntN(len(parts))
		name := fmt.Sprintf("F%d", len(g.frags))
		g.frags = append(g.frags, fmt.Sprintf("fragment %s on %s { %s }", name, typeName, strings.Join(parts[:k], " ")))
		parts = append(parts[k:], "..."+name+g.directive())
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

func (g *opGen) field(f *ast.FieldDefinition, depth int) string {
	s := g.alias(0.2) + f.Name + g.directive()
	if !g.isLeaf(f) {
		s += " " + g.selection(f.Type.Name(), depth+1)
	}
	return s
}

func (g *opGen) isLeaf(f *ast.FieldDefinition) bool {
	k := g.schema.Types[f.Type.Name()].Kind
	return k == ast.Scalar || k == ast.Enum
}

func requiredArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

func implements(def *ast.Definition, name string) bool {
	for _, i := range def.Interfaces {
		if i == name {
			return true
		}
	}
	return false
}

func (d *diffEnv) token(caller string) string {
	switch caller {
	case "owner":
		return d.owner.AccessToken
	case "customer":
		return d.customerToken
	}
	return ""
}

// TestFastPathGeneratedCorpus runs 240 generated operations both ways. Some must be written by
// the pass (else the corpus would prove nothing), and some must fall back.
func TestFastPathGeneratedCorpus(t *testing.T) {
	t.Parallel()
	d := newDiffEnv(t)
	const n = 240
	rendered := 0
	for seed := range uint64(n) {
		op := d.generate(seed)
		if d.compare(t, fmt.Sprintf("generated #%d", seed), d.token(op.caller), op.query, op.vars) {
			rendered++
		}
	}
	t.Logf("%d of %d generated operations written in one pass, the others executed by gqlgen", rendered, n)
	if rendered < n/5 || rendered == n {
		t.Errorf("%d of %d generated operations written in one pass: the corpus does not exercise both paths", rendered, n)
	}
}

// FuzzFastPathMatchesExecutor generates an operation per input (the seed of opGen) and holds
// the pass to gqlgen's bytes; go test runs the seed corpus, `go test -fuzz
// FuzzFastPathMatchesExecutor ./services/server` looks further.
func FuzzFastPathMatchesExecutor(f *testing.F) {
	for _, seed := range []uint64{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 4242, 31337} {
		f.Add(seed)
	}
	d := newDiffEnv(f)
	f.Fuzz(func(t *testing.T, seed uint64) {
		op := d.generate(seed)
		d.compare(t, fmt.Sprintf("seed %d", seed), d.token(op.caller), op.query, op.vars)
	})
}

// TestGeneratedOperationsAreValidAndVaried keeps the generator honest without a server: the
// operations it writes for a range of seeds use aliases, fragments, directives and __typename,
// and differ from each other.
func TestGeneratedOperationsAreValidAndVaried(t *testing.T) {
	d := &diffEnv{bookingEnv: &bookingEnv{owner: servertest.Owner{Slug: "generated"}}, reservations: []string{"r0", "r1"}}
	seen := map[string]bool{}
	features := map[string]int{}
	for seed := range uint64(240) {
		q := d.generate(seed).query
		seen[q] = true
		for _, f := range []string{"a1: ", "... on ", "...F", "fragment ", "@include", "@skip", "__typename", "... on Node"} {
			if strings.Contains(q, f) {
				features[f]++
			}
		}
	}
	if len(seen) < 230 {
		t.Errorf("only %d distinct operations of 240", len(seen))
	}
	var missing []string
	for _, f := range []string{"a1: ", "... on ", "...F", "fragment ", "@include", "@skip", "__typename", "... on Node"} {
		if features[f] < 5 {
			missing = append(missing, f)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("features too rare in the generated corpus: %v (%v)", missing, features)
	}
}
