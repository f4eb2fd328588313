package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
)

// nodes resolves global ids through the registry (services/node) and attaches the relations
// selected on the reservations among them (node(id:) { ... on Reservation { service { … } } }), as
// every field returning reservations does. A caller without a valid token gets nulls.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	p, _ := auth.FromContext(ctx)
	found, err := r.Nodes.Resolve(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	out := make([]model.Node, len(found))
	var reservations []*models.Reservation
	for i, o := range found {
		if o == nil {
			continue // a nil interface, not a typed nil pointer: null in the answer
		}
		out[i] = o
		if res, ok := o.(*models.Reservation); ok {
			reservations = append(reservations, res)
		}
	}
	if len(reservations) > 0 {
		if err := r.attachRelations(ctx, reservations, requestedOn(ctx, "Reservation")); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// requestedOn returns the names of the fields selected below the current field for an object of
// type typeName (its inline fragments and fragment spreads included, other types' left out).
func requestedOn(ctx context.Context, typeName string) map[string]bool {
	fields := graphql.CollectFields(graphql.GetOperationContext(ctx), graphql.GetFieldContext(ctx).Field.Selections, []string{typeName, "Node"})
	out := make(map[string]bool, len(fields))
	for _, f := range fields {
		out[f.Name] = true
	}
	return out
}
