package graph

import (
	"slices"
	"testing"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/services/node"
)

// TestNodeTypesAreRegistered: every type implementing Node in the schema has its entry in the node
// registry (services/node/types.go), and the registry has no type the schema lacks, so node(id:)
// resolves every Node type (TestNodeResolvesEveryNodeType reads each end to end).
func TestNodeTypesAreRegistered(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	var implementing []string
	for _, def := range schema.GetPossibleTypes(schema.Types["Node"]) {
		implementing = append(implementing, def.Name)
	}
	registered := node.TypeNames()
	slices.Sort(implementing)
	slices.Sort(registered)
	if !slices.Equal(implementing, registered) {
		t.Fatalf("types implementing Node %v, registered in services/node %v", implementing, registered)
	}
}
