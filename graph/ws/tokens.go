package ws

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/slotpay/slotpay/services/auth"
)

// A connection's credentials. connection_init carries the caller's access token, as HTTP's
// Authorization header does; the connection ends when the token expires (CloseTokenExpired, which
// graphql-ws retries with fresh connectionParams). A graphql-transport-ws client that would rather
// keep its socket and subscriptions renews the token before then: a ping whose payload carries a
// fresh token of the same caller, {"Authorization": "Bearer <token>"}, moves the connection's end
// to the new token's expiry and is answered with a pong {"expiresAt": <unix seconds>}. The
// legacy graphql-ws protocol has no ping: its clients reconnect.

// init authenticates the connection from its connection_init payload (the same bearer token as
// HTTP, under Authorization or token). No token is a public connection (availability); a token
// that does not verify closes the connection with 4401, and one that does closes it when it
// expires. A staff token's membership is read before connection_ack (CloseForbidden without one)
// and followed for the connection's lifetime (authority.go).
func (c *connection) init(payload json.RawMessage) bool {
	raw, ok := bearerToken(payload)
	if !ok {
		c.protocolError("invalid connection_init payload")
		return false
	}
	var p *auth.Principal
	if raw != "" {
		var err error
		if p, err = c.t.tokens.Verify(raw); err != nil {
			c.connectionError(err.Error())
			c.close(CloseUnauthorized, "Unauthorized: invalid token")
			return false
		}
	}
	var authority *auth.Authority
	if p.IsStaff() {
		authority = auth.NewAuthority(p, c.t.members)
		if !c.authorize(authority) {
			return false
		}
	}
	c.mu.Lock()
	if c.closing { // the init timeout fired first
		c.mu.Unlock()
		return false
	}
	c.timer.Stop()
	c.timer = nil
	c.expireLocked(p)
	if authority != nil {
		c.opCtx = auth.WithAuthority(c.ctx, authority)
	} else {
		c.opCtx = auth.WithPrincipal(c.ctx, p, nil)
	}
	c.initialised = true
	c.keepAlive = time.AfterFunc(c.t.keepAlive, c.tick)
	c.mu.Unlock()
	c.logConnected()
	c.send("connection_ack", "", nil)
	if c.legacy {
		c.send("ka", "", nil)
	}
	return true
}

// expireLocked makes p the connection's caller and closes the connection when p's token expires
// (never for a public connection); c.mu is held.
func (c *connection) expireLocked(p *auth.Principal) {
	c.principal = p
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if p != nil {
		c.timer = time.AfterFunc(max(time.Unix(p.ExpiresAt, 0).Sub(c.t.now()), 0), func() {
			c.close(CloseTokenExpired, "Forbidden: token expired, connect again with a fresh one")
		})
	}
}

// ping answers a graphql-transport-ws ping; one that carries a token after connection_init renews
// the connection's. It reports whether to keep reading. Only the expiry moves: the operations keep
// the context of connection_init, whose caller is the same (nothing reads a token's expiry after it
// was verified), and a staff member's rights are the membership's, read as before.
func (c *connection) ping(payload json.RawMessage, initialised bool) bool {
	raw, _ := bearerToken(payload) // a payload of another shape is the client's own: echoed
	if raw == "" || !initialised {
		c.send("pong", "", payload)
		return true
	}
	p, err := c.t.tokens.Verify(raw)
	c.mu.Lock()
	same := err == nil && sameCaller(c.principal, p)
	if same && !c.closing {
		c.expireLocked(p)
	}
	c.mu.Unlock()
	if !same {
		c.close(CloseUnauthorized, "Unauthorized: invalid token for this connection")
		return false
	}
	b, _ := json.Marshal(map[string]int64{"expiresAt": p.ExpiresAt})
	c.send("pong", "", b)
	return true
}

// sameCaller reports whether a renewing token's caller is the connection's: the operations
// running on the connection were authorised for it.
func sameCaller(current, renewed *auth.Principal) bool {
	if current == nil || renewed == nil {
		return false
	}
	return current.Kind == renewed.Kind && current.TenantID == renewed.TenantID &&
		current.UserID == renewed.UserID && current.ReservationID == renewed.ReservationID &&
		current.CustomerID == renewed.CustomerID
}

// bearerToken reads the access token of a connection_init or ping payload: Authorization (or
// authorization) with or without "Bearer ", or token. ok is false for a payload that is not a JSON
// object (null and no payload are none).
func bearerToken(payload json.RawMessage) (token string, ok bool) {
	var fields map[string]any
	if len(payload) > 0 && string(payload) != "null" {
		if err := json.Unmarshal(payload, &fields); err != nil {
			return "", false
		}
	}
	raw := strings.TrimSpace(stringField(fields, "Authorization"))
	if raw == "" {
		raw = strings.TrimSpace(stringField(fields, "authorization"))
	}
	if raw == "" {
		raw = stringField(fields, "token")
	}
	return strings.TrimSpace(strings.TrimPrefix(raw, "Bearer ")), true
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
