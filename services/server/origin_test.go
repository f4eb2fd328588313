package server_test

import (
	"net/http"
	"testing"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// TestOriginChecksSchemeHostAndPort: a browser origin is allowed only when scheme, host and port
// are exactly an allowed origin's, for WebSocket handshakes and for CORS alike.
func TestOriginChecksSchemeHostAndPort(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(c *config.Config, _ *server.Options) {
		c.AllowedOrigins = []string{"https://app.example.com"}
	})
	cases := []struct {
		origin string
		ok     bool
	}{
		{"https://app.example.com", true},
		{"http://app.example.com", false},       // another scheme
		{"https://app.example.com:8443", false}, // another port
		{"https://evil.example.com", false},
		{"https://app.example.com.evil.example", false},
		{"wss://app.example.com", false},
	}
	for _, c := range cases {
		t.Run(c.origin, func(t *testing.T) {
			h := http.Header{}
			h.Set("Origin", c.origin)
			if _, err := dialWS(t, env.URL, transportWS, h); (err == nil) != c.ok {
				t.Errorf("WebSocket: err = %v, want allowed %v", err, c.ok)
			}
			req, _ := http.NewRequest(http.MethodOptions, env.URL+"/graphql", nil)
			req.Header.Set("Origin", c.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if c.ok && (got != c.origin || resp.StatusCode != http.StatusNoContent) {
				t.Errorf("CORS preflight: %d, allow-origin %q", resp.StatusCode, got)
			}
			if !c.ok && got != "" {
				t.Errorf("CORS allowed %q", got)
			}
		})
	}
	// Without an Origin (not a browser) the handshake is not an origin question.
	if _, err := dialWS(t, env.URL, transportWS, nil); err != nil {
		t.Fatalf("no Origin: %v", err)
	}
}
