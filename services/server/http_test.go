package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

func post(t *testing.T, u, contentType, accept, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	gql := env.URL + "/graphql"
	signUp := func(slug string) string {
		b, _ := json.Marshal(map[string]any{"query": signUpMutation, "variables": map[string]any{"in": signUpInput(slug, slug+"@example.com")}})
		return string(b)
	}

	t.Run("GET runs queries", func(t *testing.T) {
		status, h, body := get(t, gql+"?query="+url.QueryEscape(`{ health { status } }`))
		if status != 200 || !strings.Contains(body, `"status":"ok"`) || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			t.Fatalf("%d %s %s", status, h.Get("Content-Type"), body)
		}
	})
	t.Run("GET refuses mutations with 405 and runs nothing", func(t *testing.T) {
		status, h, body := get(t, gql+"?query="+url.QueryEscape(signUpMutation)+"&variables="+url.QueryEscape(`{"in":`+mustJSON(signUpInput("via-get", "g@example.com"))+`}`))
		if status != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
			t.Fatalf("%d allow=%q %s", status, h.Get("Allow"), body)
		}
		if n := env.Count(`SELECT count(*) FROM tenants WHERE slug = 'via-get'`); n != 0 {
			t.Fatal("the mutation ran")
		}
	})
	t.Run("graphql-response+json when accepted", func(t *testing.T) {
		status, h, _ := post(t, gql, "application/json", "application/graphql-response+json", `{"query":"{ health { status } }"}`)
		if status != 200 || h.Get("Content-Type") != "application/graphql-response+json; charset=utf-8" {
			t.Fatalf("%d %q", status, h.Get("Content-Type"))
		}
		status, _, _ = post(t, gql, "application/json", "application/graphql-response+json", `{"query":"{ nope }"}`)
		if status != http.StatusBadRequest {
			t.Fatalf("validation error with graphql-response+json: %d, want 400", status)
		}
	})
	t.Run("malformed JSON is a request error, its body not echoed", func(t *testing.T) {
		status, _, body := post(t, gql, "application/json", "", `{"query": `)
		if status != http.StatusOK || !strings.Contains(body, `"BAD_REQUEST"`) || strings.Contains(body, `{"query": `) {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("unsupported content type is 415", func(t *testing.T) {
		status, _, _ := post(t, gql, "text/plain", "", `{"query":"{ health { status } }"}`)
		if status != http.StatusUnsupportedMediaType {
			t.Fatalf("%d", status)
		}
	})
	t.Run("unknown operation name", func(t *testing.T) {
		status, _, body := post(t, gql, "application/json", "", `{"query":"query A { health { status } } query B { health { status } }","operationName":"C"}`)
		if status == 200 && !strings.Contains(body, `"errors"`) || !strings.Contains(body, "operation C not found") {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("body over 1 MiB is refused with 413", func(t *testing.T) {
		big := `{"query":"{ health { status } }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
		status, _, _ := post(t, gql, "application/json", "", big)
		if status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d", status)
		}
		// Chunked, so no Content-Length to refuse early.
		req, _ := http.NewRequest(http.MethodPost, gql, io.MultiReader(strings.NewReader(big)))
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = -1
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked: %d", resp.StatusCode)
		}
	})
	t.Run("too complex is refused before resolvers run", func(t *testing.T) {
		var sel bytes.Buffer
		for i := range 101 { // one alias more than graph.MaxAliases
			sel.WriteString(servertest.Sprintf(" u%d: user { id }", i))
		}
		q := `mutation($in: SignUpInput!) { signUp(input: $in) {` + sel.String() + ` } }`
		b, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"in": signUpInput("too-complex", "c@example.com")}})
		_, _, body := post(t, gql, "application/json", "", string(b))
		if !strings.Contains(body, "COMPLEXITY_LIMIT_EXCEEDED") {
			t.Fatalf("%.300s", body)
		}
		if n := env.Count(`SELECT count(*) FROM tenants WHERE slug = 'too-complex'`); n != 0 {
			t.Fatal("the mutation ran")
		}
	})
	t.Run("a normal sign-up through raw HTTP works", func(t *testing.T) {
		status, _, body := post(t, gql, "application/json", "", signUp("raw-http"))
		if status != 200 || !strings.Contains(body, "accessToken") {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("a malformed scalar is BAD_USER_INPUT naming the argument", func(t *testing.T) {
		o := env.SignUp("scalars")
		e := env.MustFail(o.AccessToken, `mutation($id: UUID!) { revokeInvitation(id: $id) }`, map[string]any{"id": "not-a-uuid"}, "BAD_USER_INPUT")
		if e.Field() != "id" {
			t.Fatalf("field %q", e.Field())
		}
		e = env.MustFail(o.AccessToken, `{ reservations(filter: {from: "yesterday"}) { edges { cursor } } }`, nil, "BAD_USER_INPUT")
		if !strings.Contains(e.Field(), "from") {
			t.Fatalf("field %q", e.Field())
		}
	})
	t.Run("the imoje simulator is mounted in development", func(t *testing.T) {
		if s, _, b := get(t, env.URL+"/_imoje/_sim/"); s != 200 || !strings.Contains(b, "imoje") {
			t.Fatalf("%d", s)
		}
	})
	t.Run("request id is echoed", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", "abc-123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Request-Id") != "abc-123" {
			t.Fatalf("%q", resp.Header.Get("X-Request-Id"))
		}
	})
	t.Run("healthz readyz and GraphiQL in development", func(t *testing.T) {
		if s, _, _ := get(t, env.URL+"/healthz"); s != 200 {
			t.Fatal(s)
		}
		if s, _, b := get(t, env.URL+"/readyz"); s != 200 || !strings.Contains(b, "ready") {
			t.Fatal(s, b)
		}
		if s, _, b := get(t, env.URL+"/"); s != 200 || !strings.Contains(strings.ToLower(b), "graphiql") {
			t.Fatal(s)
		}
		if s, _, b := get(t, gql+"?query="+url.QueryEscape(`{ __schema { queryType { name } } }`)); s != 200 || !strings.Contains(b, `"Query"`) {
			t.Fatalf("introspection in development: %d %s", s, b)
		}
	})
}

func TestProductionHardening(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	cfg := servertest.Config(db)
	cfg.Env = config.Production
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{Argon2: servertest.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler)
	defer hs.Close()
	if s, _, _ := get(t, hs.URL+"/"); s != http.StatusNotFound {
		t.Fatalf("GraphiQL served in production: %d", s)
	}
	if s, _, _ := get(t, hs.URL+"/graphiql/graphiql.min.js"); s != http.StatusNotFound {
		t.Fatalf("GraphiQL's assets served in production: %d", s)
	}
	if s, _, _ := get(t, hs.URL+"/_imoje/_sim/"); s != http.StatusNotFound || srv.Imoje != nil {
		t.Fatalf("imoje simulator mounted in production: %d", s)
	}
	_, _, body := post(t, hs.URL+"/graphql", "application/json", "", `{"query":"{ __schema { queryType { name } } }"}`)
	if !strings.Contains(body, "errors") || strings.Contains(body, `"Query"`) {
		t.Fatalf("introspection answered in production: %s", body)
	}
	_, _, body = post(t, hs.URL+"/graphql", "application/json", "", `{"query":"{ mee { role } }"}`)
	if strings.Contains(body, "Did you mean") {
		t.Fatalf("field suggestions in production: %s", body)
	}
}

func TestProductionRequiresSecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SLOTPAY_ENV": "production"}
	_, err := config.Load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("production started without secrets")
	}
	for _, want := range []string{"SLOTPAY_JWT_KEYS", "SLOTPAY_CREDENTIAL_KEYS", "SLOTPAY_PUBLIC_BASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	dev, err := config.Load(func(string) string { return "" })
	if err != nil || len(dev.Generated) != 2 || dev.DatabaseURL != "postgres://postgres@127.0.0.1:5432/slotpay?sslmode=disable" {
		t.Fatalf("development defaults: %+v %v", dev.Generated, err)
	}
	bad := map[string]string{"SLOTPAY_JWT_KEYS": "k1:c2hvcnQ="}
	if _, err := config.Load(func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), "at least 32 bytes") {
		t.Fatalf("short key accepted: %v", err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
