// Package metrics is slotpay's Prometheus instrumentation: one registry per server instance (never
// the process-wide default, so test servers running side by side never share counters), the
// collectors that read PostgreSQL and the pool at scrape time, and the small hooks the HTTP edge,
// the GraphQL handler, the WebSocket transport, the imoje client and the payments and booking
// services call. Every hook is a method that does nothing on a nil *Metrics, so code built without
// metrics (unit tests of a package) needs no second path.
//
// Labels are low-cardinality by construction: routes, endpoints, methods and close codes come from
// fixed sets, operation names and error codes are capped (Limiter), and no label ever carries a
// tenant, a user or an id.
package metrics

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Path is where metrics are served (on the main listener, or alone on SLOTPAY_METRICS_ADDR).
const Path = "/metrics"

// Options configure New.
type Options struct {
	// Pool is the application's pgx pool: its statistics are reported, and the reconciliation
	// backlog is read through it at scrape time. Nil leaves both out.
	Pool *pgxpool.Pool
	// ReconcileAfter is how old a payment is before reconciliation first asks imoje about it (the
	// backlog counts payments past their check time by the same rule).
	ReconcileAfter time.Duration
	// Now is the clock the backlog is measured by (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
}

// Metrics holds one server's registry and its collectors.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	graphqlOperations *prometheus.CounterVec
	graphqlDuration   *prometheus.HistogramVec
	operationNames    *Limiter
	errorCodes        *Limiter

	wsConnections   prometheus.Gauge
	wsSubscriptions prometheus.Gauge
	wsCloses        *prometheus.CounterVec
	slowConsumers   prometheus.Counter

	imojeCalls    *prometheus.CounterVec
	imojeDuration *prometheus.HistogramVec

	notifications  *prometheus.CounterVec
	reconciliation *prometheus.CounterVec
	holdsExpired   prometheus.Counter
}

// New builds a fresh registry with every slotpay family, the Go runtime and process collectors,
// build information, and (with a pool) the pool statistics and the reconciliation backlog.
func New(o Options) *Metrics {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: o.Log,
		operationNames: NewLimiter(MaxOperationNames), errorCodes: NewLimiter(MaxErrorCodes)}
	f := factory{m.reg}

	m.httpRequests = f.counterVec("slotpay_http_requests_total",
		"HTTP requests by route (a fixed set), method and status.", "route", "method", "status")
	m.httpDuration = f.histogramVec("slotpay_http_request_duration_seconds",
		"Time to answer an HTTP request (a WebSocket: until the upgrade).", latencyBuckets, "route", "method")

	m.graphqlOperations = f.counterVec("slotpay_graphql_operations_total",
		"GraphQL operations by operation name, type and the first error's code (OK without errors).", "operation", "type", "code")
	m.graphqlDuration = f.histogramVec("slotpay_graphql_operation_duration_seconds",
		"Time from receiving a query or mutation to its result.", latencyBuckets, "operation", "type")

	m.wsConnections = f.gauge("slotpay_websocket_connections", "Open WebSocket connections.")
	m.wsSubscriptions = f.gauge("slotpay_websocket_subscriptions", "Subscriptions streaming events on open WebSocket connections.")
	m.wsCloses = f.counterVec("slotpay_websocket_closes_total",
		"Ended WebSocket connections by close code (none: dropped without a close frame) and by who closed (server, client).", "code", "by")
	m.slowConsumers = f.counter("slotpay_events_slow_consumers_total",
		"Subscribers dropped because their event buffer overflowed (their connection is closed with 1013).")

	m.imojeCalls = f.counterVec("slotpay_imoje_requests_total",
		"Calls to imoje's API by endpoint (templated), method and status (error: no answer, timeout: no answer in time).", "endpoint", "method", "status")
	m.imojeDuration = f.histogramVec("slotpay_imoje_request_duration_seconds",
		"Time imoje took to answer a call.", latencyBuckets, "endpoint", "method")

	m.notifications = f.counterVec("slotpay_imoje_notifications_total",
		"Notifications received at /payment-imoje by outcome and HTTP status answered.", "outcome", "status")
	m.reconciliation = f.counterVec("slotpay_reconciliation_outcomes_total",
		"What reconciliation learned by asking imoje about a payment (applied: it moved a payment a notification should have moved).", "outcome")
	m.holdsExpired = f.counter("slotpay_booking_holds_expired_total",
		"Unpaid holds expired by the background worker.")

	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo())
	if o.Pool != nil {
		m.reg.MustRegister(poolCollector{pool: o.Pool}, &backlogCollector{pool: o.Pool, minAge: o.ReconcileAfter, now: o.Now, log: o.Log})
	}
	return m
}

// Registry is the server's registry (tests gather from it; nothing registers globally).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the exposition. A collector that fails (the database did not answer) leaves its
// families out rather than failing the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.reg})
}

// latencyBuckets span a cheap query (a millisecond) to imoje's 15 s timeout.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30}

type factory struct{ reg *prometheus.Registry }

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// buildInfo is slotpay_build_info{version, revision, go_version} 1, from the binary's build
// information (version "(devel)" for a go run or go build of a work tree).
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func buildInfo() prometheus.Collector {
	version, revision, goVersion := "unknown", "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version, goVersion = cmpOr(bi.Main.Version, version), cmpOr(bi.GoVersion, goVersion)
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "slotpay_build_info",
		Help:        "Always 1; the labels say which build runs.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "go_version": goVersion}})
	g.Set(1)
	return g
}
