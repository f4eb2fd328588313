// Package server assembles slotpay: configuration → database → services → routes. server.go (package
// main) only loads the configuration and runs it; tests build the same server on their own database.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/graph"
	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/bookingfields"
	"github.com/slotpay/slotpay/services/calendar"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/imojehook"
	"github.com/slotpay/slotpay/services/mail"
	"github.com/slotpay/slotpay/services/messages"
	"github.com/slotpay/slotpay/services/metrics"
	"github.com/slotpay/slotpay/services/mybookings"
	"github.com/slotpay/slotpay/services/node"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/periodic"
	"github.com/slotpay/slotpay/services/ratelimit"
	"github.com/slotpay/slotpay/services/secrets"
	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/services/tenancy"
	"github.com/slotpay/slotpay/services/tracing"
	"github.com/slotpay/slotpay/services/web"
	"github.com/slotpay/slotpay/services/web/graphiql"
	"github.com/slotpay/slotpay/smsapisim"
	webapps "github.com/slotpay/slotpay/web"
)

// MaxBodyBytes caps request bodies on /graphql.
const MaxBodyBytes = 1 << 20

// Server is a running slotpay instance's parts.
type Server struct {
	Config config.Config
	Log    *slog.Logger
	// Data is the application role's database; DB and Pool are its gorm handle and pgx pool.
	Data     *database.DB
	DB       *gorm.DB
	Pool     *pgxpool.Pool
	Tokens   *auth.Tokens
	Tenancy  *tenancy.Service
	Booking  *booking.Service
	Payments *payments.Service
	// Calendar writes calendar files and serves feeds (/calendar/); MyBookings issues and redeems
	// "my bookings" links.
	Calendar   *calendar.Service
	MyBookings *mybookings.Service
	// Imoje is the built-in imoje simulator, mounted under /_imoje in development when no imoje base
	// URL is configured; nil otherwise.
	Imoje *imojesim.Simulator
	// SMS holds businesses' text-message settings and sends through SMSAPI; SMSAPI is the built-in
	// SMSAPI stand-in, mounted under /_smsapi in development when no SMSAPI base URL is configured
	// (nil otherwise).
	SMS    *sms.Service
	SMSAPI *smsapisim.Simulator
	// Events fans changes out to this instance's subscribers; Listener feeds it from PostgreSQL
	// (every instance's changes) on its own connection.
	Events   *events.Broker
	Listener *events.Listener
	// Limits counts attempts (log-in, sign-up, public booking…) for every instance together.
	Limits  *ratelimit.Store
	Handler http.Handler
	// Metrics is this instance's registry and instrumentation; MetricsHandler serves it, on Handler
	// at /metrics unless SLOTPAY_METRICS_ADDR names a listener of its own (Run serves it there).
	Metrics        *metrics.Metrics
	MetricsHandler http.Handler
	// Messages is the outbox (River's client, the relay, the delivery worker) of this instance;
	// MailCatcher keeps a development server's e-mails when no SMTP server is configured (/_mail).
	Messages    *messages.Service
	MailCatcher *mail.Catcher
	// messagesData is the outbox's own pool (startMessages).
	messagesData *database.DB

	// Background rounds: hold expiry, requests not decided in time, reconciliation with imoje, spent
	// rate-limit buckets.
	expiry, decisions, reconciler, limitsGC *periodic.Loop
	listening                               chan struct{} // closed when the listener has stopped

	// baseCtx ends when the server shuts down; it ends long-lived WebSocket connections (closed
	// with 1001 by the transport: http.Server.Shutdown does not close hijacked connections) and
	// background workers.
	baseCtx    context.Context
	cancelBase context.CancelFunc
	closeOnce  sync.Once
}

// Options let tests adjust what configuration cannot (password cost, clock).
type Options struct {
	Argon2 auth.Argon2Params
	Now    func() time.Time
	// HoldExpiryInterval is how often unpaid holds are expired, and requests whose decision
	// deadline passed declined (15 s when zero).
	HoldExpiryInterval time.Duration
	// ReconcileInterval is how often payments still open are checked with imoje; ReconcileAfter is
	// how old they must be. Zero takes the configuration's (SLOTPAY_RECONCILE_*), and zero there
	// payments' defaults.
	ReconcileInterval time.Duration
	ReconcileAfter    time.Duration
	// RefundSpacing is imoje's minimum time between refunds of one merchant (5 s when zero).
	RefundSpacing time.Duration
	// EventBufferSize is how many undelivered events a subscriber may have before it is
	// disconnected (events.DefaultBufferSize when zero).
	EventBufferSize int
	// WebSocketKeepAlive is the keep-alive interval of WebSocket connections (15 s when zero).
	WebSocketKeepAlive time.Duration
	// WebSocketInitTimeout is how long a WebSocket may wait before connection_init (10 s when zero).
	WebSocketInitTimeout time.Duration
	// TracerProvider receives this server's spans (tracing.FromEnv builds it); nil turns tracing off.
	TracerProvider trace.TracerProvider
	// Demo creates the demo business once the server answers (`slotpay -demo`, development only).
	Demo bool
	// QueryTracers see every statement of the application's pool besides tracing's (tests count
	// statements with a database.StatementCounter; production installs none).
	QueryTracers []pgx.QueryTracer
	// MessageChannels replace or add delivery channels (by name) to the configured ones.
	MessageChannels []messages.Channel
	// MessagePollInterval, MessageRetryBase and MessageMaxAttempts override the configuration's
	// (SLOTPAY_MESSAGES_*) when not zero.
	MessagePollInterval time.Duration
	MessageRetryBase    time.Duration
	MessageMaxAttempts  int
}

// New prepares the database (creating it and applying migrations as the owner, unless
// SkipMigrations; waiting up to DatabaseWait for it) and builds the HTTP handler on the application
// role's connection pool.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*Server, error) {
	data, err := openDatabase(ctx, cfg, log, append([]pgx.QueryTracer{tracing.Database(opt.TracerProvider)}, opt.QueryTracers...)...)
	if err != nil {
		return nil, err
	}
	db, pool := data.Gorm(), data.Pool()
	tokens, err := auth.NewTokens(cfg.JWTIssuer, cfg.JWTKeys, cfg.AccessTokenTTL, opt.Now)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s := &Server{Config: cfg, Log: log, Data: data, DB: db, Pool: pool, Tokens: tokens}
	s.Calendar = calendar.NewService(data, cfg.PublicBaseURL, opt.Now)
	// The outbox's deliveries start from baseCtx: the calendar files they attach are this server's.
	s.baseCtx, s.cancelBase = context.WithCancel(calendar.WithService(context.Background(), s.Calendar))
	reconcileAfter := cmp.Or(opt.ReconcileAfter, cfg.ReconcileMinAge, payments.DefaultReconcileAfter)
	s.Metrics = metrics.New(metrics.Options{Pool: pool, ReconcileAfter: reconcileAfter, Now: opt.Now, Log: log})
	s.MetricsHandler = s.Metrics.Handler()
	auth.SetPasswordConcurrency(cfg.PasswordConcurrency)
	s.Limits = ratelimit.NewStore(pool, opt.Now)
	s.Tenancy = tenancy.NewService(data, tokens, tenancy.Options{RefreshTTL: cfg.RefreshTokenTTL, Argon2: opt.Argon2, Now: opt.Now,
		Limiter: s.Limits, Limits: cfg.RateLimits})
	s.Booking = booking.NewService(data, tokens, booking.Options{Now: opt.Now, Logger: log, Metrics: s.Metrics})
	box, err := secrets.NewBox(cfg.CredentialKeys)
	if err != nil {
		pool.Close()
		return nil, err
	}
	defaultImoje := cfg.ImojeBaseURL
	if defaultImoje == "" && cfg.Env == config.Development {
		s.Imoje = s.developmentImoje()
		defaultImoje = cfg.PublicBaseURL + "/_imoje/v1/merchant"
	}
	imojeTimeout := cmp.Or(cfg.ImojeTimeout, imoje.DefaultHTTPClient.Timeout)
	s.Payments = payments.NewService(data, s.Booking, box, payments.Options{
		PublicBaseURL: cfg.PublicBaseURL, DefaultImojeBaseURL: defaultImoje, AllowCustomImoje: cfg.Env == config.Development, RefundSpacing: opt.RefundSpacing,
		Imoje:          imoje.Connector{HTTP: &http.Client{Timeout: imojeTimeout, Transport: tracing.Transport(opt.TracerProvider, s.Metrics.ImojeTransport(nil))}},
		ReconcileAfter: reconcileAfter, ReconcileBatch: cfg.ReconcileBatch,
		Background: s.baseCtx, Now: opt.Now, Log: log, Metrics: s.Metrics, Tracing: opt.TracerProvider,
	})
	s.Booking.UseRefunder(s.Payments)
	s.SMS = s.newSMS(box, opt)
	s.MyBookings = mybookings.NewService(data, s.Tenancy, tokens, mybookings.Options{PublicBaseURL: cfg.PublicBaseURL,
		Now: opt.Now, Log: log, Background: s.baseCtx})
	s.Events = events.NewBroker(events.BrokerOptions{BufferSize: opt.EventBufferSize, Log: log, Metrics: s.Metrics})
	s.Listener = events.NewListener(cfg.AppDatabaseURL, s.Events, events.ListenerOptions{Log: log})
	if err := s.startMessages(opt); err != nil {
		pool.Close()
		return nil, err
	}
	s.Handler = s.routes(opt)
	s.expiry = s.Booking.StartExpiryWorker(s.baseCtx, opt.HoldExpiryInterval)
	s.decisions = s.Booking.StartDecisionWorker(s.baseCtx, opt.HoldExpiryInterval)
	s.reconciler = s.Payments.StartReconciler(s.baseCtx, cmp.Or(opt.ReconcileInterval, cfg.ReconcileInterval, payments.DefaultReconcileInterval))
	s.limitsGC = s.Limits.StartCleaner(s.baseCtx, time.Minute, log)
	s.listening = make(chan struct{})
	go func() {
		defer close(s.listening)
		if err := s.Listener.Run(s.baseCtx); err != nil {
			log.Error("events listener stopped", "error", err.Error())
		}
	}()
	// Wait a little for the first LISTEN, so that an instance that reports itself started also
	// pushes live updates; a database slow to accept it only delays readiness (/readyz), not start.
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.Listener.WaitConnected(waitCtx, 1); err != nil {
		log.Warn("events listener not connected yet; live updates start when it is", "error", err.Error())
	}
	return s, nil
}

func mustName(u string) string {
	n, _ := config.DatabaseName(u)
	return n
}

func (s *Server) routes(opt Options) http.Handler {
	dev := s.Config.Env == config.Development
	records := customers.NewService(s.Data, opt.Now)
	gql := graph.NewHandler(&graph.Resolver{Tenancy: s.Tenancy, Booking: s.Booking, Payments: s.Payments, Events: s.Events, Messages: s.Messages,
		Calendar: s.Calendar, MyBookings: s.MyBookings,
		Nodes:           node.NewRegistry(s.Data, s.Booking, s.Payments, s.Tenancy, records),
		CustomerRecords: records, BookingForms: bookingfields.NewService(s.Data, opt.Now), SMS: s.SMS}, graph.HandlerOptions{
		Development: dev, Logger: s.Log, Tokens: s.Tokens, Memberships: s.Tenancy, AllowedOrigins: s.Config.AllowedOrigins,
		Now: opt.Now, KeepAlive: opt.WebSocketKeepAlive, InitTimeout: opt.WebSocketInitTimeout, Shutdown: s.baseCtx,
		Metrics:   s.Metrics,
		Persisted: graph.PersistedQueries{Registered: s.Config.PersistedQueries, Only: s.Config.PersistedQueriesOnly},
	})
	gql.Use(s.Metrics.GraphQL())
	if opt.TracerProvider != nil {
		gql.Use(tracing.GraphQL{Provider: opt.TracerProvider})
	}
	gql.AroundResponses(graph.WithLoaders(s.Booking, s.Tenancy, s.Payments))
	gql.AroundResponses(graph.WithPaymentLoaders(s.Payments))
	gql.Use(graph.OneAuthentication{})
	gql.AroundFields(graph.LimitPublicMutations(s.Limits, s.Config.RateLimits))
	mux := http.NewServeMux()
	mux.Handle("/graphql", web.LimitBody(MaxBodyBytes, web.Authenticate(s.Tokens, s.Tenancy,
		web.ClientIP(s.Config.TrustedProxies, graph.WithRetryAfter(gql)))))
	mux.Handle("GET "+calendar.FeedPath, web.ClientIP(s.Config.TrustedProxies, calendar.TokenFromQuery(web.Authenticate(s.Tokens, s.Tenancy,
		&calendar.Handler{Calendar: s.Calendar, Limiter: s.Limits, Limit: s.Config.RateLimits.CalendarFeed, Log: s.Log}))))
	mux.Handle("POST "+imojehook.Path, &imojehook.Handler{Payments: s.Payments, Log: s.Log, Metrics: s.Metrics})
	if s.Imoje != nil {
		mux.Handle("/_imoje/", http.StripPrefix("/_imoje", s.Imoje))
	}
	if s.MailCatcher != nil {
		mux.Handle("GET /_mail/", http.StripPrefix("/_mail", s.MailCatcher))
	}
	if s.SMSAPI != nil {
		mux.Handle("/_smsapi/", http.StripPrefix("/_smsapi", s.SMSAPI))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := database.Ready(ctx, s.DB); err != nil {
			s.Log.WarnContext(ctx, "not ready", "error", err.Error())
			writeJSON(w, http.StatusServiceUnavailable, `{"status":"unavailable"}`)
			return
		}
		// Without its listener an instance would serve subscriptions that never receive anything.
		if !s.Listener.State().Connected {
			s.Log.WarnContext(ctx, "not ready", "error", "events listener disconnected")
			writeJSON(w, http.StatusServiceUnavailable, `{"status":"unavailable"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"status":"ready"}`)
	})
	if dev {
		graphiql.Mount(mux)
	}
	// The booking widget (/b/…) and the staff panel (/panel/), in development and production alike.
	webapps.Mount(mux)
	if s.Config.MetricsAddr == "" {
		mux.Handle("GET "+metrics.Path, s.MetricsHandler)
	}
	return tracing.HTTP(opt.TracerProvider, mux, s.Metrics.InstrumentHTTP(web.Observe(s.Log, web.CORS(s.Config.AllowedOrigins, s.Config.CORSAllowedHeaders, mux))))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// Close releases the database pool and ends background work.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancelBase()
		// The listener stops with baseCtx; then every subscription ends (its socket is closed).
		<-s.listening
		s.Events.Close()
		s.expiry.Stop()
		s.decisions.Stop()
		s.reconciler.Stop()
		s.Payments.Wait() // automatic refunds in flight (they stop with baseCtx)
		s.MyBookings.Wait()
		s.limitsGC.Stop()
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.Messages.Stop(stopCtx); err != nil {
			s.Log.Warn("messages stopped", "error", err.Error())
		}
		cancel()
		s.messagesData.Close()
		if s.Imoje != nil {
			s.Imoje.Close()
		}
		s.Pool.Close()
	})
}

// Run serves on the listener until ctx ends, then shuts down gracefully: it stops accepting, lets
// in-flight requests finish (up to ShutdownTimeout), and closes WebSocket connections.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := httpServer(s.Handler)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	return s.serve(ctx, srv, errc)
}

func httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

// serve waits for ctx, then shuts srv (serving, its Serve's result to come on errc) down.
func (s *Server) serve(ctx context.Context, srv *http.Server, errc <-chan error) error {
	srv.RegisterOnShutdown(s.cancelBase)
	if s.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.Config.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			<-errc
			return fmt.Errorf("metrics listener: %w", err)
		}
		go s.ServeMetrics(ctx, mln)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down", "timeout", s.Config.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return err
}

// ServeMetrics serves /metrics alone on ln (SLOTPAY_METRICS_ADDR: a port the public never reaches)
// until ctx ends; every other path is 404.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET "+metrics.Path, s.MetricsHandler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.Log.Error("metrics listener stopped", "error", err.Error())
		return err
	}
	return nil
}
