package graph

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/models"
)

// operationRoles returns the roles that every @hasRole on op's root fields admits, or nil when none
// of them has one (any caller its resolvers accept). The directive runs when an operation starts; a
// subscription's root field does not run again, so this is what a role change is checked against.
// Fields below the root run again for each event, their @hasRole with them.
func operationRoles(op *ast.OperationDefinition) []models.Role {
	if op == nil {
		return nil
	}
	roles := []models.Role{models.RoleOwner, models.RoleAdmin, models.RoleStaff}
	restricted := false
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Definition == nil {
					continue
				}
				d := s.Definition.Directives.ForName("hasRole")
				if d == nil {
					continue
				}
				restricted = true
				var listed []models.Role
				if arg := d.Arguments.ForName("roles"); arg != nil && arg.Value != nil {
					for _, child := range arg.Value.Children {
						if child.Value != nil {
							listed = append(listed, models.Role(child.Value.Raw))
						}
					}
				}
				roles = slices.DeleteFunc(roles, func(r models.Role) bool { return !slices.Contains(listed, r) })
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(op.SelectionSet)
	if !restricted {
		return nil
	}
	return roles // not nil: DeleteFunc keeps the array
}
