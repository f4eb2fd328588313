package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// tracedPayEnv is a payEnv whose server records its spans in memory (its own provider, so parallel
// tests never see each other's spans) and whose imoje simulator is reached through a recorder of the
// traceparent headers it receives.
type tracedPayEnv struct {
	*payEnv
	spans *tracetest.InMemoryExporter

	mu           sync.Mutex
	traceparents []string // as received by the simulator, in order
}

func newTracedPayEnv(t *testing.T, slug string) *tracedPayEnv {
	t.Helper()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	env := servertest.New(t, func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval = time.Hour
		o.ReconcileInterval = time.Hour // the test reconciles itself
		o.ReconcileAfter = time.Millisecond
		o.RefundSpacing = 20 * time.Millisecond
		o.TracerProvider = tp
	})
	e := &tracedPayEnv{payEnv: newPayEnvOn(t, env, slug), spans: spans}
	// The shop's API base becomes a recorder in front of the same simulator.
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.traceparents = append(e.traceparents, r.Header.Get("traceparent"))
		e.mu.Unlock()
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(rec.Close)
	e.simURL = rec.URL
	env.Must(e.owner.AccessToken, saveCredentialsOp, map[string]any{"in": e.credentials()}, nil)
	return e
}

func (e *tracedPayEnv) received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.traceparents...)
}

// traceOf waits for a recorded span named name that match accepts, then for the root of its trace
// (spans end, and are exported, as their handlers return: the root last), and returns the trace.
func (e *tracedPayEnv) traceOf(t *testing.T, name string, match func(tracetest.SpanStub) bool) (root tracetest.SpanStub, all tracetest.SpanStubs) {
	t.Helper()
	return traceIn(t, e.spans, name, match)
}

func traceIn(t *testing.T, exp *tracetest.InMemoryExporter, name string, match func(tracetest.SpanStub) bool) (root tracetest.SpanStub, all tracetest.SpanStubs) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var id trace.TraceID
		for _, s := range exp.GetSpans() {
			if s.Name == name && match(s) {
				id = s.SpanContext.TraceID()
			}
		}
		if id.IsValid() {
			all = nil
			found := false
			for _, s := range exp.GetSpans() {
				if s.SpanContext.TraceID() != id {
					continue
				}
				all = append(all, s)
				if !s.Parent.IsValid() {
					root, found = s, true
				}
			}
			if found {
				return root, all
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete trace with a span %q; recorded: %s", name, spanNames(exp.GetSpans()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func spanNames(spans tracetest.SpanStubs) string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// under reports whether s descends from ancestor within spans.
func under(spans tracetest.SpanStubs, s, ancestor tracetest.SpanStub) bool {
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, x := range spans {
		byID[x.SpanContext.SpanID()] = x
	}
	for p := s.Parent.SpanID(); p.IsValid(); {
		if p == ancestor.SpanContext.SpanID() {
			return true
		}
		parent, ok := byID[p]
		if !ok {
			return false
		}
		p = parent.Parent.SpanID()
	}
	return false
}

func childNamed(t *testing.T, spans tracetest.SpanStubs, parent tracetest.SpanStub, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name && s.Parent.SpanID() == parent.SpanContext.SpanID() {
			return s
		}
	}
	t.Fatalf("no span %q under %q; trace: %s", name, parent.Name, spanNames(spans))
	return tracetest.SpanStub{}
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

const pgxScope = "github.com/exaring/otelpgx"

// TestTraceOfInitiatePayment: one trace from the HTTP request through the GraphQL operation and its
// root field to the database statements and the imoje call, whose W3C traceparent the simulator
// received, and the request's log line carries that trace's id.
func TestTraceOfInitiatePayment(t *testing.T) {
	t.Parallel()
	e := newTracedPayEnv(t, "traced-pay")
	r := e.book(t)
	before := len(e.received())
	pay := e.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "traced-" + r.Reservation.ID})
	if pay.ImojeTransactionID == nil {
		t.Fatalf("payment %+v has no imoje transaction", pay)
	}

	root, spans := e.traceOf(t, "Mutation.initiatePayment", func(tracetest.SpanStub) bool { return true })
	if root.Name != "POST /graphql" || root.SpanKind != trace.SpanKindServer || attr(root, "http.route") != "/graphql" {
		t.Fatalf("root span %q kind %v route %q; trace: %s", root.Name, root.SpanKind, attr(root, "http.route"), spanNames(spans))
	}
	op := childNamed(t, spans, root, "mutation")
	if attr(op, "graphql.operation.type") != "mutation" {
		t.Fatalf("operation span attributes %v", op.Attributes)
	}
	field := childNamed(t, spans, op, "Mutation.initiatePayment")

	var statements int
	var imojeCall *tracetest.SpanStub
	for i, s := range spans {
		switch {
		case s.InstrumentationScope.Name == pgxScope && s.Name != "pool.acquire" && s.Name != "connect":
			if !under(spans, s, field) {
				t.Errorf("database span %q is not under the root field", s.Name)
			}
			// The statement's text only: its arguments (ids, tokens, e-mails) stay out of traces.
			if q := attr(s, "db.query.text"); (q == "" && s.Name != "batch start") || strings.Contains(q, r.Reservation.ID) || strings.Contains(q, e.owner.TenantID) {
				t.Errorf("database span %q records %q", s.Name, q)
			}
			statements++
		case strings.HasPrefix(s.Name, "imoje POST "):
			imojeCall = &spans[i]
		}
	}
	if statements == 0 {
		t.Fatalf("no database spans in the trace: %s", spanNames(spans))
	}
	if imojeCall == nil || imojeCall.SpanKind != trace.SpanKindClient || !under(spans, *imojeCall, field) {
		t.Fatalf("imoje client span %+v not under the root field; trace: %s", imojeCall, spanNames(spans))
	}
	if imojeCall.Name != "imoje POST transaction" {
		t.Errorf("imoje span named %q, want the endpoint without ids", imojeCall.Name)
	}

	// The simulator received the imoje span's context: 00-<trace id>-<span id>-01.
	want := "00-" + root.SpanContext.TraceID().String() + "-" + imojeCall.SpanContext.SpanID().String() + "-01"
	got := e.received()[before:]
	if len(got) != 1 || got[0] != want {
		t.Fatalf("traceparent received by imoje: %q, want [%q]", got, want)
	}

	// The access log line of that request carries the trace id (and the span of the HTTP request).
	var logged bool
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" || rec["trace_id"] != root.SpanContext.TraceID().String() {
			continue
		}
		logged = true
		if rec["span_id"] != root.SpanContext.SpanID().String() || rec["path"] != "/graphql" {
			t.Errorf("access log line %s: want span_id %s", line, root.SpanContext.SpanID())
		}
	}
	if !logged {
		t.Fatalf("no access log line carries trace_id %s", root.SpanContext.TraceID())
	}
}

// TestTraceOfWebhook: imoje's notification is a trace of its own — POST /payment-imoje, the
// notification's processing under it with its outcome, and the statements that apply it under that.
func TestTraceOfWebhook(t *testing.T) {
	t.Parallel()
	e := newTracedPayEnv(t, "traced-webhook")
	r := e.book(t)
	pay := e.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "traced-" + r.Reservation.ID})
	e.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	e.waitFor(t, r.Reservation.ID, "the notification applied", paid)

	root, spans := e.traceOf(t, "imoje notification", func(s tracetest.SpanStub) bool {
		return attr(s, "slotpay.notification.outcome") == payments.OutcomeApplied
	})
	if root.Name != "POST /payment-imoje" || root.SpanKind != trace.SpanKindServer || attr(root, "http.response.status_code") != "200" {
		t.Fatalf("root %q kind %v status %q; trace: %s", root.Name, root.SpanKind, attr(root, "http.response.status_code"), spanNames(spans))
	}
	apply := childNamed(t, spans, root, "imoje notification")
	var statements int
	for _, s := range spans {
		if s.InstrumentationScope.Name == pgxScope && s.Name != "pool.acquire" {
			if !under(spans, s, apply) {
				t.Errorf("database span %q is not under the notification's processing", s.Name)
			}
			statements++
		}
	}
	if statements == 0 {
		t.Fatalf("no database spans in the webhook's trace: %s", spanNames(spans))
	}
	var logged bool
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "imoje notification" && rec["trace_id"] == root.SpanContext.TraceID().String() {
			logged = true
		}
	}
	if !logged {
		t.Fatalf("the notification's log line does not carry trace_id %s", root.SpanContext.TraceID())
	}
}

// TestTraceOfReconciliation: a payment whose notification was lost is reconciled in a trace of its
// own, with the question to imoje (whose traceparent the simulator received) and the statements that
// apply the answer under one root.
func TestTraceOfReconciliation(t *testing.T) {
	t.Parallel()
	e := newTracedPayEnv(t, "traced-reconcile")
	if _, err := e.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, ServiceID: e.merchant.Shops[0].ServiceID}); err != nil {
		t.Fatal(err)
	}
	r := e.book(t)
	pay := e.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "traced-" + r.Reservation.ID})
	e.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	if err := e.sim.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := len(e.received())
	if n, err := e.Server.Payments.ReconcileOnce(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("reconciled %d (%v)", n, err)
	}
	e.waitFor(t, r.Reservation.ID, "PAID", paid)

	root, spans := e.traceOf(t, "payment reconciliation", func(s tracetest.SpanStub) bool { return attr(s, "slotpay.payment_id") == pay.ID })
	if root.Name != "payment reconciliation" {
		t.Fatalf("root %q; trace: %s", root.Name, spanNames(spans))
	}
	var imojeCall *tracetest.SpanStub
	var statements int
	for i, s := range spans {
		switch {
		case s.Name == "imoje GET transaction/{id}":
			imojeCall = &spans[i]
		case s.InstrumentationScope.Name == pgxScope && s.Name != "pool.acquire":
			statements++
		}
		if s.SpanContext.SpanID() != root.SpanContext.SpanID() && !under(spans, s, root) {
			t.Errorf("span %q outside the root", s.Name)
		}
	}
	if imojeCall == nil || statements == 0 {
		t.Fatalf("trace lacks the imoje call or the statements: %s", spanNames(spans))
	}
	want := "00-" + root.SpanContext.TraceID().String() + "-" + imojeCall.SpanContext.SpanID().String() + "-01"
	if got := e.received()[before:]; len(got) != 1 || got[0] != want {
		t.Fatalf("traceparent received by imoje: %q, want [%q]", got, want)
	}
}

// TestTraceOfWebSocketOperations: the upgrade gets no span (it would last as long as the socket);
// subscribing is a root span of its own, and so is each query sent over the socket, with its root
// field and statements under it.
func TestTraceOfWebSocketOperations(t *testing.T) {
	t.Parallel()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	env := servertest.New(t, func(_ *config.Config, o *server.Options) { o.TracerProvider = tp })
	owner := env.SignUp("traced-ws")
	c := connect(t, env.URL, transportWS, owner.AccessToken)
	c.subscribe("s", reservationsChangedOp, nil)
	waitSubscribed(t, env, 2) // the operation's and the connection's membership watch
	c.subscribe("q", `query Me { me { user { id } memberships { tenantSlug } } }`, nil)
	var me struct {
		Me struct{ User struct{ ID string } }
	}
	c.next("q", 5*time.Second, &me)
	if me.Me.User.ID != owner.UserID {
		t.Fatalf("me %+v", me)
	}

	sub, _ := traceIn(t, spans, "Subscription.reservationsChanged", func(tracetest.SpanStub) bool { return true })
	if sub.Name != "Subscription.reservationsChanged" {
		t.Fatalf("subscribing is under %q, want a root of its own", sub.Name)
	}
	root, trace := traceIn(t, spans, "Query.me", func(tracetest.SpanStub) bool { return true })
	if root.Name != "query Me" || attr(root, "graphql.operation.name") != "Me" {
		t.Fatalf("query over the socket rooted at %q; trace: %s", root.Name, spanNames(trace))
	}
	field := childNamed(t, trace, root, "Query.me")
	var statements int
	for _, s := range trace {
		if s.InstrumentationScope.Name == pgxScope && s.Name != "pool.acquire" && under(trace, s, field) {
			statements++
		}
	}
	if statements == 0 {
		t.Fatalf("no statements under Query.me: %s", spanNames(trace))
	}

	// A request refused before it runs still has its span, with the error's code; a client's
	// mistake does not mark it failed.
	if r := env.Do("", `query Broken {`, nil); len(r.Errors) == 0 || r.Errors[0].Code() != "GRAPHQL_PARSE_FAILED" {
		t.Fatalf("parse error answered %+v", r)
	}
	refusedRoot, refused := traceIn(t, spans, "graphql", func(s tracetest.SpanStub) bool {
		return attr(s, "slotpay.graphql.error_codes") == `["GRAPHQL_PARSE_FAILED"]`
	})
	if op := childNamed(t, refused, refusedRoot, "graphql"); refusedRoot.Name != "POST /graphql" || op.Status.Code != codes.Unset {
		t.Fatalf("refused request's root %q, operation status %v", refusedRoot.Name, op.Status)
	}
	for _, s := range spans.GetSpans() {
		if strings.HasPrefix(s.Name, "GET /graphql") {
			t.Fatalf("the WebSocket upgrade has a span %q", s.Name)
		}
	}
}

// TestTraceOfWebhookWithAutomaticRefund: money arriving for an expired hold is refunded through imoje
// after the notification is answered; the refund is still in the webhook's trace, so one root holds
// the notification's statements, the refund's statements and the refund call to imoje, whose
// traceparent the simulator received.
func TestTraceOfWebhookWithAutomaticRefund(t *testing.T) {
	t.Parallel()
	e := newTracedPayEnv(t, "traced-refund")
	r := e.book(t)
	pay := e.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "traced-" + r.Reservation.ID})
	owner, _ := e.DB.Owner()
	if _, err := owner.Exec(t.Context(), `UPDATE reservations SET hold_expires_at = now() - interval '1 minute' WHERE id = $1`, r.Reservation.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Server.Booking.ExpireDueHolds(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("expired %d (%v)", n, err)
	}
	before := len(e.received())
	e.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	e.waitFor(t, r.Reservation.ID, "the late money refunded", func(s reservationState) bool { return s.PaymentStatus == "REFUNDED" })

	root, spans := e.traceOf(t, "automatic refund", func(tracetest.SpanStub) bool { return true })
	if root.Name != "POST /payment-imoje" {
		t.Fatalf("the refund's trace is rooted at %q: %s", root.Name, spanNames(spans))
	}
	notification := childNamed(t, spans, root, "imoje notification")
	refund := childNamed(t, spans, notification, "automatic refund")
	var call *tracetest.SpanStub
	var notificationStatements, refundStatements int
	for i, s := range spans {
		switch {
		case s.Name == "imoje POST transaction/{id}/refund":
			call = &spans[i]
		case s.InstrumentationScope.Name == pgxScope && s.Name != "pool.acquire" && under(spans, s, refund):
			refundStatements++
		case s.InstrumentationScope.Name == pgxScope && s.Name != "pool.acquire" && under(spans, s, notification):
			notificationStatements++
		}
	}
	if call == nil || !under(spans, *call, refund) || refundStatements == 0 || notificationStatements == 0 {
		t.Fatalf("trace lacks the refund call or statements under one root: %s", spanNames(spans))
	}
	want := "00-" + root.SpanContext.TraceID().String() + "-" + call.SpanContext.SpanID().String() + "-01"
	var seen bool
	for _, tp := range e.received()[before:] {
		seen = seen || tp == want
	}
	if !seen {
		t.Fatalf("imoje never received traceparent %q: %q", want, e.received()[before:])
	}
}
