package tracing

import (
	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// Database is the pgx tracer of the application's pool: a span per query, batch (and each
// statement in it), connection and pool acquire, with the SQL text but never its arguments. Spans
// are made only under a recording span, so background work outside any request makes none. Nil
// when the provider is nil.
func Database(tp trace.TracerProvider) pgx.QueryTracer {
	if tp == nil {
		return nil
	}
	return otelpgx.NewTracer(otelpgx.WithTracerProvider(tp), otelpgx.WithMeterProvider(noopmetric.NewMeterProvider()))
}
