package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"

	"github.com/slotpay/slotpay/services/auth"
)

// WebSocket close codes slotpay sends besides gqlgen's own (1000 normal, 1002 protocol error) and
// the WebSocket library's 1009 (message too big).
const (
	// CloseUnauthorized: the token in connection_init is invalid, or the connection's token expired.
	// graphql-ws clients treat it as fatal: get a fresh token and connect again.
	CloseUnauthorized coderws.StatusCode = 4401
	// CloseInitTimeout: no connection_init within the init timeout (graphql-transport-ws's 4408,
	// sent for the legacy protocol too).
	CloseInitTimeout coderws.StatusCode = 4408
	// CloseSlowConsumer: the client did not read its events fast enough and one of its
	// subscriptions was dropped; reconnect, subscribe again and refetch (events were lost).
	CloseSlowConsumer = coderws.StatusTryAgainLater
	// CloseGoingAway: the instance is shutting down.
	CloseGoingAway = coderws.StatusGoingAway
)

// wsWriteTimeout bounds one message write: a client whose connection stopped moving is cut off
// instead of holding its goroutines and buffers until TCP gives up (minutes).
const wsWriteTimeout = 10 * time.Second

// liveWebsocket is gqlgen's WebSocket transport (both graphql-transport-ws and graphql-ws) with a
// session per connection, which closes the socket with the codes gqlgen does not send itself: the
// init timeout, token expiry and slow consumers. gqlgen runs the protocol; the session only closes.
type liveWebsocket struct {
	transport.Websocket
	initTimeout time.Duration
	shutdown    context.Context
}

func newLiveWebsocket(o HandlerOptions) liveWebsocket {
	keepAlive := o.KeepAlive
	if keepAlive <= 0 {
		keepAlive = wsKeepAlive
	}
	initTimeout := o.InitTimeout
	if initTimeout <= 0 {
		initTimeout = wsInitTimeout
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return liveWebsocket{
		Websocket: transport.Websocket{
			Implementation: wsImplementation{accept: coderws.AcceptOptions{
				OriginPatterns:     originPatterns(o.AllowedOrigins),
				InsecureSkipVerify: slices.Contains(o.AllowedOrigins, "*"),
			}},
			InitFunc: wsInit(o.Tokens, now),
			// Not gqlgen's InitTimeout: it closes with 1002; the session closes with 4408.
			KeepAlivePingInterval: keepAlive, // graphql-ws: "ka" messages
			PingPongInterval:      keepAlive, // graphql-transport-ws: ping, and a pong is due within two intervals
			PayloadReadLimit:      ptr(int64(MaxWSMessage)),
		},
		initTimeout: initTimeout,
		shutdown:    o.Shutdown,
	}
}

func (t liveWebsocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	s := &wsSession{initTimeout: t.initTimeout}
	defer s.end()
	if t.shutdown != nil {
		stop := context.AfterFunc(t.shutdown, func() { s.close(CloseGoingAway, "server shutting down") })
		defer stop()
	}
	t.Websocket.Do(w, r.WithContext(context.WithValue(r.Context(), wsSessionKey{}, s)), exec)
}

// wsSession is one WebSocket connection's lifetime as slotpay sees it.
type wsSession struct {
	initTimeout time.Duration

	mu      sync.Mutex
	conn    *coderws.Conn
	closing bool
	timers  []*time.Timer
}

type wsSessionKey struct{}

func (s *wsSession) accepted(conn *coderws.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = conn
	s.timers = append(s.timers, time.AfterFunc(s.initTimeout, func() {
		s.close(CloseInitTimeout, "Connection initialisation timeout")
	}))
}

// initialised stops the init timeout and, for an authenticated connection, closes it when its
// token expires (in ttl).
func (s *wsSession) initialised(ttl time.Duration, authenticated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.timers {
		t.Stop()
	}
	s.timers = nil
	if authenticated {
		s.timers = append(s.timers, time.AfterFunc(max(ttl, 0), func() {
			s.close(CloseUnauthorized, "Unauthorized: token expired")
		}))
	}
}

// close starts the close handshake once; the first code wins. The handshake waits for the peer
// (up to 10 s in the WebSocket library), so it runs on its own goroutine.
func (s *wsSession) close(code coderws.StatusCode, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil || s.closing {
		return
	}
	s.closing = true
	for _, t := range s.timers {
		t.Stop()
	}
	conn := s.conn
	go func() { _ = conn.Close(code, reason) }()
}

func (s *wsSession) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// end runs when gqlgen is done with the connection; whatever is still open is dropped.
func (s *wsSession) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.timers {
		t.Stop()
	}
	if s.conn != nil && !s.closing {
		s.closing = true
		_ = s.conn.CloseNow()
	}
}

// closeWebSocket closes the WebSocket connection ctx belongs to, if any.
func closeWebSocket(ctx context.Context, code coderws.StatusCode, reason string) {
	if s, ok := ctx.Value(wsSessionKey{}).(*wsSession); ok {
		s.close(code, reason)
	}
}

// wsInit authenticates a WebSocket connection from its connection_init payload (the same bearer
// token as HTTP, under Authorization or token). No token is a public connection (availability);
// a token that does not verify closes the connection with 4401.
func wsInit(tokens *auth.Tokens, now func() time.Time) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		s, _ := ctx.Value(wsSessionKey{}).(*wsSession)
		raw := strings.TrimSpace(payload.Authorization())
		if raw == "" {
			raw = payload.GetString("token")
		}
		raw = strings.TrimSpace(strings.TrimPrefix(raw, "Bearer "))
		if raw == "" {
			if s != nil {
				s.initialised(0, false)
			}
			return auth.WithPrincipal(ctx, nil, nil), nil, nil
		}
		p, err := tokens.Verify(raw)
		if err != nil {
			ctx = transport.WithWebsocketCloseCode(ctx, int(CloseUnauthorized))
			return transport.AppendCloseReason(ctx, "Unauthorized: invalid token"), nil, err
		}
		if s != nil {
			s.initialised(time.Unix(p.ExpiresAt, 0).Sub(now()), true)
		}
		return auth.WithPrincipal(ctx, p, nil), nil, nil
	}
}

// wsImplementation adapts github.com/coder/websocket to gqlgen's transport as gqlgen's own
// CoderWebsocketImplementation does, and registers the connection with its session.
type wsImplementation struct{ accept coderws.AcceptOptions }

func (i wsImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for key, values := range o.ResponseHeader {
		for _, v := range values {
			w.Header().Add(key, v)
		}
	}
	opts := i.accept
	opts.Subprotocols = slices.Clone(o.Subprotocols)
	conn, err := coderws.Accept(w, r, &opts)
	if err != nil {
		return nil, err
	}
	s, _ := r.Context().Value(wsSessionKey{}).(*wsSession)
	if s == nil {
		s = &wsSession{initTimeout: wsInitTimeout}
	}
	s.accepted(conn)
	return &wsConn{conn: conn, session: s}, nil
}

type wsConn struct {
	conn    *coderws.Conn
	session *wsSession

	mu           sync.Mutex
	readDeadline *time.Timer
}

var (
	_ transport.WebsocketReadLimiter   = (*wsConn)(nil)
	_ transport.WebsocketReadDeadliner = (*wsConn)(nil)
)

func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch coderws.CloseStatus(err) {
		case coderws.StatusNormalClosure, coderws.StatusNoStatusRcvd:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

func (c *wsConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	return c.conn.Write(ctx, coderws.MessageText, data)
}

func (c *wsConn) WriteClose(code int, message string) error {
	c.stopReadDeadline()
	c.session.close(coderws.StatusCode(code), message)
	return nil
}

// Close drops the connection unless a close handshake is under way (it closes the connection
// itself when done).
func (c *wsConn) Close() error {
	c.stopReadDeadline()
	if c.session.isClosing() {
		return nil
	}
	return c.conn.CloseNow()
}

func (c *wsConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *wsConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// SetReadDeadline drops the connection at t (gqlgen uses it for pongs that do not come).
func (c *wsConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readDeadline != nil {
		c.readDeadline.Stop()
		c.readDeadline = nil
	}
	if !t.IsZero() {
		c.readDeadline = time.AfterFunc(max(time.Until(t), 0), func() { _ = c.conn.CloseNow() })
	}
	return nil
}

func (c *wsConn) stopReadDeadline() { _ = c.SetReadDeadline(time.Time{}) }
