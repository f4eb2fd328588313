package database_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]time.Duration{
		1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 3: time.Second, 4: 2 * time.Second,
		5: 4 * time.Second, 6: 5 * time.Second, 50: 5 * time.Second,
	} {
		if got := database.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestUnavailable: what start-up waits out (the database not there, starting, full, not created or
// migrated yet) and what it does not (a wrong password, a failing statement, a cancelled start).
func TestUnavailable(t *testing.T) {
	t.Parallel()
	_, refused := pgx.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/x?connect_timeout=2")
	var connectErr *pgconn.ConnectError
	if !errors.As(refused, &connectErr) {
		t.Fatalf("connecting to a closed port: %T %v", refused, refused)
	}
	pg := func(code string) error { return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code}) }
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"ECONNREFUSED", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"closed mid-handshake", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), true},
		{"starting up", pg("57P03"), true},
		{"shutting down", pg("57P01"), true},
		{"too many connections", pg("53300"), true},
		{"database not created yet", pg("3D000"), true},
		{"role not created yet", pg("28000"), true},
		{"migrations pending", fmt.Errorf("ready: %w", database.ErrMigrationsPending), true},
		{"wrong password", pg("28P01"), false},
		{"a migration fails", pg("42601"), false},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"other", errors.New("bad URL"), false},
		{"nil", nil, false},
	} {
		if got := database.Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWaitStopsOnPermanentError: an error waiting cannot fix ends the wait at once; one that it can
// is retried until the attempt succeeds.
func TestWaitStopsOnPermanentError(t *testing.T) {
	t.Parallel()
	attempts := 0
	permanent := &pgconn.PgError{Code: "28P01"}
	err := database.Wait(context.Background(), time.Minute, nil, func(context.Context) error {
		attempts++
		return permanent
	})
	if !errors.Is(err, permanent) || attempts != 1 {
		t.Fatalf("permanent: %v after %d attempts", err, attempts)
	}
	attempts = 0
	err = database.Wait(context.Background(), time.Minute, nil, func(context.Context) error {
		if attempts++; attempts < 3 {
			return database.ErrMigrationsPending
		}
		return nil
	})
	if err != nil || attempts != 3 {
		t.Fatalf("transient: %v after %d attempts", err, attempts)
	}
}

// While a migration is under way the application role may meet goose's table before any grant:
// Ready says "migrations pending" (Wait retries it), not a fatal "permission denied".
func TestReadyWhileTheFirstMigrationRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ownerURL := dbtest.Unmigrated(t, "readymid", true)
	owner, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	appURL, _ := config.WithUser(ownerURL, "slotpay_app")
	app, err := database.Open(ctx, appURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	err = database.Ready(ctx, app.Gorm())
	if !errors.Is(err, database.ErrMigrationsPending) || !database.Unavailable(err) {
		t.Fatalf("Ready before the grants: %v, want migrations pending (retried)", err)
	}
}
