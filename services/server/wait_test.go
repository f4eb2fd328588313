package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// lateDatabase is a TCP proxy to the test cluster that, until up is closed, accepts connections
// and closes them at once (a PostgreSQL that is not there yet: every connection attempt fails).
type lateDatabase struct {
	ln    net.Listener
	up    chan struct{}
	mu    sync.Mutex
	conns []net.Conn
}

func newLateDatabase(t *testing.T) *lateDatabase {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(dbtest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	p := &lateDatabase{ln: ln, up: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case <-p.up:
			default:
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target.Host)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

// via rewrites a database URL to go through the proxy.
func (p *lateDatabase) via(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

func status(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestStartupWaitsForDatabase: a database that comes up 5 s after start is waited for. Meanwhile
// the instance listens, /healthz answers 200 and /readyz 503; once the database answers, start-up
// completes and /readyz turns 200.
func TestStartupWaitsForDatabase(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	late := newLateDatabase(t)
	cfg := servertest.Config(db)
	cfg.DatabaseURL, cfg.AppDatabaseURL = late.via(t, db.OwnerURL), late.via(t, db.AppURL)
	cfg.DatabaseWait = time.Minute
	logs := &servertest.SyncBuffer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- server.Serve(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)), server.Options{Argon2: servertest.CheapArgon2}, ln)
	}()
	time.AfterFunc(5*time.Second, func() { close(late.up) })

	for checks := 0; time.Since(start) < 4*time.Second; checks++ {
		if s := status(t, base+"/healthz"); s != http.StatusOK {
			t.Fatalf("healthz while waiting: %d", s)
		}
		if s := status(t, base+"/readyz"); s != http.StatusServiceUnavailable {
			t.Fatalf("readyz while waiting: %d", s)
		}
		if s := status(t, base+"/graphql?query=%7B__typename%7D"); s != http.StatusServiceUnavailable {
			t.Fatalf("graphql while waiting: %d", s)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for status(t, base+"/readyz") != http.StatusOK {
		select {
		case err := <-done:
			t.Fatalf("Serve gave up: %v\n%s", err, logs.String())
		default:
		}
		if time.Since(start) > 40*time.Second {
			t.Fatalf("not ready 40 s after start:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if waited := time.Since(start); waited < 5*time.Second {
		t.Fatalf("ready after %s, before the database came up", waited)
	}
	if !strings.Contains(logs.String(), `"msg":"database not ready; retrying"`) || !strings.Contains(logs.String(), `"msg":"database ready"`) {
		t.Fatalf("the wait is not logged:\n%s", logs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestStartupGivesUpOnDatabase: past SLOTPAY_DATABASE_WAIT start-up stops with an error naming the
// limit; with 0 it tries once.
func TestStartupGivesUpOnDatabase(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	late := newLateDatabase(t) // never comes up
	for _, wait := range []time.Duration{0, 1500 * time.Millisecond} {
		cfg := servertest.Config(db)
		cfg.DatabaseURL, cfg.AppDatabaseURL = late.via(t, db.OwnerURL), late.via(t, db.AppURL)
		cfg.DatabaseWait = wait
		start := time.Now()
		_, err := server.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{Argon2: servertest.CheapArgon2})
		elapsed := time.Since(start)
		switch {
		case err == nil:
			t.Fatalf("wait %s: started without a database", wait)
		case wait > 0 && (!strings.Contains(err.Error(), "database not ready after 1.5s") || elapsed < wait || elapsed > wait+5*time.Second):
			t.Fatalf("wait %s: %v after %s", wait, err, elapsed)
		case wait == 0 && elapsed > 3*time.Second:
			t.Fatalf("wait 0: gave up after %s", elapsed)
		}
	}
}

// TestStartupWithoutMigrating: with SLOTPAY_MIGRATE=false start-up applies nothing: on a database
// never migrated it waits and then refuses, naming the command to run, and the database stays
// empty; when an operator migrates while it waits, it starts.
func TestStartupWithoutMigrating(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL := dbtest.Unmigrated(t, "nomigrate", true)
	appURL, _ := config.WithUser(ownerURL, "slotpay_app")
	cfg := servertest.Config(&dbtest.DB{OwnerURL: ownerURL, AppURL: appURL})
	cfg.SkipMigrations = true
	cfg.DatabaseWait = time.Second
	_, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{Argon2: servertest.CheapArgon2})
	if err == nil || !strings.Contains(err.Error(), "run `slotpay migrate up`") || !errors.Is(err, database.ErrMigrationsPending) {
		t.Fatalf("start on an unmigrated database: %v", err)
	}
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	var relations int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace`).Scan(&relations); err != nil || relations != 0 {
		t.Fatalf("start-up without migrating created %d relations (%v)", relations, err)
	}
	conn.Close(ctx)

	cfg.DatabaseWait = time.Minute
	logs := &servertest.SyncBuffer{}
	started := make(chan error, 1)
	go func() {
		srv, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)), server.Options{Argon2: servertest.CheapArgon2})
		if err == nil {
			srv.Close()
		}
		started <- err
	}()
	time.Sleep(time.Second) // it is waiting now
	if _, err := database.Migrate(ctx, ownerURL, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-started; err != nil {
		t.Fatalf("start once migrated: %v", err)
	}
	if strings.Contains(logs.String(), "migration applied") || !strings.Contains(logs.String(), "migrations pending") {
		t.Fatalf("logs: %s", logs.String())
	}
}

// TestStopWhileWaitingForDatabase: a stop signal while start-up waits ends the process at once and
// cleanly (no error, listener closed), not after the whole SLOTPAY_DATABASE_WAIT.
func TestStopWhileWaitingForDatabase(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	late := newLateDatabase(t) // never comes up
	cfg := servertest.Config(db)
	cfg.DatabaseURL, cfg.AppDatabaseURL = late.via(t, db.OwnerURL), late.via(t, db.AppURL)
	cfg.DatabaseWait = time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), server.Options{Argon2: servertest.CheapArgon2}, ln)
	}()
	if s := status(t, "http://"+ln.Addr().String()+"/readyz"); s != http.StatusServiceUnavailable {
		t.Fatalf("readyz while waiting: %d", s)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after a stop while waiting: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still waiting 10 s after the stop")
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after the stop")
	}
}
