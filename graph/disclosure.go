package graph

import (
	"context"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// In production slotpay does not describe its schema to whoever asks: introspection is refused and
// validation errors name what was wrong without suggesting what exists.

// codeIntrospectionDisabled is the code of a refused introspection query.
const codeIntrospectionDisabled = "INTROSPECTION_DISABLED"

// RefuseIntrospection refuses, after validation and before anything runs, an operation that selects
// __schema or __type, and logs the refusal at INFO: a probe or a misconfigured tool, not a fault.
// (Without it gqlgen resolves the fields to a bare "introspection disabled" error, which the error
// presenter can only treat as internal.) __typename stays allowed: clients rely on it.
type RefuseIntrospection struct{ Logger *slog.Logger }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = RefuseIntrospection{}

// ExtensionName names the extension.
func (RefuseIntrospection) ExtensionName() string { return "RefuseIntrospection" }

// Validate accepts any schema.
func (RefuseIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses the operation if it introspects.
func (r RefuseIntrospection) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || !introspects(op.Doc, op.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	r.Logger.InfoContext(ctx, "introspection refused", "operation", op.OperationName)
	return &gqlerror.Error{
		Message:    "introspection is disabled",
		Extensions: map[string]any{"code": codeIntrospectionDisabled},
	}
}

// introspects reports whether set selects __schema or __type anywhere, fragments spread; each
// fragment is looked at once.
func introspects(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" || introspects(doc, sel.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(doc, sel.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[sel.Name] {
				continue
			}
			seen[sel.Name] = true
			if def := doc.Fragments.ForName(sel.Name); def != nil && introspects(doc, def.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// rulesWithoutSuggestions is gqlparser's validation rule set with every "Did you mean …?" clause
// cut from the errors it reports: unknown fields, arguments, input fields, enum values and types
// would otherwise be answered with the names that exist (gqlgen's SetDisableSuggestion covers
// fields only).
func rulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for name, rule := range r.GetInner() {
		r.ReplaceRule(name, withoutSuggestions(rule))
	}
	return r
}

func withoutSuggestions(rule core.RuleFunc) core.RuleFunc {
	return func(observers *core.Events, addError core.AddErrFunc) {
		rule(observers, func(options ...core.ErrorOption) {
			// Options apply in order: this one runs after the message and its suggestion are set.
			addError(append(options[:len(options):len(options)], cutSuggestion)...)
		})
	}
}

// cutSuggestion removes the suggestion gqlparser appends to a message; every form of it begins
// " Did you mean" (a name, a list of names, an enum value, an inline fragment on a type).
func cutSuggestion(err *gqlerror.Error) {
	if i := strings.Index(err.Message, " Did you mean"); i >= 0 {
		err.Message = err.Message[:i]
	}
}
