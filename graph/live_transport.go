package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	coderws "github.com/coder/websocket"

	"github.com/slotpay/slotpay/services/auth"
)

// WebSocket close codes slotpay sends besides 1000 (normal), 1002 (protocol error, graphql-ws) and
// the WebSocket library's 1009 (message too big).
const (
	// CloseUnauthorized: the token in connection_init is invalid, or the connection's token expired
	// (or, graphql-transport-ws, a subscribe came before connection_init). graphql-ws clients treat
	// it as fatal: get a fresh token and connect again.
	CloseUnauthorized coderws.StatusCode = 4401
	// CloseInitTimeout: no connection_init within the init timeout (graphql-transport-ws's 4408,
	// sent for the legacy protocol too).
	CloseInitTimeout coderws.StatusCode = 4408
	// CloseSlowConsumer: the client did not read its events fast enough and one of its
	// subscriptions was dropped; reconnect, subscribe again and refetch (events were lost).
	CloseSlowConsumer = coderws.StatusTryAgainLater
	// CloseGoingAway: the instance is shutting down.
	CloseGoingAway = coderws.StatusGoingAway

	// graphql-transport-ws's own codes for a client breaking the protocol.
	closeBadMessage      coderws.StatusCode = 4400
	closeDuplicateID     coderws.StatusCode = 4409
	closeTooManyInitReqs coderws.StatusCode = 4429
)

// wsWriteTimeout bounds one message write: a client whose connection stopped moving is cut off
// instead of holding its buffers until TCP gives up (minutes).
const wsWriteTimeout = 10 * time.Second

// After the handshake the connection reads and writes through these buffers instead of net/http's
// 4 KiB each: an idle subscriber's connection holds them for hours, and GraphQL-over-WebSocket
// messages are small (a larger one is read or written straight through).
const (
	wsReadBuffer  = 512
	wsWriteBuffer = 512
)

const (
	protoTransportWS = "graphql-transport-ws" // the graphql-ws library
	protoLegacyWS    = "graphql-ws"           // Apollo's subscriptions-transport-ws
)

// liveWebsocket is slotpay's GraphQL-over-WebSocket transport for both protocols. A connection
// costs one goroutine, its reader; keep-alive, the init timeout and token expiry are timers, and a
// subscription holds no goroutine while it waits for events (see wsOperation). The HTTP handler
// returns once the connection is accepted, so net/http's per-request state is not kept for the
// connection's lifetime.
type liveWebsocket struct {
	accept      coderws.AcceptOptions
	tokens      *auth.Tokens
	now         func() time.Time
	keepAlive   time.Duration
	initTimeout time.Duration
	shutdown    context.Context
	starts      startQueue
}

var _ graphql.Transport = (*liveWebsocket)(nil)

func newLiveWebsocket(o HandlerOptions) *liveWebsocket {
	t := &liveWebsocket{
		accept: coderws.AcceptOptions{
			Subprotocols:       []string{protoLegacyWS, protoTransportWS},
			OriginPatterns:     originPatterns(o.AllowedOrigins),
			InsecureSkipVerify: slices.Contains(o.AllowedOrigins, "*"),
		},
		tokens:      o.Tokens,
		now:         o.Now,
		keepAlive:   o.KeepAlive,
		initTimeout: o.InitTimeout,
		shutdown:    o.Shutdown,
	}
	if t.keepAlive <= 0 {
		t.keepAlive = wsKeepAlive
	}
	if t.initTimeout <= 0 {
		t.initTimeout = wsInitTimeout
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t
}

// Supports takes every upgrade request on /graphql.
func (t *liveWebsocket) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do accepts the WebSocket (answering the handshake's errors, a refused origin among them, itself)
// and starts the connection's reader.
func (t *liveWebsocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	opts := t.accept
	ws, err := coderws.Accept(smallBuffers{w}, r, &opts)
	if err != nil {
		return
	}
	ws.SetReadLimit(MaxWSMessage)
	c := &wsConnection{t: t, ws: ws, exec: exec, legacy: ws.Subprotocol() != protoTransportWS}
	// The request's context ends when this handler returns; the connection keeps its values (request
	// id, client address) and gets its own lifetime.
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(r.Context()))
	c.ctx = context.WithValue(c.ctx, wsConnectionKey{}, c)
	c.mu.Lock() // the timer may fire before AfterFunc has returned
	c.timer = time.AfterFunc(t.initTimeout, func() { c.close(CloseInitTimeout, "Connection initialisation timeout") })
	c.mu.Unlock()
	if t.shutdown != nil {
		c.stopShutdown = context.AfterFunc(t.shutdown, func() { c.close(CloseGoingAway, "server shutting down") })
	}
	go c.serve()
}

// smallBuffers hands the WebSocket library small buffers when it hijacks the connection.
type smallBuffers struct{ http.ResponseWriter }

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		// Bytes the client sent after its handshake without waiting for the answer are in
		// net/http's buffer: keep it (never seen from real clients).
		return conn, brw, err
	}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(conn, wsReadBuffer), bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}

func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type wsConnectionKey struct{}

// wsConnection is one WebSocket connection. Its reader (serve) handles the client's messages;
// operations write their results from their own short-lived goroutines, timers from theirs. The
// WebSocket library serialises writes.
type wsConnection struct {
	t      *liveWebsocket
	ws     *coderws.Conn
	exec   graphql.GraphExecutor
	legacy bool // graphql-ws rather than graphql-transport-ws

	// ctx ends with the connection and carries the principal once initialised (opCtx).
	ctx          context.Context
	cancel       context.CancelFunc
	stopShutdown func() bool

	mu          sync.Mutex
	opCtx       context.Context // set by connection_init
	closing     bool
	timer       *time.Timer // the init timeout, then the token's expiry
	keepAlive   *time.Timer
	unanswered  int // pings sent since the last pong (graphql-transport-ws)
	operations  []*wsOperation
	initialised bool
}

// wsMessage is a message of either protocol.
type wsMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// serve reads the client's messages until the connection ends.
func (c *wsConnection) serve() {
	defer c.end()
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil || m.Type == "" {
			c.protocolError("invalid message")
			return
		}
		if !c.handle(&m) {
			return
		}
	}
}

// handle acts on one client message and reports whether to keep reading.
func (c *wsConnection) handle(m *wsMessage) bool {
	c.mu.Lock()
	initialised := c.initialised
	c.mu.Unlock()
	switch {
	case m.Type == "connection_init" && !initialised:
		return c.init(m.Payload)
	case m.Type == "connection_init":
		if !c.legacy {
			c.close(closeTooManyInitReqs, "Too many initialisation requests")
			return false
		}
		c.protocolError("unexpected message connection_init")
		return false
	case m.Type == "connection_terminate" && c.legacy:
		c.close(coderws.StatusNormalClosure, "terminated")
		return false
	case (m.Type == "subscribe" && !c.legacy) || (m.Type == "start" && c.legacy):
		if !initialised {
			if !c.legacy {
				c.close(CloseUnauthorized, "Unauthorized")
				return false
			}
			c.protocolError("unexpected message start")
			return false
		}
		return c.subscribe(m)
	case (m.Type == "complete" && !c.legacy) || (m.Type == "stop" && c.legacy):
		c.stop(m.ID)
	case m.Type == "ping" && !c.legacy:
		c.send("pong", "", m.Payload)
	case m.Type == "pong" && !c.legacy:
		c.mu.Lock()
		c.unanswered = 0
		c.mu.Unlock()
	default:
		c.protocolError("unexpected message " + m.Type)
		return false
	}
	return true
}

// protocolError closes a connection whose client broke the protocol: 4400 for
// graphql-transport-ws (its specification), connection_error and 1002 for graphql-ws (as gqlgen's
// transport answered).
func (c *wsConnection) protocolError(reason string) {
	if !c.legacy {
		c.close(closeBadMessage, reason)
		return
	}
	c.connectionError(reason)
	c.close(coderws.StatusProtocolError, "unexpected message")
}

func (c *wsConnection) connectionError(message string) {
	if c.legacy { // graphql-transport-ws has no such message: the close reason says it
		b, _ := json.Marshal(map[string]string{"message": message})
		c.send("connection_error", "", b)
	}
}

// init authenticates the connection from its connection_init payload (the same bearer token as
// HTTP, under Authorization or token). No token is a public connection (availability); a token
// that does not verify closes the connection with 4401, and one that does closes it when it
// expires.
func (c *wsConnection) init(payload json.RawMessage) bool {
	var fields map[string]any
	if len(payload) > 0 && string(payload) != "null" {
		if err := json.Unmarshal(payload, &fields); err != nil {
			c.protocolError("invalid connection_init payload")
			return false
		}
	}
	raw := strings.TrimSpace(stringField(fields, "Authorization"))
	if raw == "" {
		raw = strings.TrimSpace(stringField(fields, "authorization"))
	}
	if raw == "" {
		raw = stringField(fields, "token")
	}
	raw = strings.TrimSpace(strings.TrimPrefix(raw, "Bearer "))
	var p *auth.Principal
	if raw != "" {
		var err error
		if p, err = c.t.tokens.Verify(raw); err != nil {
			c.connectionError(err.Error())
			c.close(CloseUnauthorized, "Unauthorized: invalid token")
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
	if p != nil {
		c.timer = time.AfterFunc(max(time.Unix(p.ExpiresAt, 0).Sub(c.t.now()), 0), func() {
			c.close(CloseUnauthorized, "Unauthorized: token expired")
		})
	}
	c.opCtx = auth.WithPrincipal(c.ctx, p, nil)
	c.initialised = true
	c.keepAlive = time.AfterFunc(c.t.keepAlive, c.tick)
	c.mu.Unlock()
	c.send("connection_ack", "", nil)
	if c.legacy {
		c.send("ka", "", nil)
	}
	return true
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// tick is the keep-alive: graphql-ws gets "ka"; graphql-transport-ws gets a ping and must answer
// with a pong within two intervals.
func (c *wsConnection) tick() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if !c.legacy && c.unanswered >= 2 {
		c.mu.Unlock()
		c.drop()
		return
	}
	if !c.legacy {
		c.unanswered++
	}
	c.keepAlive.Reset(c.t.keepAlive)
	c.mu.Unlock()
	if c.legacy {
		c.send("ka", "", nil)
	} else {
		c.send("ping", "", nil)
	}
}

// send writes one message, bounded by wsWriteTimeout; a write that fails drops the connection
// (the library closes it).
func (c *wsConnection) send(typ, id string, payload json.RawMessage) {
	b, err := json.Marshal(wsMessage{Type: typ, ID: id, Payload: payload})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, coderws.MessageText, b); err != nil {
		c.drop()
	}
}

// close starts the close handshake once; the first code wins. The handshake waits for the peer
// (up to 10 s in the WebSocket library), so it runs on its own goroutine. Every operation ends.
func (c *wsConnection) close(code coderws.StatusCode, reason string) {
	if !c.markClosing() {
		return
	}
	go func() { _ = c.ws.Close(code, reason) }()
}

// drop ends the connection without a handshake (a write failed, a pong did not come).
func (c *wsConnection) drop() {
	if c.markClosing() {
		_ = c.ws.CloseNow()
	}
}

func (c *wsConnection) markClosing() bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	c.closing = true
	c.stopTimersLocked()
	c.mu.Unlock()
	c.cancel()
	return true
}

func (c *wsConnection) stopTimersLocked() {
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
}

func (c *wsConnection) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// end runs when the reader stops: whatever is still open is dropped (the library has already
// closed the connection when the client closed it or sent too big a message).
func (c *wsConnection) end() {
	if c.stopShutdown != nil {
		c.stopShutdown()
	}
	c.drop()
	c.mu.Lock()
	c.operations = nil
	c.mu.Unlock()
}

// closeWebSocket closes the WebSocket connection ctx belongs to, if any.
func closeWebSocket(ctx context.Context, code coderws.StatusCode, reason string) {
	if c, ok := ctx.Value(wsConnectionKey{}).(*wsConnection); ok {
		c.close(code, reason)
	}
}

// decodeParams decodes a subscribe/start payload as gqlgen's transports do (numbers kept exact).
func decodeParams(payload json.RawMessage) (*graphql.RawParams, error) {
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		return nil, err
	}
	return params, nil
}
