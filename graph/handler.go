package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/graph/generated"
	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/i18n"
	"github.com/slotpay/slotpay/services/metrics"
	"github.com/slotpay/slotpay/services/ratelimit"
)

// Limits applied to every operation before any resolver runs.
const (
	MaxDepth        = 10
	MaxComplexity   = 2000
	queryCacheSize  = 1000
	persistedCacheN = 1000 // automatic persisted queries remembered (apq.go)
)

// HandlerOptions configure the GraphQL server.
type HandlerOptions struct {
	Development    bool
	Logger         *slog.Logger
	Tokens         *auth.Tokens
	AllowedOrigins []string
	// Memberships authorises staff tokens by the current membership (a WebSocket connection reads
	// it at connection_init and again whenever it changes); required.
	Memberships auth.Memberships
	// Now is the tokens' clock (time.Now when nil): a WebSocket connection ends when its token
	// expires by that clock.
	Now func() time.Time
	// KeepAlive is the WebSocket keep-alive interval (15 s when zero); InitTimeout how long a
	// connection may wait before connection_init (10 s when zero).
	KeepAlive, InitTimeout time.Duration
	// Shutdown ends when the server shuts down: open WebSockets are then closed with 1001 (going
	// away) so clients reconnect elsewhere.
	Shutdown context.Context
	// Metrics counts WebSocket connections, subscriptions and close codes (nil: not counted).
	Metrics *metrics.Metrics
	// Persisted are the operations shipped with the apps, and whether only they are accepted
	// (apq.go).
	Persisted PersistedQueries
}

// NewHandler builds the /graphql handler: GraphQL over HTTP (POST, and GET for queries only) and
// over WebSocket, with the error presenter, panic recovery, and depth and complexity limits.
func NewHandler(r *Resolver, o HandlerOptions) *handler.Server {
	cfg := generated.Config{Resolvers: r}
	cfg.Directives.HasRole = hasRole
	setComplexity(&cfg.Complexity)
	schema := generated.NewExecutableSchema(cfg)
	srv := handler.New(schema)

	persisted := newPersistedCache(o.Persisted)
	srv.AddTransport(ws.New(ws.Options{
		Tokens: o.Tokens, Memberships: o.Memberships, Events: r.Events, AllowedOrigins: o.AllowedOrigins,
		Logger: o.Logger, Now: o.Now, KeepAlive: o.KeepAlive, InitTimeout: o.InitTimeout, Shutdown: o.Shutdown,
		Metrics: o.Metrics, DescribeOperation: describeOperation, OperationRoles: operationRoles,
	}))
	srv.AddTransport(loggedHTTP{graphQLHTTP{persisted: persisted}}) // httptransport.go
	srv.AddTransport(unsupportedTransport{})
	srv.Use(operationLogger{}) // each operation described on its log line (oplog.go)

	queries := lru.New[*ast.QueryDocument](queryCacheSize)
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(MaxQueryTokens)
	// Parameter mutators run in this order: the persisted-query extension fills the query in from
	// its hash before the shape limit measures it (apq.go).
	if o.Persisted.Only {
		srv.Use(persistedOnly{persisted})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: persisted})
	srv.Use(QueryShapeLimit{Cache: queries}) // before validation: see cost.go
	if o.Development {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
		srv.SetValidationRulesFn(rulesWithoutSuggestions)
		srv.Use(RefuseIntrospection{Logger: o.Logger})
	}
	srv.Use(&VariableCoercion{})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(DepthLimit{Max: MaxDepth})
	srv.Use(localeChooser{business: businessLocale(r)}) // the language of messages (inputerrors.go)
	// The agenda and the week of slots are written in one pass once their root resolver has
	// loaded them (graph/fastpath); anything the pass does not cover is executed as before.
	srv.AroundFields(generated.NewFastPath(schema).Middleware)
	srv.SetErrorPresenter(ErrorPresenter(o.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		o.Logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errPanic
	})
	return srv
}

func ptr[T any](v T) *T { return &v }

// hasRole implements @hasRole: the caller must be signed-in staff with one of roles. Customers with
// a reservation token are FORBIDDEN here; no token at all is UNAUTHENTICATED.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, roles []models.Role) (any, error) {
	if _, err := auth.Staff(ctx, roles...); err != nil {
		return nil, err
	}
	return next(ctx)
}

var errPanic = errors.New("panic in resolver")

// errInternal is what a client reads of an internal error.
var errInternal = apperr.New(apperr.Internal, "internal error")

// reasonOf is an error's extensions.reason: its sub-code; every input error has one.
func reasonOf(e *apperr.Error) apperr.Reason {
	if e.Reason == "" && e.Code == apperr.BadUserInput {
		return apperr.InvalidValue
	}
	return e.Reason
}

// ErrorPresenter maps errors to what clients see, once: client-visible domain errors get their
// message in the request's language (i18n), extensions.code, and for input errors
// extensions.field (the domain's path placed under its argument, inInput) and extensions.reason
// (the sub-code); an error collecting several input errors (apperr.Problems) becomes one GraphQL
// error for each. GraphQL's own errors
// (validation, input coercion) pass through; anything else is logged and becomes INTERNAL, so
// database and driver messages never reach a client. RATE_LIMITED carries extensions.retryAfter
// (whole seconds), also sent as the HTTP Retry-After header (WithRetryAfter). Every error carries
// extensions.requestId, and its code goes on the operation's log line (describeError).
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	present := presentError(log)
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := present(ctx, err)
		describeError(ctx, out)
		return out
	}
}

func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		err = presentProblems(ctx, err) // several input errors: each its own (inputerrors.go)
		if ae, ok := apperr.As(err); ok {
			out := graphql.DefaultErrorPresenter(ctx, err)
			out.Message = i18n.Message(localeOf(ctx), ae)
			out.Extensions = map[string]any{"code": string(ae.Code)}
			field := placeField(ctx, err, ae.Field)
			if field == "" && ae.Code == apperr.BadUserInput && len(out.Path) > 1 {
				field = fieldOf(out.Path[1:]) // a malformed scalar argument: its path names it
			}
			if field != "" {
				out.Extensions["field"] = field
			}
			if reason := reasonOf(ae); reason != "" {
				out.Extensions["reason"] = string(reason)
			}
			for name, value := range ae.Details {
				out.Extensions[name] = value
			}
			if ae.Code == apperr.RateLimited {
				secs := ratelimit.RetryAfterSeconds(ae.RetryAfter)
				out.Extensions["retryAfter"] = secs
				noteRetryAfter(ctx, secs)
			}
			return out
		}
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil && !errors.Is(err, errPanic) {
			// gqlgen's own errors (parse, validation, limits) wrap no cause: the request was wrong.
			// gqlgen echoes an undecodable body in its message; keep only the reason.
			if i := strings.Index(gqlErr.Message, " body:"); i > 0 {
				gqlErr.Message = gqlErr.Message[:i]
			}
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = string(apperr.BadUserInput)
			}
			if _, ok := gqlErr.Extensions["reason"]; !ok && gqlErr.Extensions["code"] == string(apperr.BadUserInput) {
				gqlErr.Extensions["reason"] = string(apperr.InvalidValue) // every input error has a reason
			}
			return gqlErr
		}
		// Anything else wraps a cause from below the edge (database, driver, a bug): log it, show
		// nothing of it.
		switch {
		case errors.Is(err, errPanic): // logged with its stack by the recover function
		case ctx.Err() != nil || errors.Is(err, context.Canceled):
			// The client went away mid-request; what failed after that is not a fault.
			log.InfoContext(ctx, "request cancelled by the client", "path", graphql.GetPath(ctx).String())
		default:
			log.ErrorContext(ctx, "internal error", "error", err.Error(), "path", graphql.GetPath(ctx).String())
		}
		return &gqlerror.Error{
			Message:    i18n.Message(localeOf(ctx), errInternal),
			Path:       graphql.GetPath(ctx),
			Extensions: map[string]any{"code": string(apperr.Internal)},
		}
	}
}

func fieldOf(p ast.Path) string {
	var parts []string
	for _, el := range p {
		switch v := el.(type) {
		case ast.PathName:
			parts = append(parts, string(v))
		case ast.PathIndex:
			parts = append(parts, fmt.Sprint(int(v)))
		}
	}
	return strings.Join(parts, ".")
}
