package ws

import (
	"errors"
	"log/slog"
	"time"

	coderws "github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/auth"
)

// The transport's log lines: each operation ends with a "graphql operation" line (what
// Options.DescribeOperation says of it, the protocol, its duration and how many results it sent);
// the connection logs "websocket connected" at connection_ack and "websocket closed" with its
// close code, reason, duration and operations. request_id is the upgrade request's.

// maxLoggedReason is how much of a client's close reason goes on a line.
const maxLoggedReason = 100

// attrs is what the operation's line says of the operation and its caller.
func (op *operation) attrs() []slog.Attr {
	if op.logAttrs == nil {
		kind, _ := auth.TokenCaller(op.ctx)
		return []slog.Attr{slog.String("caller", kind)}
	}
	return op.logAttrs(op.ctx)
}

// logEnd writes the operation's line, once, when it ends (its result sent, stopped by the client,
// or its connection closed).
func (op *operation) logEnd() {
	if !op.logged.CompareAndSwap(false, true) {
		return
	}
	attrs := append([]slog.Attr{slog.String("protocol", op.c.protocol())}, op.attrs()...)
	attrs = append(attrs, slog.Int64("results", op.results.Load()), slog.Float64("duration_ms", milliseconds(time.Since(op.started))))
	op.c.t.log.LogAttrs(op.ctx, slog.LevelInfo, "graphql operation", attrs...)
}

func (c *connection) protocol() string {
	if c.legacy {
		return protoLegacyWS
	}
	return protoTransportWS
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// logConnected says a connection was accepted (connection_ack): its protocol and caller.
func (c *connection) logConnected() {
	c.t.log.LogAttrs(c.ctx, slog.LevelInfo, "websocket connected", c.callerAttrs(true)...)
}

// callerAttrs are the connection's protocol and, once connection_init was accepted, its caller.
func (c *connection) callerAttrs(initialised bool) []slog.Attr {
	attrs := []slog.Attr{slog.String("protocol", c.protocol())}
	if !initialised {
		return attrs
	}
	c.mu.Lock()
	opCtx := c.opCtx
	c.mu.Unlock()
	kind, tenant := auth.TokenCaller(opCtx)
	attrs = append(attrs, slog.String("caller", kind))
	if tenant != uuid.Nil {
		attrs = append(attrs, slog.String("tenant_id", tenant.String()))
	}
	return attrs
}

// logClosed says, once, how the connection ended: the close code and reason (sent by the server,
// the client's, or 1006 when it was cut without a close handshake), how long it lasted and how many
// operations it started.
func (c *connection) logClosed() {
	c.mu.Lock()
	if c.closeLogged {
		c.mu.Unlock()
		return
	}
	c.closeLogged = true
	code, reason, by, initialised, ops := c.closeCode, c.closeReason, c.closedBy, c.initialised, c.operationsStarted
	c.mu.Unlock()
	attrs := append(c.callerAttrs(initialised), slog.Int("code", int(code)), slog.String("reason", reason),
		slog.String("closed_by", by), slog.Int("operations", ops),
		slog.Float64("duration_ms", milliseconds(time.Since(c.opened))))
	c.t.log.LogAttrs(c.ctx, closeLevel(code), "websocket closed", attrs...)
}

// closeLevel: a connection dropped because the server could not serve it as it should — a slow
// consumer losing events, a membership that could not be read — is a warning; the other ends
// (tokens, protocol, clients leaving, shutdown) are the ordinary life of connections.
func closeLevel(code coderws.StatusCode) slog.Level {
	switch code {
	case CloseSlowConsumer, CloseMembershipUnknown:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Who ended a connection, for its close line.
const (
	closedByServer = "server"
	closedByClient = "client"
)

// readEnd is how a connection whose read failed ended: the client's close frame (its code and
// reason), a message over the limit (1009, closed by the WebSocket library), or the connection lost
// without a close frame (1006).
func readEnd(err error) (code coderws.StatusCode, reason, by string) {
	var ce coderws.CloseError
	switch {
	case errors.As(err, &ce):
		return ce.Code, truncate(ce.Reason, maxLoggedReason), closedByClient
	case errors.Is(err, coderws.ErrMessageTooBig):
		return coderws.StatusMessageTooBig, "message too big", closedByServer
	}
	return coderws.StatusAbnormalClosure, "connection lost", closedByClient
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
