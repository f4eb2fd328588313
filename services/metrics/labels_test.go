package metrics

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestRoute(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/graphql": "/graphql", "/payment-imoje": "/payment-imoje", "/healthz": "/healthz", "/readyz": "/readyz",
		"/metrics": "/metrics", "/": "other", "/_imoje/v1/merchant/abc/transaction": "other", "/graphql/": "other",
		"/wp-login.php": "other", "/payment-imoje/00000000-0000-4000-8000-000000000000": "other",
	} {
		if got := Route(path); got != want {
			t.Errorf("Route(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestMethodAndStatus(t *testing.T) {
	t.Parallel()
	for m, want := range map[string]string{"GET": "GET", "POST": "POST", "OPTIONS": "OPTIONS", "BREW": "other", "get": "other"} {
		if got := Method(m); got != want {
			t.Errorf("Method(%q) = %q, want %q", m, got, want)
		}
	}
	for code, want := range map[int]string{200: "200", 101: "101", 599: "599", 0: "other", 99: "other", 600: "other", 999: "other"} {
		if got := Status(code); got != want {
			t.Errorf("Status(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestCloseCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]string{
		-1: "none", 1000: "1000", 1001: "1001", 1009: "1009", 1011: "1011", 1013: "1013",
		4400: "4400", 4401: "4401", 4403: "4403", 4408: "4408", 4409: "4409", 4429: "4429",
		999: "other", 1016: "other", 3000: "other", 4000: "other", 4999: "other",
	} {
		if got := CloseCode(code); got != want {
			t.Errorf("CloseCode(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestImojeEndpoint(t *testing.T) {
	t.Parallel()
	const base = "/v1/merchant/abcd1234/"
	const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	for _, c := range []struct{ method, path, want string }{
		{http.MethodGet, base + "service/" + id, "service/{id}"},
		{http.MethodPost, base + "transaction", "transaction"},
		{http.MethodGet, base + "transaction/" + id, "transaction/{id}"},
		{http.MethodPost, base + "transaction/" + id + "/refund", "transaction/{id}/refund"},
		{http.MethodPost, base + "payment", "payment"},
		{http.MethodGet, base + "payment/" + id, "payment/{id}"},
		{http.MethodPost, base + "payment/cancel", "payment/cancel"},
		// The simulator's base, and merchants whose id is an endpoint's name.
		{http.MethodPost, "/_imoje/v1/merchant/abcd1234/transaction", "transaction"},
		{http.MethodPost, "/v1/merchant/payment/transaction", "transaction"},
		{http.MethodGet, "/v1/merchant/transaction/payment/" + id, "payment/{id}"},
		{http.MethodPost, "/v1/merchant/service/payment/cancel", "payment/cancel"},
		// Nothing else gets a series of its own, and no id reaches a label.
		{http.MethodGet, base + "transaction", "other"},
		{http.MethodDelete, base + "transaction/" + id, "other"},
		{http.MethodGet, base + id, "other"},
		{http.MethodGet, "/", "other"},
		{http.MethodPost, "/refund", "other"},
	} {
		if got := ImojeEndpoint(c.method, c.path); got != c.want {
			t.Errorf("ImojeEndpoint(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

func TestNotificationLabels(t *testing.T) {
	t.Parallel()
	for o, want := range map[string]string{
		"APPLIED": "applied", "NO_CHANGE": "no_change", "STALE": "stale", "UNKNOWN_ORDER": "unknown_order",
		"MISMATCH": "mismatch", "DUPLICATE": "duplicate", "SOMETHING_NEW": "other", "": "other",
	} {
		if got := NotificationOutcome(o); got != want {
			t.Errorf("NotificationOutcome(%q) = %q, want %q", o, got, want)
		}
	}
	for status, want := range map[int]string{
		401: "refused_signature", 404: "refused_unknown_shop", 413: "refused_too_large", 400: "refused_malformed",
		405: "refused_malformed", 500: "failed", 503: "failed",
	} {
		if got := Refusal(status); got != want {
			t.Errorf("Refusal(%d) = %q, want %q", status, got, want)
		}
	}
}

func TestLimiterCapsDistinctValues(t *testing.T) {
	t.Parallel()
	l := NewLimiter(3)
	for _, v := range []string{"a", "b", "a", "c"} {
		if got := l.Value(v); got != v {
			t.Fatalf("Value(%q) = %q within the cap", v, got)
		}
	}
	if got := l.Value("d"); got != "other" {
		t.Fatalf("a fourth name is %q, want other", got)
	}
	if got := l.Value("b"); got != "b" {
		t.Fatalf("a name admitted before is %q after the cap", got)
	}
	long := make([]byte, maxLabelLength+1)
	for i := range long {
		long[i] = 'x'
	}
	if got := NewLimiter(10).Value(string(long)); got != "other" {
		t.Fatalf("a %d-character name is %q, want other", len(long), got)
	}
}

// A client inventing operation names adds at most MaxOperationNames series.
func TestOperationNamesAreCapped(t *testing.T) {
	t.Parallel()
	m := New(Options{})
	seen := map[string]bool{}
	for i := range MaxOperationNames + 50 {
		name, typ := m.operationLabels(&ast.OperationDefinition{Operation: ast.Query, Name: fmt.Sprintf("op%d", i)})
		if typ != "query" {
			t.Fatalf("type %q", typ)
		}
		seen[name] = true
	}
	if len(seen) != MaxOperationNames+1 || !seen["other"] {
		t.Fatalf("%d distinct labels (other: %v), want %d and other", len(seen), seen["other"], MaxOperationNames+1)
	}
	if name, typ := m.operationLabels(&ast.OperationDefinition{Operation: ast.Mutation}); name != "anonymous" || typ != "mutation" {
		t.Fatalf("anonymous mutation labelled %q %q", name, typ)
	}
	if name, typ := m.operationLabels(nil); name != "unknown" || typ != "unknown" {
		t.Fatalf("no operation labelled %q %q", name, typ)
	}
}

// Hooks on a nil *Metrics do nothing: packages built without metrics need no second path.
func TestNilMetricsIsSilent(t *testing.T) {
	t.Parallel()
	var m *Metrics
	m.WebSocketOpened()
	m.WebSocketClosed(1000, "client")
	m.SubscriptionStarted()
	m.SubscriptionEnded()
	m.SlowConsumer()
	m.Notification("APPLIED", 200)
	m.Reconciled("APPLIED")
	m.HoldsExpired(3)
	h := http.NotFoundHandler()
	if got := m.InstrumentHTTP(h); fmt.Sprint(got) != fmt.Sprint(h) {
		t.Fatal("InstrumentHTTP on nil metrics wraps the handler")
	}
	if m.ImojeTransport(nil) != http.DefaultTransport {
		t.Fatal("ImojeTransport on nil metrics wraps the transport")
	}
}
