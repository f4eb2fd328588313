package metrics

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// statsKey marks, in an operation's gqlgen Stats, that the operation has been counted: a
// subscription passes the response interceptor once per event and is counted at its first.
const statsKey = "slotpay.metrics"

// GraphQL is the gqlgen extension counting operations (name, type, first error code) and timing
// queries and mutations. It sees every response the executor produces, refusals before execution
// (parse, validation, limits) included, over HTTP and WebSocket alike.
func (m *Metrics) GraphQL() graphql.HandlerExtension { return graphqlExtension{m} }

type graphqlExtension struct{ m *Metrics }

var (
	_ graphql.HandlerExtension    = graphqlExtension{}
	_ graphql.ResponseInterceptor = graphqlExtension{}
)

func (graphqlExtension) ExtensionName() string                   { return "Metrics" }
func (graphqlExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (e graphqlExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if e.m == nil || resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Stats.GetExtension(statsKey) != nil {
		return resp
	}
	oc.Stats.SetExtension(statsKey, true)
	name, typ := e.m.operationLabels(oc.Operation)
	code := "OK"
	if len(resp.Errors) > 0 {
		code = "UNKNOWN"
		if c, ok := resp.Errors[0].Extensions["code"].(string); ok && c != "" {
			code = e.m.errorCodes.Value(c)
		}
	}
	e.m.graphqlOperations.WithLabelValues(name, typ, code).Inc()
	// A subscription's first result may come hours after it started: only queries, mutations and
	// refused operations are timed.
	if typ != string(ast.Subscription) && !oc.Stats.OperationStart.IsZero() {
		e.m.graphqlDuration.WithLabelValues(name, typ).Observe(time.Since(oc.Stats.OperationStart).Seconds())
	}
	return resp
}

// operationLabels names an operation for labels: its name in the parsed document (capped),
// "anonymous" without one, "unknown" when none was found (the text did not parse or validate, or
// the requested operationName is not in it), with its type ("unknown" likewise).
func (m *Metrics) operationLabels(op *ast.OperationDefinition) (name, typ string) {
	if op == nil {
		return "unknown", "unknown"
	}
	name = "anonymous"
	if op.Name != "" {
		name = m.operationNames.Value(op.Name)
	}
	return name, string(op.Operation)
}
