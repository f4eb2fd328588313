package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

func production(c *config.Config, _ *server.Options) { c.Env = config.Production }

// TestProductionSuggestsNoNames: a production server answers a mistyped field, argument, input
// field, enum value, type or missing selection without suggesting what exists; development
// suggests each (so every case is one gqlparser would answer with names).
func TestProductionSuggestsNoNames(t *testing.T) {
	t.Parallel()
	prod := servertest.New(t, production)
	dev := servertest.New(t)
	cases := []struct{ name, query, message string }{
		{"field", `{ healt { status } }`, `Cannot query field "healt" on type "Query".`},
		{"argument", `{ reservations(frist: 10) { pageInfo { hasNextPage } } }`, `Unknown argument "frist" on field "Query.reservations".`},
		{"input field", `{ reservations(filter: {statuss: [CONFIRMED]}) { pageInfo { hasNextPage } } }`, `Field "statuss" is not defined by type "ReservationFilter".`},
		{"enum value", `{ reservations(filter: {statuses: [CONFIRMD]}) { pageInfo { hasNextPage } } }`, `Value "CONFIRMD" does not exist in "ReservationStatus!" enum.`},
		{"type", `{ ...F } fragment F on Querry { health { status } }`, `Unknown type "Querry".`},
		{"subfields", `{ health }`, `Field "health" of type "Health!" must have a selection of subfields.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := mustJSON(map[string]any{"query": c.query})
			if _, _, resp := post(t, dev.URL+"/graphql", "application/json", "", body); !strings.Contains(resp, "Did you mean") {
				t.Fatalf("development suggests nothing, so the case proves nothing: %s", resp)
			}
			_, _, resp := post(t, prod.URL+"/graphql", "application/json", "", body)
			var r servertest.Response
			if err := json.Unmarshal([]byte(resp), &r); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(resp, "Did you mean") || len(r.Errors) == 0 || r.Errors[0].Message != c.message ||
				r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("production answered %s", resp)
			}
		})
	}
}

// TestProductionIntrospectionRefused: production refuses introspection over HTTP and WebSocket with
// INTROSPECTION_DISABLED, logging each refusal at INFO as "introspection refused" and never as an
// internal error.
func TestProductionIntrospectionRefused(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, production)
	query := `{ __schema { queryType { name } } }`
	if e := env.MustFail("", query, nil, "INTROSPECTION_DISABLED"); e.Message != "introspection is disabled" {
		t.Fatalf("message %q", e.Message)
	}
	for _, proto := range protocols {
		c := connect(t, env.URL, proto, "")
		c.subscribe("1", `{ health { status } ...T } fragment T on Query { __type(name: "Query") { name } }`, nil)
		if code := c.operationError("1", 5*time.Second); code != "INTROSPECTION_DISABLED" {
			t.Fatalf("%s: code %q", proto, code)
		}
	}
	var refusals int
	for line := range strings.SplitSeq(env.Logs.String(), "\n") {
		var entry struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &entry) != nil {
			continue
		}
		if entry.Msg == "introspection refused" && entry.Level == "INFO" {
			refusals++
		}
		if entry.Level == "ERROR" || entry.Msg == "internal error" {
			t.Errorf("logged %s", line)
		}
	}
	if refusals != 3 {
		t.Fatalf("%d refusals logged at INFO, want 3:\n%s", refusals, env.Logs.String())
	}
}
