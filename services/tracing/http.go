package tracing

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Routes tells which pattern a request is routed by; *http.ServeMux is one.
type Routes interface {
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// HTTP gives every request one server span, named by its route ("POST /graphql", "POST
// /payment-imoje"), that continues the trace of an incoming W3C traceparent. WebSocket upgrades get
// none: the handler lasts as long as the socket, so each operation on it is its own trace instead.
// With a nil provider HTTP returns next itself.
func HTTP(tp trace.TracerProvider, routes Routes, next http.Handler) http.Handler {
	if tp == nil {
		return next
	}
	named := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := routes.Handler(r)
		span := trace.SpanFromContext(r.Context())
		span.SetName(spanName(r.Method, pattern))
		if pattern != "" {
			span.SetAttributes(semconv.HTTPRoute(pattern))
		}
		if redacted := RedactPath(r.URL.Path); redacted != r.URL.Path {
			span.SetAttributes(semconv.URLPath(redacted))
		}
		next.ServeHTTP(w, r)
	})
	return otelhttp.NewHandler(named, "slotpay",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()), // metrics are Prometheus's
		otelhttp.WithPropagators(propagator),
		otelhttp.WithFilter(func(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }),
	)
}

// spanName is "METHOD /route" for a mux pattern with or without its method ("POST /payment-imoje",
// "/graphql"), and the bare method for a request no route matched: never the raw path, whose
// cardinality a client chooses.
func spanName(method, pattern string) string {
	if pattern == "" {
		return method
	}
	if strings.HasPrefix(pattern, "/") {
		return method + " " + pattern
	}
	return pattern
}

// Transport wraps base (the default transport when nil) so that every imoje call is a client span
// ("imoje POST transaction", "imoje GET payment/{id}") that sends the W3C traceparent of the trace it
// belongs to. With a nil provider it returns base itself.
func Transport(tp trace.TracerProvider, base http.RoundTripper) http.RoundTripper {
	if tp == nil {
		return base
	}
	return otelhttp.NewTransport(base,
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()),
		otelhttp.WithPropagators(propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if e := imojeEndpoint(r.URL.Path); e != "" {
				return "imoje " + r.Method + " " + e
			}
			return "imoje " + r.Method
		}),
	)
}

// imojeEndpoint is the endpoint of an imoje API path with its ids replaced by {id}:
// …/merchant/m1/transaction/abc/refund is "transaction/{id}/refund". Empty for a path that is none
// of imoje's endpoints.
func imojeEndpoint(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	start := len(segs) - 1
	for ; start >= 0; start-- {
		if s := segs[start]; s == "service" || s == "transaction" || s == "payment" {
			break
		}
	}
	if start < 0 {
		return ""
	}
	out := segs[start]
	for _, s := range segs[start+1:] {
		switch s {
		case "refund", "cancel":
			out += "/" + s
		default:
			out += "/{id}"
		}
	}
	return out
}

// secretPaths are routes whose rest is a secret (a calendar feed's token is its URL): spans and
// the access log show the prefix only.
var secretPaths = []string{"/calendar/"}

// RedactPath is path as spans and logs may show it.
func RedactPath(path string) string {
	for _, p := range secretPaths {
		if strings.HasPrefix(path, p) && len(path) > len(p) {
			return p + "…"
		}
	}
	return path
}
