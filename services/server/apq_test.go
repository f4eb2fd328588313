//go:build unix

package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/graph"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// apqAnswer is a response to a persisted-query request.
type apqAnswer struct {
	Status int
	Header http.Header
	Body   struct {
		Data   json.RawMessage       `json:"data"`
		Errors []servertest.GQLError `json:"errors"`
	}
	Raw string
}

func (a apqAnswer) code() string {
	if len(a.Body.Errors) == 0 {
		return ""
	}
	return a.Body.Errors[0].Code()
}

func persistedExt(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// apqPost posts query (omitted when empty) with the persistedQuery extension of hash.
func apqPost(t *testing.T, env *servertest.Env, query, hash string) apqAnswer {
	t.Helper()
	p := map[string]any{"extensions": persistedExt(hash)}
	if query != "" {
		p["query"] = query
	}
	body, _ := json.Marshal(p)
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return apqDo(t, req)
}

// apqGet asks for hash alone over GET, as Apollo's useGETForHashedQueries does.
func apqGet(t *testing.T, env *servertest.Env, hash string) apqAnswer {
	t.Helper()
	ext, _ := json.Marshal(persistedExt(hash))
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/graphql?extensions="+url.QueryEscape(string(ext)), nil)
	return apqDo(t, req)
}

func apqDo(t *testing.T, req *http.Request) apqAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := apqAnswer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &a.Body); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return a
}

func wantData(t *testing.T, a apqAnswer, contains string) {
	t.Helper()
	if a.Status != http.StatusOK || len(a.Body.Errors) > 0 || !strings.Contains(string(a.Body.Data), contains) {
		t.Fatalf("want data with %s, got %d %s", contains, a.Status, a.Raw)
	}
}

func wantRefused(t *testing.T, a apqAnswer, code string) {
	t.Helper()
	if a.code() != code || a.Body.Data != nil {
		t.Fatalf("want %s without data, got %d %s", code, a.Status, a.Raw)
	}
}

// TestPersistedQueries: Apollo's automatic persisted queries over POST and hash-only GET; an
// unknown hash is PersistedQueryNotFound; a hash that is not the text's is refused and registers
// nothing; a mutation by hash over GET is 405; a hash runs its text through every limit.
func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	const q = `query Health { health { status } }`
	h := graph.QueryHash(q)

	t.Run("unknown hash", func(t *testing.T) {
		a := apqPost(t, env, "", h)
		wantRefused(t, a, "PERSISTED_QUERY_NOT_FOUND")
		if a.Body.Errors[0].Message != "PersistedQueryNotFound" || a.Status != http.StatusOK {
			t.Fatalf("want 200 PersistedQueryNotFound (what Apollo clients look for), got %d %s", a.Status, a.Raw)
		}
		wantRefused(t, apqGet(t, env, h), "PERSISTED_QUERY_NOT_FOUND")
	})
	t.Run("wrong hash for the text", func(t *testing.T) {
		other := graph.QueryHash(`{ __typename }`)
		a := apqPost(t, env, q, other)
		wantRefused(t, a, "BAD_USER_INPUT")
		if !strings.Contains(a.Body.Errors[0].Message, "hash does not match") {
			t.Fatalf("message %q", a.Body.Errors[0].Message)
		}
		wantRefused(t, apqPost(t, env, "", other), "PERSISTED_QUERY_NOT_FOUND") // nothing registered
	})
	t.Run("registered, then by hash over POST and GET", func(t *testing.T) {
		wantData(t, apqPost(t, env, q, h), `"status"`)
		wantData(t, apqPost(t, env, "", h), `"status"`)
		wantData(t, apqGet(t, env, h), `"status"`)
	})
	t.Run("by hash over WebSocket", func(t *testing.T) {
		for _, proto := range protocols {
			c := connect(t, env.URL, proto, "")
			typ := map[string]string{transportWS: "subscribe", legacyWS: "start"}[proto]
			c.send(map[string]any{"type": typ, "id": "known", "payload": map[string]any{"extensions": persistedExt(h)}})
			var out struct{ Health struct{ Status string } }
			c.next("known", 5*time.Second, &out)
			if out.Health.Status == "" {
				t.Fatalf("%s: no health by hash", proto)
			}
			unknown := graph.QueryHash(`{ health { authenticated } }`)
			c.send(map[string]any{"type": typ, "id": "unknown", "payload": map[string]any{"extensions": persistedExt(unknown)}})
			if code := c.operationError("unknown", 5*time.Second); code != "PERSISTED_QUERY_NOT_FOUND" {
				t.Fatalf("%s: unknown hash answered %s", proto, code)
			}
		}
	})
	t.Run("mutation by hash over GET", func(t *testing.T) {
		const m = `mutation { refreshToken(refreshToken: "not a token") { accessToken } }`
		hm := graph.QueryHash(m)
		if a := apqPost(t, env, m, hm); a.code() != "UNAUTHENTICATED" {
			t.Fatalf("registering the mutation: %s", a.Raw)
		}
		a := apqGet(t, env, hm)
		if a.Status != http.StatusMethodNotAllowed || a.Header.Get("Allow") != "POST" {
			t.Fatalf("want 405 with Allow: POST, got %d %v %s", a.Status, a.Header.Get("Allow"), a.Raw)
		}
	})
	t.Run("fragment bomb by hash", func(t *testing.T) {
		bomb := costlyQueries()["fragment bomb"]
		hb := graph.QueryHash(bomb)
		wantRefused(t, apqPost(t, env, bomb, hb), "COMPLEXITY_LIMIT_EXCEEDED")
		// Registered with its text, it is refused by the shape check (not after validation spread
		// it: that took seconds) each time its hash names it.
		for _, a := range []apqAnswer{apqPost(t, env, "", hb), apqGet(t, env, hb)} {
			wantRefused(t, a, "COMPLEXITY_LIMIT_EXCEEDED")
			if !strings.HasPrefix(a.Body.Errors[0].Message, "query too complex: ") {
				t.Fatalf("bomb by hash not refused by the shape check: %s", a.Raw)
			}
		}
	})
	t.Run("a query too long to remember still runs", func(t *testing.T) {
		long := q + strings.Repeat(" ", 20<<10)
		hl := graph.QueryHash(long)
		wantData(t, apqPost(t, env, long, hl), `"status"`)
		wantRefused(t, apqPost(t, env, "", hl), "PERSISTED_QUERY_NOT_FOUND")
	})
	t.Run("no query and no persisted query", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", strings.NewReader(`{"extensions":{}}`))
		req.Header.Set("Content-Type", "application/json")
		wantRefused(t, apqDo(t, req), "BAD_REQUEST")
	})
}

// TestPersistedQueriesOnly: with SLOTPAY_PERSISTED_QUERIES_ONLY, the file's operations answer by
// hash (and by their exact text); any other text is refused, with or without a hash, and is not
// registered by being sent.
func TestPersistedQueriesOnly(t *testing.T) {
	t.Parallel()
	const q = `query Health { health { status } }`
	h := graph.QueryHash(q)
	bomb := costlyQueries()["fragment bomb"]
	hb := graph.QueryHash(bomb)
	file, _ := json.Marshal(map[string]string{h: q, hb: bomb})
	ops, err := config.PersistedQueries(file)
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.New(t, func(c *config.Config, _ *server.Options) {
		c.Env = config.Production
		c.PersistedQueries, c.PersistedQueriesOnly = ops, true
	})
	wantData(t, apqPost(t, env, "", h), `"status"`)
	wantData(t, apqGet(t, env, h), `"status"`)
	wantData(t, apqPost(t, env, q, h), `"status"`)
	if r := env.Do("", q, nil); len(r.Errors) > 0 {
		t.Fatalf("the file's operation as plain text: %+v", r.Errors)
	}

	// An operation of the file is measured when its hash names it, as if its text had been sent:
	// shipping a costly one does not get it past the limits.
	for _, a := range []apqAnswer{apqPost(t, env, "", hb), apqGet(t, env, hb)} {
		wantRefused(t, a, "COMPLEXITY_LIMIT_EXCEEDED")
		if !strings.HasPrefix(a.Body.Errors[0].Message, "query too complex: ") {
			t.Fatalf("the file's bomb by hash not refused by the shape check: %s", a.Raw)
		}
	}

	const other = `{ health { authenticated } }`
	ho := graph.QueryHash(other)
	wantRefused(t, apqPost(t, env, other, ho), "PERSISTED_QUERY_NOT_IN_LIST")
	env.MustFail("", other, nil, "PERSISTED_QUERY_NOT_IN_LIST")
	wantRefused(t, apqPost(t, env, "", ho), "PERSISTED_QUERY_NOT_FOUND") // never registered
	wantRefused(t, apqGet(t, env, ho), "PERSISTED_QUERY_NOT_FOUND")
}
