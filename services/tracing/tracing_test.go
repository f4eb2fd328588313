package tracing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func TestReadSettings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     map[string]string
		enabled bool
		wantErr string
	}{
		{name: "nothing set: off", env: nil},
		{name: "endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, enabled: true},
		{name: "traces endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector/v1/traces"}, enabled: true},
		{name: "sdk disabled", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}},
		{name: "exporter none", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}},
		{name: "exporter otlp", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "otlp"}, enabled: true},
		{name: "exporter zipkin refused", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"}, wantErr: "otlp only"},
		{name: "http/protobuf", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, enabled: true},
		{name: "grpc refused", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, wantErr: "http/protobuf only"},
		{name: "traces protocol wins", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, enabled: true},
		{name: "no scheme refused", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, wantErr: "http:// or https://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := ReadSettings(func(k string) string { return c.env[k] })
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || s.Enabled != c.enabled {
				t.Fatalf("settings %+v, %v; want enabled=%v", s, err, c.enabled)
			}
		})
	}
}

func TestReadSettingsHidesEndpointPassword(t *testing.T) {
	t.Parallel()
	s, err := ReadSettings(func(k string) string {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return "https://user:s3cret@collector:4318"
		}
		return ""
	})
	if err != nil || strings.Contains(s.Endpoint, "s3cret") {
		t.Fatalf("endpoint %q, %v", s.Endpoint, err)
	}
}

// TestFromEnvExportsOverOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach the collector's
// /v1/traces as OTLP protobuf, with service.name slotpay, when the provider shuts down.
func TestFromEnvExportsOverOTLP(t *testing.T) {
	var mu sync.Mutex
	var got []*collectortrace.ExportTraceServiceRequest
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &collectortrace.ExportTraceServiceRequest{}
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(body, req) != nil {
			http.Error(w, "unexpected export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, req)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", "")
	p, err := FromEnv(context.Background(), os.Getenv, nil)
	if err != nil || p.TracerProvider == nil {
		t.Fatalf("provider %+v, %v", p, err)
	}
	_, span := p.TracerProvider.Tracer("test").Start(context.Background(), "exported span")
	span.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var names, services []string
	for _, req := range got {
		for _, rs := range req.ResourceSpans {
			for _, a := range rs.Resource.Attributes {
				if a.Key == "service.name" {
					services = append(services, a.Value.GetStringValue())
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names = append(names, s.Name)
				}
			}
		}
	}
	if len(names) != 1 || names[0] != "exported span" || len(services) != 1 || services[0] != "slotpay" {
		t.Fatalf("collector received spans %q of services %q", names, services)
	}
}

func TestOffInstallsNothing(t *testing.T) {
	t.Parallel()
	p, err := FromEnv(context.Background(), func(string) string { return "" }, nil)
	if err != nil || p.TracerProvider != nil || p.Shutdown(context.Background()) != nil {
		t.Fatalf("off: %+v, %v", p, err)
	}
	if Database(nil) != nil {
		t.Error("a pgx tracer without a provider")
	}
	base := &http.Transport{}
	if Transport(nil, base) != base || Transport(nil, nil) != nil {
		t.Error("Transport wrapped without a provider")
	}
	next := &countingHandler{}
	if h, ok := HTTP(nil, http.NewServeMux(), next).(*countingHandler); !ok || h != next {
		t.Error("HTTP wrapped without a provider")
	}
	ctx := context.Background()
	if got, span := Start(ctx, "nothing"); got != ctx || span.IsRecording() {
		t.Error("Start made a span with no recording parent")
	}
	if LogAttrs(ctx) != nil {
		t.Error("trace attributes without a span")
	}
	if _, span := Root(ctx, nil, "nothing"); span.IsRecording() {
		t.Error("Root made a span without a provider")
	}
	bg := context.WithValue(context.Background(), struct{}{}, "background")
	if got, span := Detached(bg, ctx, "nothing"); got != bg || span.IsRecording() {
		t.Error("Detached made a span with no recording parent")
	}
}

// TestDetachedOutlivesItsRequest: work detached from a request continues its trace under its span,
// and is not cancelled with it.
func TestDetachedOutlivesItsRequest(t *testing.T) {
	t.Parallel()
	tp, exp := recorder(t)
	reqCtx, cancel := context.WithCancel(context.Background())
	reqCtx, parent := tp.Tracer("test").Start(reqCtx, "request")
	bg, span := Detached(context.Background(), reqCtx, "later")
	parent.End()
	cancel()
	if bg.Err() != nil {
		t.Fatal("detached work cancelled with its request")
	}
	End(span, nil)
	spans := exp.GetSpans()
	if len(spans) != 2 || spans[1].Name != "later" || spans[1].Parent.SpanID() != parent.SpanContext().SpanID() ||
		spans[1].SpanContext.TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("spans %v", spans)
	}
}

type countingHandler struct{ n int }

func (h *countingHandler) ServeHTTP(http.ResponseWriter, *http.Request) { h.n++ }

func recorder(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

// TestHTTPContinuesIncomingTraceparent: a request's span is named by its route, continues the
// caller's trace, is the parent of what the handler starts, and the handler's log line carries it;
// a WebSocket upgrade gets no span.
func TestHTTPContinuesIncomingTraceparent(t *testing.T) {
	t.Parallel()
	tp, exp := recorder(t)
	var logs bytes.Buffer
	log := slog.New(logHandler{slog.NewJSONHandler(&logs, nil)})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /payment-imoje", func(w http.ResponseWriter, r *http.Request) {
		ctx, span := Start(r.Context(), "inner")
		log.InfoContext(ctx, "inside")
		End(span, errors.New("refused"))
	})
	h := HTTP(tp, mux, mux)

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req := httptest.NewRequest(http.MethodPost, "/payment-imoje", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	h.ServeHTTP(httptest.NewRecorder(), req)

	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("spans %v", spans)
	}
	inner, server := spans[0], spans[1]
	if server.Name != "POST /payment-imoje" || server.SpanKind != trace.SpanKindServer ||
		server.SpanContext.TraceID().String() != traceID || server.Parent.SpanID().String() != parentID || !server.Parent.IsRemote() {
		t.Fatalf("server span %q kind %v trace %s parent %s", server.Name, server.SpanKind, server.SpanContext.TraceID(), server.Parent.SpanID())
	}
	if inner.Name != "inner" || inner.Parent.SpanID() != server.SpanContext.SpanID() || inner.Status.Description != "refused" {
		t.Fatalf("inner span %+v", inner)
	}
	line := logs.String()
	if !strings.Contains(line, `"trace_id":"`+traceID+`"`) || !strings.Contains(line, `"span_id":"`+inner.SpanContext.SpanID().String()+`"`) {
		t.Fatalf("log line %s lacks the trace", line)
	}

	exp.Reset()
	up := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	up.Header.Set("Upgrade", "websocket")
	h.ServeHTTP(httptest.NewRecorder(), up)
	unrouted := httptest.NewRequest(http.MethodGet, "/no/such/path/123", nil)
	h.ServeHTTP(httptest.NewRecorder(), unrouted)
	if spans := exp.GetSpans(); len(spans) != 1 || spans[0].Name != "GET" {
		t.Fatalf("upgrade and unrouted request gave spans %v", spans)
	}
}

// logHandler is web.LogHandler's trace part (web imports this package).
type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(LogAttrs(ctx)...)
	return h.Handler.Handle(ctx, r)
}

// TestTransportSendsTraceparent: an imoje call is a client span under the caller's, named by its
// endpoint, and the peer receives that span's context as traceparent.
func TestTransportSendsTraceparent(t *testing.T) {
	t.Parallel()
	tp, exp := recorder(t)
	var received string
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received = r.Header.Get("traceparent")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer peer.Close()
	client := &http.Client{Transport: Transport(tp, nil)}
	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, peer.URL+"/v1/merchant/m1/transaction/tx9/refund", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	parent.End()
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("spans %v", spans)
	}
	call := spans[0]
	if call.Name != "imoje POST transaction/{id}/refund" || call.SpanKind != trace.SpanKindClient || call.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("client span %q kind %v parent %s", call.Name, call.SpanKind, call.Parent.SpanID())
	}
	if want := "00-" + call.SpanContext.TraceID().String() + "-" + call.SpanContext.SpanID().String() + "-01"; received != want {
		t.Fatalf("peer received traceparent %q, want %q", received, want)
	}
}

func TestImojeEndpoint(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"/v1/merchant/m1/service/3c7e":                "service/{id}",
		"/v1/merchant/m1/transaction":                 "transaction",
		"/v1/merchant/m1/transaction/tx1":             "transaction/{id}",
		"/v1/merchant/m1/transaction/tx1/refund":      "transaction/{id}/refund",
		"/v1/merchant/m1/payment":                     "payment",
		"/v1/merchant/m1/payment/p1":                  "payment/{id}",
		"/v1/merchant/m1/payment/cancel":              "payment/cancel",
		"/_imoje/v1/merchant/m1/transaction/t/refund": "transaction/{id}/refund",
		"/v1/merchant/m1/something":                   "",
		"":                                            "",
	}
	for path, want := range cases {
		if got := imojeEndpoint(path); got != want {
			t.Errorf("imojeEndpoint(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestSpanName(t *testing.T) {
	t.Parallel()
	cases := []struct{ method, pattern, want string }{
		{"POST", "POST /payment-imoje", "POST /payment-imoje"},
		{"POST", "/graphql", "POST /graphql"},
		{"GET", "/_imoje/", "GET /_imoje/"},
		{"GET", "", "GET"},
	}
	for _, c := range cases {
		if got := spanName(c.method, c.pattern); got != c.want {
			t.Errorf("spanName(%q, %q) = %q, want %q", c.method, c.pattern, got, c.want)
		}
	}
}

func TestServerFault(t *testing.T) {
	t.Parallel()
	cases := []struct {
		codes []string
		want  bool
	}{
		{nil, false},
		{[]string{"BAD_USER_INPUT"}, false},
		{[]string{"FORBIDDEN", "RATE_LIMITED"}, false},
		{[]string{"BAD_USER_INPUT", "INTERNAL"}, true},
		{[]string{""}, true},
	}
	for _, c := range cases {
		if got := serverFault(c.codes); got != c.want {
			t.Errorf("serverFault(%q) = %v, want %v", c.codes, got, c.want)
		}
	}
}
