package graph

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/i18n"
)

// inArgument marks a domain error whose field paths are relative to one argument of the
// operation: the domain says "customer.email", the client reads "input.customer.email".
type inArgument struct {
	name string
	err  error
}

func (e *inArgument) Error() string { return e.err.Error() }
func (e *inArgument) Unwrap() error { return e.err }

// inInput is how a resolver that hands its input argument to the domain says so: the error's
// field paths are then placed under "input" by the presenter (placeField).
func inInput[T any](v T, err error) (T, error) {
	if err != nil {
		err = &inArgument{name: "input", err: err}
	}
	return v, err
}

// placeField is the path the client sees for a domain field path: under the argument the domain
// was given (inArgument), unless the path already starts with one of the field's arguments (an id
// given beside the input, or a path the domain still writes whole).
func placeField(ctx context.Context, err error, field string) string {
	var arg *inArgument
	if field == "" || !errors.As(err, &arg) {
		return field
	}
	first, _, _ := strings.Cut(field, ".")
	if first == arg.name {
		return field
	}
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Definition != nil {
		if fc.Field.Definition.Arguments.ForName(first) != nil {
			return field
		}
	}
	return arg.name + "." + field
}

// presentProblems adds every problem of err but the last to the response, each as its own error
// on the same path, and returns the last for the presenter: all input errors of a request at once.
func presentProblems(ctx context.Context, err error) error {
	problems := apperr.Each(err)
	if len(problems) < 2 {
		return err
	}
	var gqlErr *gqlerror.Error
	errors.As(err, &gqlErr)
	var arg *inArgument
	errors.As(err, &arg)
	for i, p := range problems {
		if arg != nil {
			p = &inArgument{name: arg.name, err: p}
		}
		one := gqlerror.WrapPath(graphql.GetPath(ctx), p)
		if gqlErr != nil {
			one.Path, one.Locations = gqlErr.Path, gqlErr.Locations
		}
		if i == len(problems)-1 {
			return one
		}
		graphql.AddError(ctx, one)
	}
	return err
}

// requestLocale is the language of one response's messages, chosen once, when the first message
// needs it (i18n.Choose): the client's Accept-Language, the caller's business's locale, English.
type requestLocale struct {
	once     sync.Once
	locale   string
	business BusinessLocale
}

// BusinessLocale reads a business's locale (a BCP 47 tag).
type BusinessLocale func(ctx context.Context, tenantID uuid.UUID) (string, error)

type localeKey struct{}

// localeChooser gives each operation its requestLocale.
type localeChooser struct{ business BusinessLocale }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = localeChooser{}

func (localeChooser) ExtensionName() string                   { return "Locale" }
func (localeChooser) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation chooses per operation rather than per response: a subscription's own
// resolver runs (and may fail) before its first response, and every event of one subscription
// speaks the same language.
func (l localeChooser) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, localeKey{}, &requestLocale{business: l.business}))
}

// InterceptResponse covers the responses that have no operation: request errors (DispatchError).
func (l localeChooser) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if _, ok := ctx.Value(localeKey{}).(*requestLocale); ok {
		return next(ctx)
	}
	return next(context.WithValue(ctx, localeKey{}, &requestLocale{business: l.business}))
}

// localeOf is the locale of ctx's response; English outside one.
func localeOf(ctx context.Context) string {
	rl, ok := ctx.Value(localeKey{}).(*requestLocale)
	if !ok {
		return i18n.English
	}
	rl.once.Do(func() {
		accept := ""
		if graphql.HasOperationContext(ctx) {
			accept = graphql.GetOperationContext(ctx).Headers.Get("Accept-Language")
		}
		rl.locale = i18n.Choose(accept, func() string { return rl.businessLocale(ctx) })
	})
	return rl.locale
}

// businessLocale is the locale of the caller's business, "" when the caller has none (or it
// cannot be read: the message is then English, never an error of its own).
func (rl *requestLocale) businessLocale(ctx context.Context) string {
	if rl.business == nil || ctx.Err() != nil {
		return ""
	}
	p, err := auth.FromContext(ctx)
	if err != nil || p == nil || p.TenantID == uuid.Nil {
		return ""
	}
	locale, err := rl.business(ctx, p.TenantID)
	if err != nil {
		return ""
	}
	return locale
}

// businessLocale reads a business's locale through tenancy (nil without it).
func businessLocale(r *Resolver) BusinessLocale {
	if r.Tenancy == nil {
		return nil
	}
	return func(ctx context.Context, tenantID uuid.UUID) (string, error) {
		t, err := r.Tenancy.Tenant(ctx, tenantID)
		if err != nil {
			return "", err
		}
		return t.Locale, nil
	}
}
