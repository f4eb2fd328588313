package database

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrMigrationsPending: the database lacks a migration this binary expects.
var ErrMigrationsPending = errors.New("migrations pending")

const codeUndefinedTable = "42P01"

// Unavailable reports whether err means the database is not there yet (not listening, starting up,
// refusing connections for now, not created or migrated yet) rather than that something is wrong
// that waiting will not fix (a wrong password, a failing migration, a malformed URL).
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, ErrMigrationsPending) {
		return true
	}
	if pgErr, ok := PgError(err); ok {
		switch {
		case pgErr.Code == "28P01": // invalid_password
			return false
		case strings.HasPrefix(pgErr.Code, "08"), // connection_exception
			strings.HasPrefix(pgErr.Code, "57P"), // admin shutdown, crash shutdown, cannot connect now
			pgErr.Code == "53300",                // too_many_connections
			pgErr.Code == "3D000",                // invalid_catalog_name: the database is not created yet
			pgErr.Code == "28000":                // invalid_authorization_specification: the role is not created yet
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// Backoff is the pause before retry n (1, 2, …): 250 ms doubling to at most 5 s.
func Backoff(n int) time.Duration {
	d := 250 * time.Millisecond
	for i := 1; i < n && d < 5*time.Second; i++ {
		d *= 2
	}
	return min(d, 5*time.Second)
}

// Wait runs attempt until it succeeds, retrying while the database is Unavailable, with Backoff,
// for at most limit (zero: once). Any other error ends it at once.
func Wait(ctx context.Context, limit time.Duration, log *slog.Logger, attempt func(context.Context) error) error {
	start := time.Now()
	deadline := start.Add(limit)
	for n := 1; ; n++ {
		err := attempt(ctx)
		if err == nil {
			if n > 1 && log != nil {
				log.Info("database ready", "attempts", n, "waited", time.Since(start).Round(time.Millisecond).String())
			}
			return nil
		}
		if !Unavailable(err) {
			return err
		}
		pause := min(Backoff(n), time.Until(deadline))
		if pause <= 0 {
			if limit == 0 {
				return err
			}
			return fmt.Errorf("database not ready after %s (%d attempts; SLOTPAY_DATABASE_WAIT): %w", limit, n, err)
		}
		if log != nil {
			log.Warn("database not ready; retrying", "error", err.Error(), "attempt", n, "retry_in", pause.String(),
				"gives_up_in", time.Until(deadline).Round(time.Second).String())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the database: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(pause):
		}
	}
}
