package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	coderws "github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/web"
)

// Logs an operator can use. Every GraphQL operation is described once, by the line that ends it:
//
//   - over HTTP, the request's access line ("request", services/web) carries the operation, so one
//     line says everything about one request (method, path, status, duration and the GraphQL
//     fields below);
//   - over WebSocket, each operation ends with a "graphql operation" line with the same fields, its
//     duration and how many results it sent; the connection logs "websocket connected" at
//     connection_ack and "websocket closed" with its close code, reason, duration and operations.
//
// The GraphQL fields: operation (its name), operation_type (query, mutation, subscription), fields
// (the root fields asked for: most clients send anonymous operations), caller (staff, customer or
// public, as the token says: logging reads no membership), tenant_id (the token's business) and
// error_codes (each extensions.code sent, once). request_id (LogHandler) is the X-Request-Id of the
// request, or of the WebSocket's upgrade request; every error sent carries it as
// extensions.requestId, so a client's report leads to its lines.
//
// Values never go into logs: no variables, no query text, no tokens, no error messages of clients'
// input (TestLogsHoldNoSecrets greps a full run's log for each secret and personal value it used).

const (
	maxLoggedName       = 100 // bytes of a client-chosen operation name
	maxLoggedFields     = 10  // root fields named on a line
	maxLoggedErrorCodes = 10  // distinct error codes on a line
)

type operationLogKey struct{}

// operationLog gathers what one operation's line says: the operation (noted when it starts, or
// when an error refusing it is presented) and the error codes sent.
type operationLog struct {
	mu    sync.Mutex
	op    *graphql.OperationContext
	codes []string
}

func withOperationLog(ctx context.Context, l *operationLog) context.Context {
	return context.WithValue(ctx, operationLogKey{}, l)
}

func operationLogOf(ctx context.Context) *operationLog {
	l, _ := ctx.Value(operationLogKey{}).(*operationLog)
	return l
}

// see notes the operation ctx belongs to (the first one seen).
func (l *operationLog) see(ctx context.Context) {
	if l == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	rc := graphql.GetOperationContext(ctx)
	l.mu.Lock()
	if l.op == nil {
		l.op = rc
	}
	l.mu.Unlock()
}

func (l *operationLog) noteCode(code string) {
	if l == nil || code == "" {
		return
	}
	l.mu.Lock()
	if !slices.Contains(l.codes, code) && len(l.codes) < maxLoggedErrorCodes {
		l.codes = append(l.codes, code)
	}
	l.mu.Unlock()
}

// attrs describes the operation and its caller (from ctx's token).
func (l *operationLog) attrs(ctx context.Context) []slog.Attr {
	l.mu.Lock()
	rc, codes := l.op, slices.Clone(l.codes)
	l.mu.Unlock()
	var out []slog.Attr
	if rc != nil {
		doc, op := rc.Doc, rc.Operation
		if op == nil && rc.RawQuery != "" {
			// Refused by validation: the executor kept no document; the line still says what was
			// asked (refused queries are rare, and their text is bounded by MaxQueryTokens).
			if parsed, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: rc.RawQuery}, MaxQueryTokens); err == nil {
				doc, op = parsed, parsed.Operations.ForName(rc.OperationName)
			}
		}
		name := rc.OperationName
		if op != nil && op.Name != "" {
			name = op.Name
		}
		if name != "" {
			out = append(out, slog.String("operation", truncate(name, maxLoggedName)))
		}
		if op != nil {
			out = append(out, slog.String("operation_type", string(op.Operation)), slog.Any("fields", rootFields(doc, op)))
		}
	}
	kind, tenant := auth.TokenCaller(ctx)
	out = append(out, slog.String("caller", kind))
	if tenant != uuid.Nil {
		out = append(out, slog.String("tenant_id", tenant.String()))
	}
	if len(codes) > 0 {
		out = append(out, slog.Any("error_codes", codes))
	}
	return out
}

// rootFields names the root fields an operation selects (not their aliases), through fragments,
// each once, at most maxLoggedFields.
func rootFields(doc *ast.QueryDocument, op *ast.OperationDefinition) []string {
	out := []string{}
	var walk func(set ast.SelectionSet, depth int)
	walk = func(set ast.SelectionSet, depth int) {
		if depth > 3 { // fragments within fragments: a validated operation has no cycle, a refused one may
			return
		}
		for _, sel := range set {
			if len(out) >= maxLoggedFields {
				return
			}
			switch s := sel.(type) {
			case *ast.Field:
				if name := truncate(s.Name, maxLoggedName); !slices.Contains(out, name) {
					out = append(out, name)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet, depth+1)
			case *ast.FragmentSpread:
				def := s.Definition
				if def == nil && doc != nil {
					def = doc.Fragments.ForName(s.Name)
				}
				if def != nil {
					walk(def.SelectionSet, depth+1)
				}
			}
		}
	}
	walk(op.SelectionSet, 0)
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// describeError gives a presented error extensions.requestId (every error, INTERNAL included) and
// notes its code for the operation's log line. The error presenter calls it for every error, over
// HTTP and WebSocket alike.
func describeError(ctx context.Context, e *gqlerror.Error) {
	if id := web.RequestID(ctx); id != "" {
		if e.Extensions == nil {
			e.Extensions = map[string]any{}
		}
		e.Extensions["requestId"] = id
	}
	if l := operationLogOf(ctx); l != nil {
		l.see(ctx)
		code, _ := e.Extensions["code"].(string)
		l.noteCode(code)
	}
}

// operationLogger notes each operation that starts for its log line.
type operationLogger struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = operationLogger{}

func (operationLogger) ExtensionName() string                   { return "OperationLog" }
func (operationLogger) Validate(graphql.ExecutableSchema) error { return nil }

func (operationLogger) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	operationLogOf(ctx).see(ctx)
	return next(ctx)
}

// loggedHTTP is a GraphQL-over-HTTP transport whose operation is described on the request's access
// line.
type loggedHTTP struct{ graphql.Transport }

func (t loggedHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	l := &operationLog{}
	defer func() { web.AddLogAttrs(r.Context(), l.attrs(r.Context())...) }()
	t.Transport.Do(w, r.WithContext(withOperationLog(r.Context(), l)), exec)
}

// unsupportedTransport answers what no transport takes (an Upgrade to anything but a GraphQL
// WebSocket; graphQLHTTP answers every other request), with a code and the request id as every
// error.
type unsupportedTransport struct{}

func (unsupportedTransport) Supports(*http.Request) bool { return true }

func (unsupportedTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	web.WriteError(r.Context(), w, http.StatusBadRequest, "BAD_REQUEST",
		"transport not supported: POST application/json, GET for queries, or a WebSocket")
}

// logEnd writes the operation's line, once, when it ends (its result sent, stopped by the client,
// or its connection closed).
func (op *wsOperation) logEnd() {
	if !op.logged.CompareAndSwap(false, true) {
		return
	}
	attrs := append([]slog.Attr{slog.String("protocol", op.c.protocol())}, op.log.attrs(op.ctx)...)
	attrs = append(attrs, slog.Int64("results", op.results.Load()), slog.Float64("duration_ms", milliseconds(time.Since(op.started))))
	op.c.t.log.LogAttrs(op.ctx, slog.LevelInfo, "graphql operation", attrs...)
}

func (c *wsConnection) protocol() string {
	if c.legacy {
		return protoLegacyWS
	}
	return protoTransportWS
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// logConnected says a connection was accepted (connection_ack): its protocol and caller.
func (c *wsConnection) logConnected() {
	c.t.log.LogAttrs(c.ctx, slog.LevelInfo, "websocket connected", c.callerAttrs(true)...)
}

// callerAttrs are the connection's protocol and, once connection_init was accepted, its caller.
func (c *wsConnection) callerAttrs(initialised bool) []slog.Attr {
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
func (c *wsConnection) logClosed() {
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
		return ce.Code, truncate(ce.Reason, maxLoggedName), closedByClient
	case errors.Is(err, coderws.ErrMessageTooBig):
		return coderws.StatusMessageTooBig, "message too big", closedByServer
	}
	return coderws.StatusAbnormalClosure, "connection lost", closedByClient
}
