// Package servertest starts a real slotpay server (services/server) on a fresh test database behind
// httptest, and speaks GraphQL over HTTP to it exactly as a client would.
package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/ratelimit"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/web"
)

// CheapArgon2 keeps password hashing fast in tests; production uses auth.DefaultArgon2.
var CheapArgon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Roomy are the test servers' rate limits: every rule on, as in production, but wide enough that
// suites logging in and booking many times from 127.0.0.1 never meet them. Tests of the limits set
// their own (WithRateLimits).
var Roomy = func() ratelimit.Limits {
	wide := ratelimit.Limit{N: 100_000, Per: time.Minute}
	return ratelimit.Limits{FailureCost: 5, LogInIP: wide, LogInAccountIP: wide, LogInAccount: wide,
		SignUpIP: wide, SignUpEmail: wide, RefreshIP: wide, InvitationIP: wide,
		BookingIP: wide, BookingEmail: wide, PaymentIP: wide, PaymentReservation: wide}
}()

// WithRateLimits sets the server's rate limits.
func WithRateLimits(l ratelimit.Limits) Option {
	return func(c *config.Config, _ *server.Options) { c.RateLimits = l }
}

// Env is a running server on its own database.
type Env struct {
	T      testing.TB
	DB     *dbtest.DB
	Server *server.Server
	HTTP   *httptest.Server
	URL    string
	Config config.Config
	// Logs holds every log line the server wrote (JSON), for tests that check what reaches logs.
	Logs *SyncBuffer
	// Wire counts the statements and round trips of the server's pool (gorm's and pgx batches'
	// alike), for tests that pin what a request costs; the test harness installs it, production
	// servers carry none.
	Wire *database.StatementCounter
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Option adjusts the configuration or server options before start.
type Option func(*config.Config, *server.Options)

// WithClock injects the server's clock.
func WithClock(now func() time.Time) Option {
	return func(_ *config.Config, o *server.Options) { o.Now = now }
}

// Config builds a development configuration for a test database.
func Config(db *dbtest.DB) config.Config {
	key := func(id string) config.Key {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return config.Key{ID: id, Secret: b}
	}
	return config.Config{
		Env: config.Development, DatabaseURL: db.OwnerURL, AppDatabaseURL: db.AppURL, AppRole: "slotpay_app",
		ListenAddr: "127.0.0.1:0", PublicBaseURL: "http://slotpay.test", JWTIssuer: "slotpay",
		JWTKeys: []config.Key{key("k1")}, CredentialKeys: []config.Key{key("c1")},
		AccessTokenTTL: 15 * time.Minute, RefreshTokenTTL: 720 * time.Hour, ShutdownTimeout: 5 * time.Second,
		RateLimits: Roomy,
	}
}

// New starts a server on a fresh database; everything is torn down when the test ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	db := dbtest.New(t)
	return NewOn(t, db, opts...)
}

// NewOn starts a server on an existing test database (several instances may share one).
func NewOn(t testing.TB, db *dbtest.DB, opts ...Option) *Env {
	t.Helper()
	cfg := Config(db)
	// Listen first, so the server knows its own public URL (notification URLs, the development
	// imoje simulator's notifications) exactly as a deployment would.
	hs := httptest.NewUnstartedServer(nil)
	cfg.PublicBaseURL = "http://" + hs.Listener.Addr().String()
	wire := &database.StatementCounter{}
	so := server.Options{Argon2: CheapArgon2}
	for _, o := range opts {
		o(&cfg, &so)
	}
	so.QueryTracers = append(so.QueryTracers, wire)
	logs := &SyncBuffer{}
	var out io.Writer = logs
	if testing.Verbose() {
		out = io.MultiWriter(logs, &testWriter{t})
	}
	log := web.NewLogger(out, slog.LevelDebug) // production's logger, at its most verbose

	srv, err := server.New(context.Background(), cfg, log, so)
	if err != nil {
		hs.Close()
		t.Fatalf("start server: %v", err)
	}
	hs.Config.Handler = srv.Handler
	hs.Start()
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		srv.Close()
	})
	return &Env{T: t, DB: db, Server: srv, HTTP: hs, URL: hs.URL, Config: cfg, Logs: logs, Wire: wire}
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
}

// GQLError is one GraphQL error.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is extensions.code.
func (e GQLError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Field is extensions.field.
func (e GQLError) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Do posts a GraphQL operation with an optional bearer token.
func (e *Env) Do(token, query string, vars map[string]any) Response {
	e.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := Response{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		e.T.Fatalf("decode response %q: %v", raw, err)
	}
	return out
}

// Must runs an operation that must succeed and decodes data into out.
func (e *Env) Must(token, query string, vars map[string]any, out any) {
	e.T.Helper()
	r := e.Do(token, query, vars)
	if len(r.Errors) > 0 {
		e.T.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.T.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// MustFail runs an operation that must fail with code and returns its first error.
func (e *Env) MustFail(token, query string, vars map[string]any, code string) GQLError {
	e.T.Helper()
	r := e.Do(token, query, vars)
	if len(r.Errors) == 0 {
		e.T.Fatalf("expected %s, got data %s", code, r.Data)
	}
	if r.Errors[0].Code() != code {
		e.T.Fatalf("expected %s, got %+v", code, r.Errors)
	}
	return r.Errors[0]
}

// Owner is a signed-up business owner.
type Owner struct {
	TenantID     string
	UserID       string
	Slug         string
	Email        string
	Password     string
	AccessToken  string
	RefreshToken string
}

// SignUp creates a business with its owner, in Europe/Warsaw and PLN.
func (e *Env) SignUp(slug string) Owner {
	e.T.Helper()
	o := Owner{Slug: slug, Email: "owner@" + slug + ".example.com", Password: "correct horse battery"}
	var out struct {
		SignUp struct {
			AccessToken  string
			RefreshToken string
			User         struct{ ID string }
			Tenant       struct{ ID string }
		}
	}
	e.Must("", `mutation($in: SignUpInput!) { signUp(input: $in) { accessToken refreshToken user { id } tenant { id } } }`,
		map[string]any{"in": map[string]any{
			"tenantName": "Business " + slug, "slug": slug, "timeZone": "Europe/Warsaw",
			"ownerName": "Owner of " + slug, "email": o.Email, "password": o.Password,
		}}, &out)
	o.AccessToken, o.RefreshToken = out.SignUp.AccessToken, out.SignUp.RefreshToken
	o.UserID, o.TenantID = out.SignUp.User.ID, out.SignUp.Tenant.ID
	return o
}

// Count runs a count query as the database owner (bypassing RLS) for "nothing was written" checks.
func (e *Env) Count(sql string, args ...any) int {
	e.T.Helper()
	return CountAsOwner(e.T, e.DB, sql, args...)
}

// CountAsOwner counts with the superuser connection.
func CountAsOwner(t testing.TB, db *dbtest.DB, sql string, args ...any) int {
	t.Helper()
	owner, err := db.Owner()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", sql, err)
	}
	return n
}

// Sprintf is fmt.Sprintf, re-exported for query building in tests.
var Sprintf = fmt.Sprintf

// WithSMTP sends the server's e-mails to an SMTP server on host:port without TLS (a test's Mailpit,
// services/mail/mailtest), with the relay looking for due messages every 20 ms and retries 50 ms
// apart (doubling).
func WithSMTP(host string, port int) Option {
	return func(c *config.Config, o *server.Options) {
		c.Messages.SMTPHost, c.Messages.SMTPPort, c.Messages.SMTPSecurity = host, port, "none"
		c.Messages.MailFrom, c.Messages.MailFromName = "no-reply@slotpay.test", "slotpay"
		o.MessagePollInterval, o.MessageRetryBase = 20*time.Millisecond, 50*time.Millisecond
	}
}
