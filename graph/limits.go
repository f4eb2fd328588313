package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/node"
	"github.com/slotpay/slotpay/services/paging"
)

// DepthLimit refuses operations nested deeper than Max before any resolver runs. Fragments count
// where they are spread; introspection fields (__schema, __type) are not counted, since introspection
// is available in development only.
type DepthLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

// ExtensionName names the extension.
func (DepthLimit) ExtensionName() string { return "DepthLimit" }

// Validate accepts any schema.
func (DepthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the chosen operation.
func (d DepthLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	if depth := selectionDepth(op.Operation.SelectionSet, map[string]bool{}); depth > d.Max {
		return &gqlerror.Error{
			Message:    "operation is nested too deeply",
			Extensions: map[string]any{"code": "DEPTH_LIMIT_EXCEEDED", "depth": depth, "maxDepth": d.Max},
		}
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet, visiting)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, visiting)
			delete(visiting, s.Name)
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}

// pageSize is the rows a connection's page arguments ask for (paging's default and cap).
func pageSize(first, last *int) int {
	n := paging.DefaultSize
	for _, size := range []*int{first, last} {
		if size != nil && *size > 0 {
			n = min(*size, paging.MaxSize)
		}
	}
	return n
}

// setComplexity weighs list fields by the page size they ask for, so a wide query costs what it
// would really cost. Domains add their list fields here.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Reservations = func(child int, _ *model.ReservationFilter, first *int, _ *string, last *int, _ *string, _ *model.ReservationOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.ServicesConnection = func(child int, _ *bool, first *int, _ *string, last *int, _ *string, _ *model.CatalogueOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.StaffMembersConnection = func(child int, _ *bool, first *int, _ *string, last *int, _ *string, _ *model.CatalogueOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.MembersConnection = func(child int, first *int, _ *string, last *int, _ *string, _ *model.MembershipOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.Payments = func(child int, _ *model.PaymentFilter, first *int, _ *string, last *int, _ *string, _ *model.CreationOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.Refunds = func(child int, _ *model.RefundFilter, first *int, _ *string, last *int, _ *string, _ *model.CreationOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.PaymentNotifications = func(child int, _ *model.PaymentNotificationFilter, first *int, _ *string, last *int, _ *string, _ *model.CreationOrder) int {
		return 1 + child*pageSize(first, last)
	}
	c.Query.Nodes = func(child int, ids []string) int { return 1 + child*max(1, min(len(ids), node.MaxIDs)) }
	c.Query.Availability = func(child int, _ string, _ uuid.UUID, from, to models.Date, _ *uuid.UUID, _ *string) int {
		days := 1
		for d := from; d.Before(to) && days < booking.MaxAvailabilityDays; d = d.AddDays(1) {
			days++
		}
		return 1 + child*days
	}
	// Catalogue lists are short; weigh them as a typical business's.
	const catalogue = 20
	c.Query.Services = func(child int, _ *bool) int { return 1 + child*catalogue }
	c.Query.StaffMembers = func(child int, _ *bool) int { return 1 + child*catalogue }
	c.Query.PublicServices = func(child int, _ string) int { return 1 + child*catalogue }
	c.Query.PublicStaff = func(child int, _ string, _ *uuid.UUID) int { return 1 + child*catalogue }
}
