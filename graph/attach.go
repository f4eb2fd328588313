package graph

import (
	"context"
	"maps"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/payments"
)

// A reservation's service, staff member, history and payments are plain fields of
// models.Reservation that the resolvers returning reservations fill before gqlgen marshals them:
// gqlgen then writes them inline with their parent instead of running a resolver goroutine per
// field per row, and a page of any size costs one round trip for all of them. Every field whose
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
// in one round trip per tenant — one tenant-scoped pgx batch with one query per kind
// (database.ReadInTenant) — and sets them on the rows. Each row's tenant scopes its reads: the row
// was authorised when it was read, and its relations belong to the same tenant (the foreign keys
// include tenant_id).
func (r *Resolver) attachRelations(ctx context.Context, rows []*models.Reservation, selected map[string]bool) error {
	if len(rows) == 0 || !(selected["service"] || selected["staffMember"] || selected["history"] || selected["payments"]) {
		return nil
	}
	byTenant := map[uuid.UUID][]*models.Reservation{}
	for _, res := range rows {
		byTenant[res.TenantID] = append(byTenant[res.TenantID], res)
	}
	for tenantID, group := range byTenant {
		serviceIDs, staffIDs := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
		own := make([]uuid.UUID, len(group))
		for i, res := range group {
			serviceIDs[res.ServiceID] = true
			staffIDs[res.StaffMemberID] = true
			own[i] = res.ID
		}
		services := map[uuid.UUID]models.Service{}
		staff := map[uuid.UUID]models.StaffMember{}
		history := map[uuid.UUID][]models.ReservationHistory{}
		pays := map[uuid.UUID][]models.Payment{}
		err := r.Booking.ReadInTenant(ctx, tenantID, func(b *pgx.Batch) {
			if selected["service"] {
				booking.QueueServicesByIDs(b, tenantID, slices.Collect(maps.Keys(serviceIDs)), services)
			}
			if selected["staffMember"] {
				booking.QueueStaffByIDs(b, tenantID, slices.Collect(maps.Keys(staffIDs)), staff)
			}
			if selected["history"] {
				booking.QueueHistoryByReservations(b, tenantID, own, history)
			}
			if selected["payments"] {
				payments.QueuePaymentsOfBatch(b, tenantID, own, pays)
			}
		})
		if err != nil {
			return err
		}
		for _, res := range group {
			if selected["service"] {
				if s, ok := services[res.ServiceID]; ok {
					res.Service = &s
				}
			}
			if selected["staffMember"] {
				if s, ok := staff[res.StaffMemberID]; ok {
					res.StaffMember = &s
				}
			}
			if selected["history"] {
				res.History = nonNil(history[res.ID])
			}
			if selected["payments"] {
				res.Payments = nonNil(pays[res.ID])
			}
		}
	}
	return nil
}

// nonNil keeps an empty list a list: a reservation without payments has payments [], not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
