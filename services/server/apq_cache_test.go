//go:build unix

package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/graph"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// TestPersistedQueryCaching: a hash-only GET of a public query, asked anonymously and answered
// without error, may be kept by a CDN; every other answer is private, no-store. Each says what it
// varies with.
func TestPersistedQueryCaching(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	owner := env.SignUp("cached")
	const services = `query S($slug: String!) { publicServices(tenantSlug: $slug) { name } }`
	const health = `{ health { status } }`
	for _, q := range []string{services, health} {
		a := apqPost(t, env, q, graph.QueryHash(q))
		wantCaching(t, "registering POST", a, "private, no-store")
	}
	byHash := func(q, token string, vars map[string]any) apqAnswer {
		t.Helper()
		ext, _ := json.Marshal(persistedExt(graph.QueryHash(q)))
		v, _ := json.Marshal(vars)
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/graphql?extensions="+url.QueryEscape(string(ext))+
			"&variables="+url.QueryEscape(string(v)), nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return apqDo(t, req)
	}

	public := byHash(services, "", map[string]any{"slug": "cached"})
	wantData(t, public, `"publicServices"`)
	wantCaching(t, "public query by hash", public, "public, max-age=300")

	wantCaching(t, "with a token", byHash(services, owner.AccessToken, map[string]any{"slug": "cached"}), "private, no-store")
	unknown := byHash(services, "", map[string]any{"slug": "no-such-business"})
	if len(unknown.Body.Errors) == 0 {
		t.Fatalf("unknown business answered without error: %s", unknown.Raw)
	}
	wantCaching(t, "an answer with errors", unknown, "private, no-store")
	wantCaching(t, "health (says whether the caller is signed in)", byHash(health, "", nil), "private, no-store")
	notFound := byHash(`{ __typename }`, "", nil)
	wantRefused(t, notFound, "PERSISTED_QUERY_NOT_FOUND")
	wantCaching(t, "an unknown hash", notFound, "private, no-store")
}

func wantCaching(t *testing.T, what string, a apqAnswer, cacheControl string) {
	t.Helper()
	if got := a.Header.Get("Cache-Control"); got != cacheControl {
		t.Fatalf("%s: Cache-Control %q, want %q (%s)", what, got, cacheControl, a.Raw)
	}
	vary := strings.Join(a.Header.Values("Vary"), ", ")
	for _, h := range []string{"Accept", "Accept-Language", "Authorization", "Origin"} {
		if !strings.Contains(vary, h) {
			t.Fatalf("%s: Vary %q lacks %s", what, vary, h)
		}
	}
}
