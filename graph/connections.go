package graph

import (
	"context"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/paging"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/tenancy"
)

// Every connection field pages through services/paging: the resolver passes its arguments as
// pageArgs (which looks at the selection: totalCount is counted only when selected) and the
// ordering the domain names, and turns the page into edges and PageInfo with connection.

// pageArgs are a connection field's page arguments, and whether its totalCount is selected.
func pageArgs(ctx context.Context, first *int, after *string, last *int, before *string) paging.Args {
	return paging.Args{First: first, After: after, Last: last, Before: before, Total: requestedUnder(ctx)["totalCount"]}
}

// connection is a page's edges (made by edge from each row and its cursor), its PageInfo and its
// total count.
func connection[T any, E any](p *paging.Page[T], edge func(cursor string, node *T) E) ([]E, *model.PageInfo, int) {
	edges := make([]E, len(p.Rows))
	for i := range p.Rows {
		edges[i] = edge(p.Cursors[i], &p.Rows[i])
	}
	info := &model.PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPreviousPage}
	if n := len(p.Cursors); n > 0 {
		info.StartCursor, info.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return edges, info, p.TotalCount
}

// reservationConnection is a page of reservations with the relations its edges' nodes select.
func (r *Resolver) reservationConnection(ctx context.Context, page *booking.ReservationPage) (*model.ReservationConnection, error) {
	rows := make([]*models.Reservation, len(page.Rows))
	for i := range page.Rows {
		rows[i] = &page.Rows[i]
	}
	if err := r.attachRelations(ctx, rows, requestedUnder(ctx, "edges", "node")); err != nil {
		return nil, err
	}
	c := &model.ReservationConnection{}
	c.Edges, c.PageInfo, c.TotalCount = connection(page, func(cursor string, n *models.Reservation) *model.ReservationEdge {
		return &model.ReservationEdge{Cursor: cursor, Node: n}
	})
	return c, nil
}

// The schema's orderBy values as the domains name the orderings (a value left out is the domain's
// default).
var (
	reservationOrders = map[model.ReservationOrder]string{
		model.ReservationOrderStartTimeAsc: booking.ByStartTime, model.ReservationOrderStartTimeDesc: booking.ByStartTimeDesc,
		model.ReservationOrderCreatedAtAsc: booking.ByCreatedAt, model.ReservationOrderCreatedAtDesc: booking.ByCreatedAtDesc,
	}
	catalogueOrders = map[model.CatalogueOrder]string{
		model.CatalogueOrderNameAsc: booking.ByName, model.CatalogueOrderNameDesc: booking.ByNameDesc,
		model.CatalogueOrderCreatedAtAsc: booking.ByCreatedAt, model.CatalogueOrderCreatedAtDesc: booking.ByCreatedAtDesc,
	}
	creationOrders = map[model.CreationOrder]string{
		model.CreationOrderCreatedAtDesc: payments.NewestFirst, model.CreationOrderCreatedAtAsc: payments.OldestFirst,
	}
	membershipOrders = map[model.MembershipOrder]string{
		model.MembershipOrderCreatedAtAsc: tenancy.ByJoined, model.MembershipOrderCreatedAtDesc: tenancy.ByJoinedDesc,
	}
)

func texts[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}
