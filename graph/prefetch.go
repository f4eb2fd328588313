package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/models"
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

// prefetchReservations loads, in one batch per kind and in parallel, the nested objects a page of
// reservations asked for, before gqlgen resolves the rows. The loaders then answer each row from
// their cache, so the number of queries does not depend on how the scheduler interleaves the rows'
// resolvers (a loader's batch window alone cannot promise that on a busy machine).
func (r *Resolver) prefetchReservations(ctx context.Context, rows []models.Reservation, selected map[string]bool) {
	if len(rows) == 0 {
		return
	}
	l, pl := r.loaders(ctx), r.paymentLoaders(ctx)
	services := make([]tenantKey, 0, len(rows))
	staff := make([]tenantKey, 0, len(rows))
	own := make([]tenantKey, 0, len(rows))
	for _, res := range rows {
		services = append(services, tenantKey{TenantID: res.TenantID, ID: res.ServiceID})
		staff = append(staff, tenantKey{TenantID: res.TenantID, ID: res.StaffMemberID})
		own = append(own, tenantKey{TenantID: res.TenantID, ID: res.ID})
	}
	var wg sync.WaitGroup
	run := func(want bool, load func()) {
		if want {
			wg.Go(load)
		}
	}
	// Errors are not lost: the rows' own Load calls return them from the loaders' cache.
	run(selected["service"], func() { _, _ = l.Service.LoadAll(ctx, services) })
	run(selected["staffMember"], func() { _, _ = l.StaffMember.LoadAll(ctx, staff) })
	run(selected["history"], func() { _, _ = l.History.LoadAll(ctx, own) })
	run(selected["payments"], func() { _, _ = pl.Payments.LoadAll(ctx, own) })
	wg.Wait()
}
