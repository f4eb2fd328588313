package graph

import (
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/models"
)

// TestOperationRoles: the roles a running operation needs are those every @hasRole on its root
// fields admits (through fragments too); fields below the root are checked again for each event
// and do not count; an operation without @hasRole at its root has no role to lose.
func TestOperationRoles(t *testing.T) {
	t.Parallel()
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	all := []models.Role{models.RoleOwner, models.RoleAdmin, models.RoleStaff}
	admins := []models.Role{models.RoleOwner, models.RoleAdmin}
	tests := []struct {
		name  string
		query string
		want  []models.Role // nil: unrestricted
	}{
		{"the dashboard subscription", `subscription { reservationsChanged { kind } }`, all},
		{"a reservation's subscription (customer or staff)", `subscription($id: UUID!) { reservationUpdated(id: $id) { kind } }`, nil},
		{"the public widget", `subscription($s: String!, $id: UUID!, $d: Date!) { availabilityChanged(tenantSlug: $s, serviceId: $id, from: $d, to: $d) { kind } }`, nil},
		{"an admin read", `{ invitations { id } }`, admins},
		{"roles of several root fields intersect", `{ invitations { id } me { role } }`, admins},
		{"through a fragment", `query { ...F } fragment F on Query { invitations { id } }`, admins},
		{"through an inline fragment", `query { ... on Query { invitations { id } } }`, admins},
		{"an admin mutation", `mutation { createService(input: {name: "x", durationMinutes: 30}) { id } }`, admins},
		{"a staff mutation", `mutation($id: UUID!) { confirmReservation(id: $id) { id } }`, all},
		{"a nested @hasRole is not the root's", `query($s: String!) { publicStaff(tenantSlug: $s) { userId } }`, nil},
		{"public", `{ health { status } }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, errs := gqlparser.LoadQuery(schema, tt.query)
			if errs != nil {
				t.Fatal(errs)
			}
			got := operationRoles(doc.Operations[0])
			if (got == nil) != (tt.want == nil) || !slices.Equal(got, tt.want) {
				t.Fatalf("roles %v, want %v", got, tt.want)
			}
		})
	}
}
