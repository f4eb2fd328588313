package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/graph/scalar"
	"github.com/slotpay/slotpay/services/apperr"
)

// VariableCoercion coerces variables of custom scalars (UUID, Time, Date), within lists and input
// objects too, and the custom-scalar literals of field arguments, before anything executes: a value that fails is a request error, as the GraphQL
// specification says of variable coercion (gqlparser checks only the built-in scalars, and the
// custom ones would otherwise fail later, as field errors with data: null). The error is the one a
// malformed argument gets: BAD_USER_INPUT, extensions.field naming the argument where the variable
// is used (input.startsAt for $in's startsAt given to input), and the variable's path.
type VariableCoercion struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &VariableCoercion{}

// ExtensionName names the extension.
func (*VariableCoercion) ExtensionName() string { return "VariableCoercion" }

// Validate keeps the schema the variables' types are read from.
func (c *VariableCoercion) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

// MutateOperationContext checks each variable the operation defines, then each literal argument.
func (c *VariableCoercion) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	for _, def := range op.Operation.VariableDefinitions {
		v, ok := op.Variables[def.Variable]
		if !ok {
			continue
		}
		if err := c.coerce(def.Type, v, ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}); err != nil {
			err.Message = "variable " + def.Variable + ": " + err.Message
			field := append(argumentPath(op.Doc, op.Operation.SelectionSet, def.Variable, map[string]bool{}), err.Path[2:]...)
			if len(field) > 0 {
				err.Extensions["field"] = fieldOf(field)
			}
			return err
		}
	}
	return c.literals(op, op.Operation.SelectionSet, map[string]bool{})
}

// literals checks the custom-scalar values written in the document's field arguments (variables in
// them are checked already): one that fails is refused as validation refuses a literal of a
// built-in scalar, before anything executes.
func (c *VariableCoercion) literals(op *graphql.OperationContext, set ast.SelectionSet, visiting map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if s.Definition == nil {
					break
				}
				def := s.Definition.Arguments.ForName(a.Name)
				if def == nil || a.Value == nil || a.Value.Kind == ast.Variable {
					continue
				}
				v, err := a.Value.Value(op.Variables)
				if err != nil {
					continue // validation has refused it already
				}
				if e := c.coerce(def.Type, v, ast.Path{ast.PathName(a.Name)}); e != nil {
					e.Message = "argument " + fieldOf(e.Path) + ": " + e.Message
					e.Extensions["field"] = fieldOf(e.Path)
					e.Path = nil
					if a.Position != nil {
						e.Locations = []gqlerror.Location{{Line: a.Position.Line, Column: a.Position.Column}}
					}
					return e
				}
			}
			if err := c.literals(op, s.SelectionSet, visiting); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := c.literals(op, s.SelectionSet, visiting); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if visiting[s.Name] || op.Doc == nil {
				continue
			}
			visiting[s.Name] = true
			if def := op.Doc.Fragments.ForName(s.Name); def != nil {
				if err := c.literals(op, def.SelectionSet, visiting); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *VariableCoercion) coerce(t *ast.Type, v any, path ast.Path) *gqlerror.Error {
	if v == nil {
		return nil // null where non-null is required: gqlparser has refused it already
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return c.coerce(t.Elem, v, path) // a single value coerced as a one-element list
		}
		for i, e := range list {
			if err := c.coerce(t.Elem, e, append(path[:len(path):len(path)], ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	if check, ok := scalar.Coercers[t.NamedType]; ok {
		if err := check(v); err != nil {
			e := &gqlerror.Error{
				Message: fmt.Sprintf("%s is not a valid %s", describeValue(v), t.NamedType),
				Path:    path,
			}
			e.Extensions = map[string]any{"code": string(apperr.BadUserInput)}
			return e
		}
		return nil
	}
	def := c.schema.Types[t.NamedType]
	obj, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return nil
	}
	for _, f := range def.Fields {
		if fv, ok := obj[f.Name]; ok {
			if err := c.coerce(f.Type, fv, append(path[:len(path):len(path)], ast.PathName(f.Name))); err != nil {
				return err
			}
		}
	}
	return nil
}

// describeValue names a refused value's JSON kind (never the value: it may be personal).
func describeValue(v any) string {
	switch v.(type) {
	case string:
		return "the string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return "a number"
}

// argumentPath is where variable is first used in set: the argument's name, then the input fields
// and list indexes leading to it (nil when it is used nowhere, or only in a directive).
func argumentPath(doc *ast.QueryDocument, set ast.SelectionSet, variable string, visiting map[string]bool) ast.Path {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				if p := valuePath(a.Value, variable, ast.Path{ast.PathName(a.Name)}); p != nil {
					return p
				}
			}
			if p := argumentPath(doc, s.SelectionSet, variable, visiting); p != nil {
				return p
			}
		case *ast.InlineFragment:
			if p := argumentPath(doc, s.SelectionSet, variable, visiting); p != nil {
				return p
			}
		case *ast.FragmentSpread:
			if visiting[s.Name] || doc == nil {
				continue
			}
			visiting[s.Name] = true
			if def := doc.Fragments.ForName(s.Name); def != nil {
				if p := argumentPath(doc, def.SelectionSet, variable, visiting); p != nil {
					return p
				}
			}
		}
	}
	return nil
}

func valuePath(v *ast.Value, variable string, at ast.Path) ast.Path {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case ast.Variable:
		if v.Raw == variable {
			return at
		}
	case ast.ObjectValue, ast.ListValue:
		for i, c := range v.Children {
			var el ast.PathElement = ast.PathName(c.Name)
			if v.Kind == ast.ListValue {
				el = ast.PathIndex(i)
			}
			if p := valuePath(c.Value, variable, append(at[:len(at):len(at)], el)); p != nil {
				return p
			}
		}
	}
	return nil
}
