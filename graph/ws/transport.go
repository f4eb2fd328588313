package ws

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/metrics"
	"github.com/slotpay/slotpay/services/ratelimit"
	"github.com/slotpay/slotpay/services/web"
)

// WebSocket close codes slotpay sends besides 1000 (normal), 1002 (protocol error, graphql-ws) and
// the WebSocket library's 1009 (message too big). Whether the graphql-ws client (6.x, src/client.ts:
// isFatalInternalCloseCode and the list in shouldRetryConnectOrThrow) reconnects on its own is
// said for each: it never retries 1000–1999 but 1000, 1001, 1005, 1006, 1012, 1013 and 1014, nor
// 4004, 4005, 4400, 4401, 4406, 4409, 4429 and 4500; it retries every other code when
// retryAttempts allows.
const (
	// CloseUnauthorized: the token in connection_init (or in a renewing ping) is invalid or is
	// another caller's, or, graphql-transport-ws, a subscribe came before connection_init. Fatal
	// for graphql-ws: the credentials themselves are wrong.
	CloseUnauthorized coderws.StatusCode = 4401
	// CloseTokenExpired: the connection's token expired (graphql-ws's own recipe for it: 4403).
	// graphql-ws retries it, reading connectionParams again when it is a function: a client that
	// gets a fresh token there reconnects and resubscribes by itself. A ping carrying a fresh token
	// before then keeps the socket and its subscriptions (tokens.go).
	CloseTokenExpired coderws.StatusCode = 4403
	// CloseForbidden: the staff token's holder is not (or no longer) a member of the token's
	// business: removed while connected, or before connection_init. A fresh token would not help,
	// so it is a code graphql-ws does not retry (1008, policy violation).
	CloseForbidden = coderws.StatusPolicyViolation
	// CloseMembershipUnknown: the membership could not be read (the database did not answer):
	// the connection is not kept on rights that cannot be checked; reconnect. 1012 (service
	// restart), which graphql-ws retries: 1011 (internal error), which it was, is fatal there.
	CloseMembershipUnknown = coderws.StatusServiceRestart
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

// writeTimeout bounds one message write: a client whose connection stopped moving is cut off
// instead of holding its buffers until TCP gives up (minutes).
const writeTimeout = 10 * time.Second

// After the handshake the connection reads and writes through these buffers instead of net/http's
// 4 KiB each: an idle subscriber's connection holds them for hours. They hold a frame header and
// a small message (a ping, a pong, complete); a larger message is read or written straight
// through, at the price of a second system call for a write.
const (
	readBuffer  = 128
	writeBuffer = 128
)

// MaxMessage is the largest message a client may send (a bigger one closes the connection with
// 1009).
const MaxMessage = 64 << 10

const (
	defaultInitTimeout = 10 * time.Second
	defaultKeepAlive   = 15 * time.Second
	// sharedQueryTexts bounds the query texts shared between operations (queryTexts), as gqlgen's
	// query cache is bounded.
	sharedQueryTexts = 1000
)

const (
	protoTransportWS = "graphql-transport-ws" // the graphql-ws library
	protoLegacyWS    = "graphql-ws"           // Apollo's subscriptions-transport-ws
)

// Transport is slotpay's GraphQL-over-WebSocket transport for both protocols. A connection
// costs one goroutine, its reader, parked on a shallow stack while the client is silent;
// keep-alive, the init timeout and token expiry are timers, and a subscription holds no goroutine
// while it waits for events (see operation). The HTTP handler returns once the connection is
// accepted, so net/http's per-request state is not kept for the connection's lifetime.
type Transport struct {
	accept      coderws.AcceptOptions
	tokens      *auth.Tokens
	members     auth.Memberships
	events      *events.Broker // membership changes reach open connections through it
	log         *slog.Logger
	now         func() time.Time
	keepAlive   time.Duration
	initTimeout time.Duration
	shutdown    context.Context
	starts      startQueue
	queries     queryTexts
	metrics     *metrics.Metrics
	describe    func(context.Context) (context.Context, func(context.Context) []slog.Attr)
	roles       func(*ast.OperationDefinition) []models.Role

	// The open connections, closed with 1001 when shutdown ends (one AfterFunc for all of them).
	mu    sync.Mutex
	conns map[*connection]struct{}
}

var _ graphql.Transport = (*Transport)(nil)

// Options are what the transport needs from the server besides gqlgen's executor (which hands it
// each request in Do). Tokens and Memberships are required.
type Options struct {
	// Tokens verifies the access token of connection_init and of a renewing ping.
	Tokens *auth.Tokens
	// Memberships authorises staff tokens by the current membership: read at connection_init, when
	// each operation starts and whenever Events says it changed.
	Memberships auth.Memberships
	// Events is the broker that carries MembershipChanged to open connections (nil: membership
	// changes are read only when an operation starts).
	Events *events.Broker
	// AllowedOrigins are the exact origins a browser may connect from ("*": any).
	AllowedOrigins []string
	// Logger receives the connection and operation lines (log.go); nil discards them.
	Logger *slog.Logger
	// Now is the tokens' clock (time.Now when nil): a connection ends when its token expires by it.
	Now func() time.Time
	// KeepAlive is the keep-alive interval (15 s when zero); InitTimeout how long a connection may
	// wait before connection_init (10 s when zero).
	KeepAlive, InitTimeout time.Duration
	// Shutdown ends when the server shuts down: open connections are then closed with 1001.
	Shutdown context.Context
	// Metrics counts connections, subscriptions and close codes (nil: not counted).
	Metrics *metrics.Metrics
	// DescribeOperation gives an operation's context what its log line needs and returns the
	// function that reads the line's attributes when the operation ends (graph's operation log, the
	// same as an HTTP request's); nil: the line says only what the transport knows.
	DescribeOperation func(context.Context) (context.Context, func(context.Context) []slog.Attr)
	// OperationRoles returns the staff roles a running subscription needs (nil: any caller),
	// checked again whenever the member's role changes; nil: subscriptions need no role.
	OperationRoles func(*ast.OperationDefinition) []models.Role
}

// New returns the transport; it panics without Memberships (a staff token could not be checked).
func New(o Options) *Transport {
	if o.Memberships == nil {
		panic("ws: no memberships to authorise staff tokens by")
	}
	t := &Transport{
		accept: coderws.AcceptOptions{
			Subprotocols:       []string{protoLegacyWS, protoTransportWS},
			OriginPatterns:     originPatterns(o.AllowedOrigins),
			InsecureSkipVerify: slices.Contains(o.AllowedOrigins, "*"),
		},
		tokens: o.Tokens, members: o.Memberships, events: o.Events, log: o.Logger, now: o.Now,
		keepAlive: o.KeepAlive, initTimeout: o.InitTimeout, shutdown: o.Shutdown, metrics: o.Metrics,
		describe: o.DescribeOperation, roles: o.OperationRoles,
		conns: make(map[*connection]struct{}),
	}
	if t.keepAlive <= 0 {
		t.keepAlive = defaultKeepAlive
	}
	if t.initTimeout <= 0 {
		t.initTimeout = defaultInitTimeout
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.describe == nil {
		t.describe = func(ctx context.Context) (context.Context, func(context.Context) []slog.Attr) { return ctx, nil }
	}
	if t.roles == nil {
		t.roles = func(*ast.OperationDefinition) []models.Role { return nil }
	}
	if t.shutdown != nil {
		context.AfterFunc(t.shutdown, t.closeAll)
	}
	return t
}

// closeAll closes every open connection with 1001 (going away).
func (t *Transport) closeAll() {
	t.mu.Lock()
	conns := make([]*connection, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.close(CloseGoingAway, "server shutting down")
	}
}

// register adds c to the open connections, or reports false when the server is shutting down.
func (t *Transport) register(c *connection) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shutdown != nil && t.shutdown.Err() != nil {
		return false
	}
	t.conns[c] = struct{}{}
	t.metrics.WebSocketOpened()
	return true
}

func (t *Transport) unregister(c *connection) {
	t.mu.Lock()
	_, open := t.conns[c]
	delete(t.conns, c)
	t.mu.Unlock()
	if open {
		c.mu.Lock()
		code, by := c.closeCode, c.closedBy
		c.mu.Unlock()
		t.metrics.WebSocketClosed(int(code), by)
	}
}

// Supports takes every upgrade request on /graphql.
func (t *Transport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do accepts the WebSocket (answering the handshake's errors, a refused origin among them, itself)
// and starts the connection's reader.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	opts := t.accept
	hj := &smallBuffers{ResponseWriter: w}
	ws, err := coderws.Accept(hj, r, &opts)
	if err != nil {
		return
	}
	ws.SetReadLimit(MaxMessage)
	c := &connection{t: t, ws: ws, br: hj.br, raw: rawConn(hj.conn), exec: exec, legacy: ws.Subprotocol() != protoTransportWS,
		opened: time.Now(), acceptLanguage: headerValue(r.Header.Get("Accept-Language"))}
	// The request's context ends when this handler returns, and holds net/http's state: the
	// connection keeps only what its operations read from it.
	ctx := web.WithRequestID(context.Background(), web.RequestID(r.Context()))
	if ip := ratelimit.ClientIP(r.Context()); ip != "" {
		ctx = ratelimit.WithClientIP(ctx, ip)
	}
	c.ctx = context.WithValue(ctx, connectionKey{}, c)
	if !t.register(c) {
		_ = ws.Close(CloseGoingAway, "server shutting down")
		return
	}
	c.mu.Lock() // the timer may fire before AfterFunc has returned
	c.timer = time.AfterFunc(t.initTimeout, func() { c.close(CloseInitTimeout, "Connection initialisation timeout") })
	c.mu.Unlock()
	if hj.kept {
		// The client's first bytes came with its handshake: they are in the library's reader, not
		// on the socket, so waiting for the socket to be readable would miss them. Read at once.
		go c.serve()
		return
	}
	go c.await()
}

// smallBuffers hands the WebSocket library small buffers when it hijacks the connection, and keeps
// the connection and its read buffer for the reader.
type smallBuffers struct {
	http.ResponseWriter
	conn net.Conn
	br   *bufio.Reader
	kept bool // net/http's reader was kept: it held bytes the client sent after its handshake
}

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = conn
	if brw.Reader.Buffered() > 0 {
		// Bytes the client sent after its handshake without waiting for the answer are in
		// net/http's buffer: keep it (never seen from real clients).
		w.br, w.kept = brw.Reader, true
		return conn, brw, nil
	}
	w.br = bufio.NewReaderSize(conn, readBuffer)
	return conn, bufio.NewReadWriter(w.br, bufio.NewWriterSize(conn, writeBuffer)), nil
}

func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type connectionKey struct{}

// connection is one WebSocket connection. Its reader (serve) handles the client's messages;
// operations write their results from their own short-lived goroutines, timers from theirs. The
// WebSocket library serialises writes.
type connection struct {
	t      *Transport
	ws     *coderws.Conn
	br     *bufio.Reader   // the library's read buffer
	raw    syscall.RawConn // for awaitReadable; nil when the connection has none
	exec   graphql.GraphExecutor
	legacy bool // graphql-ws rather than graphql-transport-ws
	ctx    context.Context
	opened time.Time
	// acceptLanguage is the handshake's Accept-Language (browsers send one with every WebSocket):
	// each operation's messages are in that language, as an HTTP request's would be.
	acceptLanguage string

	mu          sync.Mutex
	opCtx       context.Context // ctx with the principal, set by connection_init
	principal   *auth.Principal // the token's caller (nil: public); its expiry moves on renewal
	closing     bool
	timer       *time.Timer // the init timeout, then the token's expiry
	keepAlive   *time.Timer
	unanswered  int // pings sent since the last pong (graphql-transport-ws)
	operations  []*operation
	initialised bool
	// For the close line (log.go) and the close metric: the code and reason the connection ended with (the first
	// end wins, as its close code), who ended it, and how many operations it started.
	closeCode         coderws.StatusCode
	closeReason       string
	closedBy          string
	closeLogged       bool
	operationsStarted int

	// A staff connection's standing, read at connection_init, when each operation starts and
	// whenever the membership changes (authority.go).
	authority  *auth.Authority
	watch      *events.Subscription // the member's MembershipChanged events
	recheck    bool                 // a change arrived that is not read yet
	rechecking bool                 // a goroutine is reading it
}

// message is a message of either protocol.
type message struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// await waits, on a fresh goroutine's small stack, until the client sends something, then serves
// it. A silent client (an idle widget) thus holds a goroutine parked a few frames deep instead of
// one parked in the WebSocket library's read (and grown by handling its messages).
func (c *connection) await() {
	if c.raw != nil {
		awaitReadable(c.raw)
	}
	c.serve()
}

// serve reads the client's messages while there are some (at least one: await saw bytes), then
// hands over to a fresh await (or, without a descriptor to wait on, keeps reading); the connection
// ends when a read fails.
func (c *connection) serve() {
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.end(readEnd(err))
			return
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil || m.Type == "" {
			c.protocolError("invalid message")
			return
		}
		if !c.handle(&m) {
			return
		}
		c.mu.Lock()
		// The buffer is looked at under c.mu with closing false: the close handshake, which reads
		// through it too, starts only after closing is set.
		closing := c.closing
		idle := !closing && c.raw != nil && c.br.Buffered() == 0
		c.mu.Unlock()
		switch {
		case closing: // the close handshake reads the client's close frame; it ends the connection
			return
		case idle:
			go c.await()
			return
		}
	}
}

// handle acts on one client message and reports whether to keep reading.
func (c *connection) handle(m *message) bool {
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
		c.closeAs(coderws.StatusNormalClosure, "terminated", closedByClient)
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
		return c.ping(m.Payload, initialised)
	case m.Type == "pong" && !c.legacy:
		c.mu.Lock()
		c.unanswered = 0
		c.mu.Unlock()
	default:
		c.protocolError(fmt.Sprintf("unexpected message %.32s", m.Type)) // a close reason is short
		return false
	}
	return true
}

// protocolError closes a connection whose client broke the protocol: 4400 for
// graphql-transport-ws (its specification), connection_error and 1002 for graphql-ws (as gqlgen's
// transport answered).
func (c *connection) protocolError(reason string) {
	if !c.legacy {
		c.close(closeBadMessage, reason)
		return
	}
	c.connectionError(reason)
	c.close(coderws.StatusProtocolError, "unexpected message")
}

func (c *connection) connectionError(text string) {
	if c.legacy { // graphql-transport-ws has no such message: the close reason says it
		b, _ := json.Marshal(map[string]string{"message": text})
		c.send("connection_error", "", b)
	}
}

// tick is the keep-alive: graphql-ws gets "ka"; graphql-transport-ws gets a ping and must answer
// with a pong within two intervals.
func (c *connection) tick() {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if !c.legacy && c.unanswered >= 2 {
		c.mu.Unlock()
		c.drop(coderws.StatusAbnormalClosure, "no pong to the keep-alive ping", closedByServer)
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

// send writes one message, bounded by writeTimeout; a write that fails drops the connection
// (the library closes it).
func (c *connection) send(typ, id string, payload json.RawMessage) {
	b, err := json.Marshal(message{Type: typ, ID: id, Payload: payload})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, coderws.MessageText, b); err != nil {
		c.drop(coderws.StatusAbnormalClosure, "write failed", closedByServer)
	}
}

// close starts the close handshake once; the first code wins. The handshake waits for the peer
// (up to 10 s in the WebSocket library), so it runs on its own goroutine, which also ends the
// operations (close may be called under the broker's mutex, which ending a subscription takes).
func (c *connection) close(code coderws.StatusCode, reason string) {
	c.closeAs(code, reason, closedByServer)
}

// closeAs is close, saying for the log who asked for it.
func (c *connection) closeAs(code coderws.StatusCode, reason, by string) {
	if !c.markClosing(code, reason, by) {
		return
	}
	go func() {
		c.stopOperations()
		_ = c.ws.Close(code, reason)
		c.end(code, reason, by)
	}()
}

// drop ends the connection without a handshake (a write failed, a pong did not come, the reader
// stopped); code and reason say why in the log when nothing ended it before.
func (c *connection) drop(code coderws.StatusCode, reason, by string) {
	if c.markClosing(code, reason, by) {
		c.stopOperations()
		_ = c.ws.CloseNow()
	}
	c.unwatch()
	// The reader may have seen closing and returned without ending the connection: forget it
	// here, or it would stay listed (and held) until the process ends.
	c.t.unregister(c)
	c.logClosed()
}

// markClosing starts closing the connection, once, and records why for its close line.
func (c *connection) markClosing(code coderws.StatusCode, reason, by string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.closing = true
	c.closeCode, c.closeReason, c.closedBy = code, reason, by
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	return true
}

// stopOperations ends every operation of a closing connection.
func (c *connection) stopOperations() {
	c.mu.Lock()
	ops := c.operations
	c.operations = nil
	c.mu.Unlock()
	for _, op := range ops {
		op.stop()
	}
}

// end runs when the connection is done: whatever is still open is dropped (the library has already
// closed the connection when the client closed it or sent too big a message).
func (c *connection) end(code coderws.StatusCode, reason, by string) {
	c.drop(code, reason, by)
	c.stopOperations()
	c.t.unregister(c)
}

// headerValue caps a kept header at 256 bytes: a connection holds it for its life.
func headerValue(v string) string {
	if len(v) > 256 {
		return ""
	}
	return v
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

var globEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)

// originPatterns are the allowed origins as the WebSocket library's patterns: with their scheme, so
// that it compares scheme://host[:port] (a host alone would let http://app.example in where only
// https://app.example is allowed). Entries are exact origins (config.Origin), never globs.
func originPatterns(origins []string) []string {
	var out []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Scheme != "" && u.Host != "" {
			// The library matches with path.Match: escape its metacharacters ("[" of an IPv6 host).
			out = append(out, globEscaper.Replace(u.Scheme+"://"+u.Host))
		}
	}
	return out
}
