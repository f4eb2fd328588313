package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// headerList splits a comma-separated header's values, lowercased.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// TestCORS: preflights from an allowed origin succeed for the tracing and Apollo headers browsers
// send (and the configured extra ones), fail from any other origin or for a header not allowed;
// scripts can read X-Request-Id and Retry-After.
func TestCORS(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.com"
	env := servertest.New(t, func(c *config.Config, _ *server.Options) {
		c.AllowedOrigins = []string{app}
		c.CORSAllowedHeaders = []string{"X-Tenant-Hint"}
	})
	preflight := func(t *testing.T, origin, method, headers string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, env.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			// As browsers send it (Fetch): lowercase, sorted, unique.
			list := strings.Split(headers, ",")
			slices.Sort(list)
			req.Header.Set("Access-Control-Request-Headers", strings.Join(list, ","))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	cases := []struct {
		name, origin, method, headers string
		ok                            bool
	}{
		{"traceparent from the allowed origin", app, "POST", "content-type,traceparent", true},
		{"every default header", app, "POST", "authorization,content-type,accept,x-request-id,traceparent,tracestate,baggage,sentry-trace,apollographql-client-name,apollographql-client-version,apollo-require-preflight", true},
		{"a configured extra header", app, "POST", "content-type,x-tenant-hint", true},
		{"GET", app, "GET", "authorization", true},
		{"traceparent from another origin", "https://evil.example.com", "POST", "content-type,traceparent", false},
		{"a header nobody allowed", app, "POST", "content-type,x-something-else", false},
		{"a method not allowed", app, "DELETE", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := preflight(t, c.origin, c.method, c.headers)
			allowOrigin := resp.Header.Get("Access-Control-Allow-Origin")
			if !c.ok {
				if allowOrigin != "" {
					t.Errorf("allowed: %d allow-origin %q allow-headers %q", resp.StatusCode, allowOrigin, resp.Header.Get("Access-Control-Allow-Headers"))
				}
				return
			}
			if resp.StatusCode/100 != 2 || allowOrigin != c.origin {
				t.Fatalf("%d allow-origin %q", resp.StatusCode, allowOrigin)
			}
			allowed := headerList(resp.Header, "Access-Control-Allow-Headers")
			for _, h := range strings.Split(c.headers, ",") {
				if h != "" && !slices.Contains(allowed, h) {
					t.Errorf("Access-Control-Allow-Headers %v lacks %s", allowed, h)
				}
			}
			if !slices.Contains(headerList(resp.Header, "Access-Control-Allow-Methods"), strings.ToLower(c.method)) {
				t.Errorf("Access-Control-Allow-Methods %q", resp.Header.Get("Access-Control-Allow-Methods"))
			}
			if resp.Header.Get("Access-Control-Max-Age") == "" {
				t.Error("no Access-Control-Max-Age")
			}
		})
	}

	t.Run("X-Request-Id and Retry-After exposed", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Origin", app)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != app || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("allow-origin %q, X-Request-Id %q", resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("X-Request-Id"))
		}
		exposed := headerList(resp.Header, "Access-Control-Expose-Headers")
		for _, h := range []string{"x-request-id", "retry-after"} {
			if !slices.Contains(exposed, h) {
				t.Errorf("Access-Control-Expose-Headers %v lacks %s", exposed, h)
			}
		}
	})
}
