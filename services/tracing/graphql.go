package tracing

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ErrorCodesKey lists the extensions.code of every error an operation answered.
const ErrorCodesKey = attribute.Key("slotpay.graphql.error_codes")

// GraphQL is the gqlgen extension that traces operations: one span per query or mutation ("mutation
// InitiatePayment") around its execution, and one per root field ("Mutation.initiatePayment"),
// where the resolvers that do I/O are; nested fields are plain struct reads or batched loads and
// get none. A subscription gets one span for subscribing ("Subscription.reservationChanged");
// the events it delivers later are not traced. Neither the query text nor its variables are
// recorded (they hold personal data).
type GraphQL struct {
	Provider trace.TracerProvider
}

var (
	_ graphql.HandlerExtension     = GraphQL{}
	_ graphql.ResponseInterceptor  = GraphQL{}
	_ graphql.RootFieldInterceptor = GraphQL{}
	_ graphql.FieldInterceptor     = GraphQL{}
)

// ExtensionName implements graphql.HandlerExtension.
func (GraphQL) ExtensionName() string { return "Tracing" }

// Validate implements graphql.HandlerExtension.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

func (g GraphQL) tracer() trace.Tracer { return g.Provider.Tracer(instrumentation) }

// InterceptResponse implements graphql.ResponseInterceptor: the operation's span. An operation
// refused before it runs (parse or validation errors) has no operation context; it gets a span named
// "graphql" carrying the error codes.
func (g GraphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	name := "graphql"
	var attrs []attribute.KeyValue
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			if op.Operation == ast.Subscription {
				// next waits for the subscription's next event: a span here would time the wait.
				return next(ctx)
			}
			name = string(op.Operation)
			attrs = append(attrs, semconv.GraphQLOperationTypeKey.String(string(op.Operation)))
			if op.Name != "" {
				name += " " + op.Name
				attrs = append(attrs, semconv.GraphQLOperationName(op.Name))
			}
		}
	}
	ctx, span := g.tracer().Start(ctx, name, trace.WithAttributes(attrs...))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		errCodes := errorCodes(resp.Errors)
		span.SetAttributes(ErrorCodesKey.StringSlice(errCodes))
		if serverFault(errCodes) {
			span.SetStatus(codes.Error, resp.Errors[0].Message)
		}
	}
	return resp
}

// InterceptRootField implements graphql.RootFieldInterceptor: a span per root field of a query or
// mutation (introspection's __schema, __type and __typename excepted: they read the schema only).
func (g GraphQL) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if fc == nil || strings.HasPrefix(fc.Field.Name, "__") {
		return next(ctx)
	}
	// gqlgen puts the field's name in fc.Object: the root type comes from the operation.
	root := "Query"
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
			root = "Mutation"
		}
	}
	ctx, span := g.tracer().Start(ctx, root+"."+fc.Field.Name)
	defer span.End()
	return next(ctx)
}

// InterceptField implements graphql.FieldInterceptor for subscriptions only, whose root fields do
// not pass through InterceptRootField: the span covers subscribing (authorisation, the first read),
// not the events.
func (g GraphQL) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Subscription" { // the type Subscription has root fields only
		return next(ctx)
	}
	ctx, span := g.tracer().Start(ctx, "Subscription."+fc.Field.Name)
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	return res, err
}

// errorCodes are the errors' extensions.code in order, "" for an error without one.
func errorCodes(errs gqlerror.List) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i], _ = e.Extensions["code"].(string)
	}
	return out
}

// serverFault reports whether an operation's errors include one of the server's own (INTERNAL, or
// an error the presenter gave no code): only those mark the span failed. A client's mistake
// (BAD_USER_INPUT, FORBIDDEN, RATE_LIMITED…) is in ErrorCodesKey but is not a failure of slotpay.
func serverFault(codes []string) bool {
	for _, c := range codes {
		if c == "" || c == "INTERNAL" {
			return true
		}
	}
	return false
}
