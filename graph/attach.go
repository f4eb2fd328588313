package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/payments"
)

// A reservation's service, staff member, history and payments are plain fields of
// models.Reservation that the resolvers returning reservations fill before gqlgen marshals them:
// gqlgen then writes them inline with their parent instead of running a resolver goroutine per
// field per row, and a page of any size costs one round trip for all of them (the reads are
// booking's: booking.AttachRelations). Every field whose
// type holds a reservation must do it (TestReservationFieldsAttachRelations lists them; the
// end-to-end TestEveryReservationResultCarriesItsRelations asks each for its relations).

// withRelations attaches the relations selected under the current field to the reservation a
// resolver returns: r.withRelations(ctx)(service call).
func (r *Resolver) withRelations(ctx context.Context) func(*models.Reservation, error) (*models.Reservation, error) {
	return func(res *models.Reservation, err error) (*models.Reservation, error) {
		if err != nil || res == nil {
			return res, err
		}
		return res, r.attachRelations(ctx, []*models.Reservation{res}, requestedUnder(ctx))
	}
}

// requestedUnder returns the names of the fields the client selected below the current field along
// path (e.g. "edges", "node"), fragments included.
func requestedUnder(ctx context.Context, path ...string) map[string]bool {
	opCtx := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for _, name := range path {
		var next ast.SelectionSet
		for _, f := range fields {
			if f.Name == name {
				next = append(next, f.Selections...)
			}
		}
		fields = graphql.CollectFields(opCtx, next, nil)
	}
	out := make(map[string]bool, len(fields))
	for _, f := range fields {
		out[f.Name] = true
	}
	return out
}

// attachRelations reads the relations selected (service, staffMember, history, payments) of rows
// through booking.AttachRelations (one round trip per tenant) and sets them on the rows.
// The cancellation terms (termsFields) need the service and the payments too.
func (r *Resolver) attachRelations(ctx context.Context, rows []*models.Reservation, selected map[string]bool) error {
	terms := slices.ContainsFunc(termsFields, func(f string) bool { return selected[f] })
	want := booking.Relations{Service: selected["service"] || terms, StaffMember: selected["staffMember"], History: selected["history"]}
	if selected["payments"] || terms {
		want.Payments = payments.QueuePaymentsOf
	}
	return r.Booking.AttachRelations(ctx, rows, want)
}
