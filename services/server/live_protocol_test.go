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
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/events"
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
// 4403 (CloseTokenExpired, which graphql-ws clients retry with fresh connectionParams; it was the
// fatal 4401 before) when the token expires (by the server's clock), not before.
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
			reason := c.expectClose(ws.CloseTokenExpired, 10*time.Second)
			closed := time.Now()
			if reason != "Forbidden: token expired, connect again with a fresh one" {
				t.Errorf("reason %q", reason)
			}
			if closed.Before(expires) || closed.After(expires.Add(time.Second)) {
				t.Errorf("closed at %s, the token expired at %s", closed.Format(time.StampMilli), expires.Format(time.StampMilli))
			}
		})
	}
}

// TestPingRenewsTheToken: a graphql-transport-ws client that sends a ping carrying a fresh token of
// the same caller keeps its socket and its subscriptions past the first token's expiry, until the
// new token's; a token of another caller closes the connection with 4401.
func TestPingRenewsTheToken(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, func(c *config.Config, _ *server.Options) { c.AccessTokenTTL = 3 * time.Second })
	owner := env.SignUp("live-renew")
	first := tokenExpiry(t, owner.AccessToken)
	c := connect(t, env.URL, transportWS, owner.AccessToken)
	c.subscribe("all", `subscription { reservationsChanged { kind } }`, nil)
	waitSubscribed(t, env, membershipWatch+1)

	time.Sleep(1100 * time.Millisecond) // token expiries are whole seconds: the fresh one ends later
	var fresh struct{ RefreshToken struct{ AccessToken string } }
	env.Must("", `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, map[string]any{"t": owner.RefreshToken}, &fresh)
	renewed := tokenExpiry(t, fresh.RefreshToken.AccessToken)
	c.send(map[string]any{"type": "ping", "payload": map[string]any{"Authorization": "Bearer " + fresh.RefreshToken.AccessToken}})
	pong := c.nextMessage(5 * time.Second)
	var answer struct{ ExpiresAt int64 }
	if err := json.Unmarshal(pong.Payload, &answer); err != nil || pong.Type != "pong" || answer.ExpiresAt != renewed.Unix() {
		t.Fatalf("answer to the renewing ping: %s %s (%v), want a pong with expiresAt %d", pong.Type, pong.Payload, err, renewed.Unix())
	}

	time.Sleep(time.Until(first.Add(500 * time.Millisecond)))
	env.Server.Events.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: uuid.MustParse(owner.TenantID), ReservationID: uuid.New()})
	var event struct{ ReservationsChanged struct{ Kind string } }
	c.next("all", 5*time.Second, &event)
	if event.ReservationsChanged.Kind != "UPDATED" {
		t.Fatalf("event after the first token's expiry: %+v", event)
	}
	c.expectClose(ws.CloseTokenExpired, 10*time.Second)
	if closed := time.Now(); closed.Before(renewed) || closed.After(renewed.Add(time.Second)) {
		t.Errorf("closed at %s, the renewed token expired at %s", closed.Format(time.StampMilli), renewed.Format(time.StampMilli))
	}

	other, third := env.SignUp("live-renew-other"), env.SignUp("live-renew-third")
	d := connect(t, env.URL, transportWS, other.AccessToken)
	d.send(map[string]any{"type": "ping", "payload": map[string]any{"Authorization": "Bearer " + third.AccessToken}})
	if reason := d.expectClose(ws.CloseUnauthorized, 5*time.Second); reason != "Unauthorized: invalid token for this connection" {
		t.Errorf("another caller's token: reason %q", reason)
	}
}

// TestRefusedSubscriptionIsAnError: a subscription its resolver refuses is answered with the
// operation's error message in both protocols (graphql-ws hands it to the client's error
// callback), never with a result.
func TestRefusedSubscriptionIsAnError(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	for _, proto := range protocols {
		c := connect(t, env.URL, proto, "")
		c.subscribe("x", `subscription { reservationsChanged { kind } }`, nil)
		m := c.nextMessage(5 * time.Second)
		var errs []struct{ Extensions map[string]any }
		if err := json.Unmarshal(m.Payload, &errs); err != nil || m.Type != "error" || m.ID != "x" || len(errs) != 1 ||
			errs[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("%s: got %s %s %s (%v), want an error UNAUTHENTICATED", proto, m.Type, m.ID, m.Payload, err)
		}
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

// A subscription's error messages are in the language of the WebSocket handshake's
// Accept-Language, as an HTTP request's are.
func TestSubscriptionErrorsSpeakTheHandshakesLanguage(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "ws-polski", nil)
	const op = `subscription($s: UUID!) { availabilityChanged(tenantSlug: "ws-polski", serviceId: $s, from: "2026-03-10", to: "2026-03-12") { serviceId } }`
	for _, lang := range []struct{ header, want string }{
		{"pl-PL,pl;q=0.9,en;q=0.5", "Nie znaleziono usługi."},
		{"en-GB", "service not found"},
	} {
		for _, proto := range protocols {
			c, err := dialWS(t, b.URL, proto, http.Header{"Accept-Language": {lang.header}})
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			go c.read()
			c.init("")
			if m := c.nextMessage(5 * time.Second); m.Type != "connection_ack" {
				t.Fatalf("%s: %+v", proto, m)
			}
			c.subscribe("x", op, map[string]any{"s": uuid.NewString()})
			m := c.nextMessage(5 * time.Second)
			if !strings.Contains(string(m.Payload), lang.want) {
				t.Errorf("%s, Accept-Language %s: %s %s, want the message %q", proto, lang.header, m.Type, m.Payload, lang.want)
			}
		}
	}
}
