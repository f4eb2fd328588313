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

// prefetchReservations loads the nested objects a page of reservations asked for (service, staff
// member, history, payments) in one round trip per tenant of the page — one tenant-scoped pgx batch
// with one query per kind (database.ReadInTenant) — and primes the response's loaders with them
// before gqlgen resolves the rows. The rows' resolvers then answer from the loaders' cache, so the
// number of queries does not depend on how the scheduler interleaves them. If the batch fails,
// nothing is primed and the rows' own Load calls read (and report the error) as without prefetch.
func (r *Resolver) prefetchReservations(ctx context.Context, rows []models.Reservation, selected map[string]bool) {
	if len(rows) == 0 || !(selected["service"] || selected["staffMember"] || selected["history"] || selected["payments"]) {
		return
	}
	type ids struct {
		services, staff map[uuid.UUID]bool
		own             []uuid.UUID
	}
	byTenant := map[uuid.UUID]*ids{}
	for _, res := range rows {
		g := byTenant[res.TenantID]
		if g == nil {
			g = &ids{services: map[uuid.UUID]bool{}, staff: map[uuid.UUID]bool{}}
			byTenant[res.TenantID] = g
		}
		g.services[res.ServiceID] = true
		g.staff[res.StaffMemberID] = true
		g.own = append(g.own, res.ID)
	}
	l, pl := r.loaders(ctx), r.paymentLoaders(ctx)
	for tenantID, g := range byTenant {
		services := map[uuid.UUID]models.Service{}
		staff := map[uuid.UUID]models.StaffMember{}
		history := map[uuid.UUID][]models.ReservationHistory{}
		pays := map[uuid.UUID][]models.Payment{}
		err := r.Booking.ReadInTenant(ctx, tenantID, func(b *pgx.Batch) {
			if selected["service"] {
				booking.QueueServicesByIDs(b, tenantID, slices.Collect(maps.Keys(g.services)), services)
			}
			if selected["staffMember"] {
				booking.QueueStaffByIDs(b, tenantID, slices.Collect(maps.Keys(g.staff)), staff)
			}
			if selected["history"] {
				booking.QueueHistoryByReservations(b, tenantID, g.own, history)
			}
			if selected["payments"] {
				payments.QueuePaymentsOf(b, tenantID, g.own, pays)
			}
		})
		if err != nil {
			continue
		}
		for id, v := range services {
			l.Service.Prime(tenantKey{TenantID: tenantID, ID: id}, &v)
		}
		for id, v := range staff {
			l.StaffMember.Prime(tenantKey{TenantID: tenantID, ID: id}, &v)
		}
		for _, id := range g.own {
			key := tenantKey{TenantID: tenantID, ID: id}
			if selected["history"] {
				l.History.Prime(key, history[id])
			}
			if selected["payments"] {
				pl.Payments.Prime(key, pays[id])
			}
		}
	}
}
