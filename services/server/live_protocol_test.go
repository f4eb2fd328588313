package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// TestWebSocketConnectionRules: how each protocol's connection is authenticated, kept alive and
// closed.
func TestWebSocketConnectionRules(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(c *config.Config, o *server.Options) {
		c.AllowedOrigins = []string{"https://app.example.com"}
		o.WebSocketInitTimeout = 300 * time.Millisecond
		o.WebSocketKeepAlive = 100 * time.Millisecond
	})
	owner := env.SignUp("live-rules")

	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Run("a bad token closes with 4401", func(t *testing.T) {
				for _, token := range []string{"not-a-jwt", owner.AccessToken[:len(owner.AccessToken)-4] + "AAAA"} {
					c := mustDialWS(t, env.URL, proto)
					c.init(token)
					if proto == legacyWS { // graphql-ws tells why in a message first
						if m := c.nextMessage(5 * time.Second); m.Type != "connection_error" {
							t.Fatalf("got %+v, want connection_error", m)
						}
					}
					c.expectClose(ws.CloseUnauthorized, 5*time.Second)
				}
			})
			t.Run("no connection_init closes with 4408", func(t *testing.T) {
				c := mustDialWS(t, env.URL, proto)
				c.expectClose(ws.CloseInitTimeout, 5*time.Second)
			})
			t.Run("an oversized message closes with 1009", func(t *testing.T) {
				c := connect(t, env.URL, proto, owner.AccessToken)
				c.subscribe("big", `subscription { reservationsChanged { kind } }`+strings.Repeat(" ", ws.MaxMessage), nil)
				c.expectClose(websocket.StatusMessageTooBig, 5*time.Second)
			})
			t.Run("keep-alive", func(t *testing.T) {
				c := connect(t, env.URL, proto, owner.AccessToken)
				// The server pings (graphql-transport-ws: ping, answered with pong by the client;
				// graphql-ws: ka) every interval.
				for range 3 {
					select {
					case <-c.pings:
					case <-time.After(5 * time.Second):
						t.Fatal("no keep-alive from the server")
					}
				}
				if proto == transportWS { // and answers the client's pings
					c.send(map[string]any{"type": "ping"})
					if m := c.nextMessage(5 * time.Second); m.Type != "pong" {
						t.Fatalf("got %+v, want pong", m)
					}
				}
				// Answering pings keeps the connection open well past two intervals.
				c.subscribe("s", `subscription { reservationsChanged { kind } }`, nil)
				waitSubscribed(t, env, membershipWatch+1)
				c.send(map[string]any{"type": map[string]string{transportWS: "complete", legacyWS: "stop"}[proto], "id": "s"})
				waitSubscribed(t, env, membershipWatch)
			})
		})
	}

	t.Run("allowed origins", func(t *testing.T) {
		for _, c := range []struct {
			origin string
			ok     bool
		}{{"https://app.example.com", true}, {"https://evil.example.com", false}, {"", true}} {
			h := http.Header{}
			if c.origin != "" {
				h.Set("Origin", c.origin)
			}
			_, err := dialWS(t, env.URL, transportWS, h)
			if (err == nil) != c.ok {
				t.Errorf("origin %q: err = %v", c.origin, err)
			}
		}
	})
}

// TestConnectionEndsWhenItsTokenExpires: a connection authenticated with a token is closed with
// 4401 when the token expires (by the server's clock), not before.
func TestConnectionEndsWhenItsTokenExpires(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(c *config.Config, _ *server.Options) { c.AccessTokenTTL = 2 * time.Second })
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			owner := env.SignUp("live-expiry-" + map[string]string{transportWS: "a", legacyWS: "b"}[proto])
			expires := tokenExpiry(t, owner.AccessToken)
			c := connect(t, env.URL, proto, owner.AccessToken)
			c.subscribe("all", `subscription { reservationsChanged { kind } }`, nil)
			reason := c.expectClose(ws.CloseUnauthorized, 10*time.Second)
			closed := time.Now()
			if reason != "Unauthorized: token expired" {
				t.Errorf("reason %q", reason)
			}
			if closed.Before(expires) || closed.After(expires.Add(time.Second)) {
				t.Errorf("closed at %s, the token expired at %s", closed.Format(time.StampMilli), expires.Format(time.StampMilli))
			}
		})
	}
}

func tokenExpiry(t *testing.T, jwt string) time.Time {
	t.Helper()
	parts := strings.Split(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Exp int64 }
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return time.Unix(claims.Exp, 0)
}

var _ = context.Background
