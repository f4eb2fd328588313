// Package tracing is slotpay's OpenTelemetry tracing: the OTLP exporter (off unless configured with
// the standard OTEL_* variables), the spans of HTTP requests, GraphQL operations, database calls and
// imoje calls, and the trace id in log lines.
//
// A server gets its trace.TracerProvider through its options, never from the global one, so two
// servers in one process (parallel tests) never mix their spans. A nil provider means tracing is off:
// then nothing is installed at all (no HTTP middleware, no pgx tracer, no GraphQL extension, no
// transport wrapper), and the only cost left is Start's check that the context holds no recording
// span.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentation names slotpay's own spans (the libraries' spans carry their own names).
const instrumentation = "github.com/slotpay/slotpay"

// propagator reads and writes W3C traceparent/tracestate only: baggage from outside is not wanted.
var propagator = propagation.TraceContext{}

// Settings is what the environment says about tracing.
type Settings struct {
	// Enabled is true when an OTLP endpoint is configured and tracing is not disabled.
	Enabled bool
	// Endpoint is the configured endpoint, for the start-up log line.
	Endpoint string
}

// ReadSettings decides from the standard OpenTelemetry variables whether slotpay exports traces:
// only when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is set, and not when
// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Only OTLP over HTTP (http/protobuf, the
// specification's default) is built in; another protocol or exporter is refused by name rather
// than silently exporting nothing.
func ReadSettings(getenv func(string) string) (Settings, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return Settings{}, nil
	}
	switch exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exporter {
	case "", "otlp":
	case "none":
		return Settings{}, nil
	default:
		return Settings{}, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: slotpay exports traces with otlp only (or none)", exporter)
	}
	endpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
	if endpoint == "" {
		endpoint = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	}
	if endpoint == "" {
		return Settings{}, nil
	}
	protocol := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	if protocol == "" {
		protocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	if protocol != "" && protocol != "http/protobuf" {
		return Settings{}, fmt.Errorf("OTLP protocol %q: slotpay exports traces over http/protobuf only", protocol)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Settings{}, errors.New("OTLP endpoint: want an http:// or https:// URL with a host")
	}
	return Settings{Enabled: true, Endpoint: u.Redacted()}, nil
}

// Provider is a configured tracer provider and the means to flush it.
type Provider struct {
	// TracerProvider is nil when tracing is off.
	TracerProvider trace.TracerProvider
	// Shutdown flushes spans still buffered and stops the exporter; a no-op when tracing is off.
	Shutdown func(context.Context) error
}

// FromEnv builds the tracer provider the environment asks for (see ReadSettings). The exporter
// itself reads the remaining standard variables (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT,
// _COMPRESSION, _CERTIFICATE…), the SDK the sampler (OTEL_TRACES_SAMPLER, default parentbased_always_on)
// and the batch processor's limits (OTEL_BSP_*), and the resource OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES (service.name defaults to slotpay).
func FromEnv(ctx context.Context, getenv func(string) string, log *slog.Logger) (Provider, error) {
	off := Provider{Shutdown: func(context.Context) error { return nil }}
	set, err := ReadSettings(getenv)
	if err != nil || !set.Enabled {
		return off, err
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return off, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithAttributes(semconv.ServiceName("slotpay")),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // last: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil {
		return off, fmt.Errorf("trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	if log != nil {
		log.Info("traces exported over OTLP", "endpoint", set.Endpoint)
	}
	shutdown := func(ctx context.Context) error {
		// A collector that is down must not hold the process past its shutdown.
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return tp.Shutdown(ctx)
	}
	return Provider{TracerProvider: tp, Shutdown: shutdown}, nil
}

// Start starts a span of slotpay's own as a child of the span in ctx, with that span's provider
// (the server's). Without a recording span in ctx (tracing off, or not sampled) it starts nothing
// and returns ctx and its span as they are.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, parent
	}
	return parent.TracerProvider().Tracer(instrumentation).Start(ctx, name, trace.WithAttributes(attrs...))
}

// Root starts a span of background work (no request behind it) with the server's provider tp: the
// root of its own trace. With a nil tp it starts nothing.
func Root(ctx context.Context, tp trace.TracerProvider, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if tp == nil {
		return ctx, noop.Span{} // never ctx's own span: End must not end the caller's
	}
	return tp.Tracer(instrumentation).Start(ctx, name, trace.WithAttributes(attrs...))
}

// Detached starts a span for work that outlives ctx's request (it runs on background, which its
// cancellation does not end) in ctx's trace, as a child of ctx's span, which may have ended by then.
// Without a recording span in ctx it starts nothing.
func Detached(background, ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return background, noop.Span{}
	}
	return parent.TracerProvider().Tracer(instrumentation).Start(trace.ContextWithSpan(background, parent), name, trace.WithAttributes(attrs...))
}

// End ends a span started by Start, marking it failed with err when err is not nil.
func End(span trace.Span, err error, attrs ...attribute.KeyValue) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attrs...)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// LogAttrs are the trace_id and span_id of the span recording in ctx, for log lines; none when no
// span records.
func LogAttrs(ctx context.Context) []slog.Attr {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return nil
	}
	sc := span.SpanContext()
	return []slog.Attr{slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String())}
}
