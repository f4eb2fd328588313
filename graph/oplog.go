package graph

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
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

// describeOperation is the WebSocket transport's Options.DescribeOperation: an operation's log
// line says what an HTTP request's access line says.
func describeOperation(ctx context.Context) (context.Context, func(context.Context) []slog.Attr) {
	l := &operationLog{}
	return withOperationLog(ctx, l), l.attrs
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
