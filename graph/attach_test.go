package graph

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestReservationFieldsAttachRelations lists every schema field whose value holds reservations.
// A reservation's relations (service, staff member, history, payments) are plain fields that the
// resolver returning it must attach (attach.go); a new field returning reservations fails here
// until its resolver attaches them and an end-to-end test asks it for them
// (TestEveryReservationResultCarriesItsRelations and the tests named below).
func TestReservationFieldsAttachRelations(t *testing.T) {
	files, err := filepath.Glob("schema/*.graphqls")
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v %v", files, err)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, gqlErr := gqlparser.LoadSchema(sources...)
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	holders := map[string]bool{"Reservation": true, "ReservationConnection": true, "ReservationEdge": true, "CreateReservationPayload": true, "Node": true}
	var got []string
	for _, def := range schema.Types {
		if def.Kind != ast.Object || def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			if holders[f.Type.Name()] {
				got = append(got, def.Name+"."+f.Name)
			}
		}
	}
	slices.Sort(got)
	want := []string{
		"CreateReservationPayload.reservation", // Mutation.createReservation attaches under "reservation"
		"Customer.visits",                      // TestCustomerVisitsMergeAndStats (attaches under edges.node)
		"Mutation.approveReservation",          // TestApprovalRequestHoldsItsSlot (service and staff member selected); staffTransition
		"Mutation.cancelReservation",           // TestEveryReservationResultCarriesItsRelations
		"Mutation.completeReservation",         // same test; confirm and markNoShow share its code (staffTransition)
		"Mutation.confirmReservation",
		"Mutation.createReservation",
		"Mutation.declineReservation", // TestDeclineRefundsAndFreesTheSlot
		"Mutation.markNoShow",
		"Mutation.markReservationPaid",   // TestPaymentMethodsAndManualPayments
		"Mutation.rescheduleReservation", // TestRescheduleKeepsPaymentAndPublishesBothRanges
		"Query.myBookings",               // TestMyBookingsLinkWorksOnce (service selected under edges.node)
		"Query.node",                     // TestNodeResolvesEveryNodeType (attaches on ... on Reservation)
		"Query.nodes",                    // same test; node shares its code (Resolver.nodes)
		"Query.reservation",              // TestEveryReservationResultCarriesItsRelations
		"Query.reservations",             // TestReservationPageQueryCount (attaches under edges.node)
		"ReservationConnection.edges",
		"ReservationEdge.node",
		"ReservationEvent.reservation", // the live tests (reservationUpdated with staffMember)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("fields holding reservations changed:\n got %q\nwant %q\nattach the relations in the new field's resolver and test it, then update this list", got, want)
	}
}
