package graph

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/slotpay/slotpay/graph/generated"
)

// suggestionCases are queries gqlparser answers with a "Did you mean" naming what exists, one per
// kind of name.
var suggestionCases = []struct{ name, query string }{
	{"field", `{ healt { status } }`},
	{"argument", `{ reservations(frist: 10) { pageInfo { hasNextPage } } }`},
	{"input field", `{ reservations(filter: {statuss: [CONFIRMED]}) { pageInfo { hasNextPage } } }`},
	{"enum value", `{ reservations(filter: {statuses: [CONFIRMD]}) { pageInfo { hasNextPage } } }`},
	{"type", `{ ...F } fragment F on Querry { health { status } }`},
	{"subfields", `{ health }`},
}

// TestRulesWithoutSuggestions: production's validation rules report the same errors as gqlparser's
// own, with no suggestion of any kind.
func TestRulesWithoutSuggestions(t *testing.T) {
	t.Parallel()
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	for _, c := range suggestionCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parser.ParseQuery(&ast.Source{Input: c.query})
			if err != nil {
				t.Fatal(err)
			}
			suggesting := validator.ValidateWithRules(schema, doc, rules.NewDefaultRules())
			if !strings.Contains(suggesting.Error(), "Did you mean") {
				t.Fatalf("gqlparser suggests nothing here, so the case proves nothing: %v", suggesting)
			}
			quiet := validator.ValidateWithRules(schema, doc, rulesWithoutSuggestions())
			if len(quiet) != len(suggesting) {
				t.Fatalf("%d errors, gqlparser's rules %d: %v", len(quiet), len(suggesting), quiet)
			}
			for i, e := range quiet {
				want, _, _ := strings.Cut(suggesting[i].Message, " Did you mean")
				if e.Message != want || e.Rule != suggesting[i].Rule {
					t.Errorf("%s %q, want %s %q", e.Rule, e.Message, suggesting[i].Rule, want)
				}
			}
		})
	}
}

// TestRefuseIntrospection: in production an operation selecting __schema or __type anywhere is
// refused with INTROSPECTION_DISABLED and logged at INFO as a refusal, never as an internal error;
// __typename is answered.
func TestRefuseIntrospection(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	srv := NewHandler(&Resolver{}, HandlerOptions{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Memberships: publicCallersOnly(t)})
	post := func(query string) (string, map[string]any) {
		body, _ := json.Marshal(map[string]any{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var resp struct {
			Data   map[string]any
			Errors []struct {
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		code := ""
		if len(resp.Errors) > 0 {
			code, _ = resp.Errors[0].Extensions["code"].(string)
		}
		return code, resp.Data
	}
	for _, q := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name: "Query") { name } }`,
		`{ health { status } ...F } fragment F on Query { __schema { types { name } } }`,
		`{ ... on Query { __type(name: "Health") { fields { name } } } }`,
	} {
		if code, data := post(q); code != codeIntrospectionDisabled || data != nil {
			t.Errorf("%s: code %q, data %v", q, code, data)
		}
	}
	if code, data := post(`{ __typename health { __typename status } }`); code != "" || data["__typename"] != "Query" {
		t.Fatalf("__typename: code %q, data %v", code, data)
	}
	var refusals int
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var entry struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		switch {
		case entry.Msg == "introspection refused" && entry.Level == "INFO":
			refusals++
		default:
			t.Errorf("logged %s", line)
		}
	}
	if refusals != 4 {
		t.Fatalf("%d refusals logged, want 4:\n%s", refusals, logs.String())
	}
}
