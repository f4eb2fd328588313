package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/graph/ws"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// TestStartupFromEmptyCluster: the first start creates the database and its schema; the second start
// finds everything in place and changes nothing.
func TestStartupFromEmptyCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL := dbtest.Unmigrated(t, "startup", false)
	appURL, _ := config.WithUser(ownerURL, "slotpay_app")

	var logs strings.Builder
	start := func() {
		t.Helper()
		cfg := servertest.Config(&dbtest.DB{OwnerURL: ownerURL, AppURL: appURL})
		srv, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil)), server.Options{Argon2: servertest.CheapArgon2})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		srv.Close()
	}
	fingerprint := func() string {
		t.Helper()
		conn, err := pgx.Connect(ctx, ownerURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var fp string
		err = conn.QueryRow(ctx, `SELECT string_agg(x, ',' ORDER BY x) FROM (
			SELECT 'rel:' || relname || ':' || relkind::text AS x FROM pg_class WHERE relnamespace = 'public'::regnamespace
			UNION ALL SELECT 'pol:' || polname || ':' || polrelid::regclass FROM pg_policy
			UNION ALL SELECT 'ver:' || version_id || ':' || is_applied FROM goose_db_version) s`).Scan(&fp)
		if err != nil {
			t.Fatal(err)
		}
		return fp
	}

	start()
	if !strings.Contains(logs.String(), `"msg":"database created"`) || !strings.Contains(logs.String(), "00001_foundation.sql") {
		t.Fatalf("first start did not create and migrate: %s", logs.String())
	}
	first := fingerprint()
	if !strings.Contains(first, "rel:tenants:r") || !strings.Contains(first, "pol:tenant_isolation:memberships") {
		t.Fatalf("schema missing: %s", first)
	}
	logs.Reset()
	start()
	if strings.Contains(logs.String(), "database created") || strings.Contains(logs.String(), "migration applied") {
		t.Fatalf("second start changed something: %s", logs.String())
	}
	if second := fingerprint(); second != first {
		t.Fatalf("schema changed on second start:\n%s\n%s", first, second)
	}
}

// TestGracefulShutdown: on shutdown an in-flight request finishes and new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	cfg := servertest.Config(db)
	srv, err := server.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{Argon2: servertest.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A slow request: a sign-up with production-cost hashing would do, but a slow client body is
	// deterministic: the request is in flight until the body is complete.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	pr, pw := io.Pipe()
	respc := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/graphql", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			respc <- nil
			return
		}
		respc <- resp
	}()
	_, _ = pw.Write([]byte(`{"query":"{ health`))
	time.Sleep(100 * time.Millisecond) // let the request reach the handler
	cancel()
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(3 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, _ = pw.Write([]byte(` { status } }"}`))
	pw.Close()
	resp := <-respc
	if resp == nil {
		t.Fatal("in-flight request was cut off")
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, body)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestReadyzNeedsEveryMigration: /readyz answers 503 while the database lacks a migration the binary
// expects (a rolling deploy reaching a database not migrated yet).
func TestReadyzNeedsEveryMigration(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	if s, _, _ := get(t, env.URL+"/readyz"); s != http.StatusOK {
		t.Fatalf("ready: %d", s)
	}
	owner, err := env.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE goose_db_version SET is_applied = false WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if s, _, b := get(t, env.URL+"/readyz"); s != http.StatusServiceUnavailable || strings.Contains(b, "goose") {
		t.Fatalf("with a migration missing: %d %s", s, b)
	}
	if s, _, _ := get(t, env.URL+"/healthz"); s != http.StatusOK {
		t.Fatalf("healthz follows the process, not the database: %d", s)
	}
}

// TestShutdownClosesWebSockets: on shutdown a subscriber's socket is closed with 1001 (going away),
// so clients reconnect to another instance instead of waiting on a dead one.
func TestShutdownClosesWebSockets(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	srv, err := server.New(context.Background(), servertest.Config(db), slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{Argon2: servertest.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	for _, proto := range protocols {
		c := connect(t, "http://"+ln.Addr().String(), proto, "")
		defer func() {
			if code, reason := c.closeStatus(5 * time.Second); code != ws.CloseGoingAway {
				t.Errorf("%s: closed with %d %q, want 1001", proto, code, reason)
			}
		}()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
