// Package database opens slotpay's PostgreSQL: it creates the database when missing, applies the
// embedded migrations under goose's advisory lock as the owner, and opens the application's pool as
// the non-owner role on which row-level security applies.
package database

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/slotpay/slotpay/migrations"
	"github.com/slotpay/slotpay/services/config"
)

// EnsureDatabase creates the database named in dbURL when it does not exist, connecting to the
// cluster's maintenance database "postgres" with the same credentials.
func EnsureDatabase(ctx context.Context, dbURL string) (created bool, err error) {
	name, err := config.DatabaseName(dbURL)
	if err != nil {
		return false, err
	}
	adminURL, err := config.WithDatabase(dbURL, "postgres")
	if err != nil {
		return false, err
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return false, fmt.Errorf("connect to the maintenance database: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: another instance won the race
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

// Migrate applies every pending migration as the owner, under a session advisory lock so that
// several instances starting together apply each migration once.
func Migrate(ctx context.Context, dbURL string, log *slog.Logger) ([]string, error) {
	provider, closeDB, err := migrator(dbURL)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: %w", err)
	}
	var applied []string
	for _, r := range results {
		applied = append(applied, r.Source.Path)
		if log != nil {
			log.Info("migration applied", "file", r.Source.Path, "duration", r.Duration.String())
		}
	}
	return applied, nil
}

// LatestVersion is the newest migration version embedded in this binary.
func LatestVersion() (int64, error) {
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, f := range files {
		v, err := goose.NumericComponent(f)
		if err != nil {
			return 0, err
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// Open connects to the database as the application role and returns both a gorm handle and the
// underlying pgx pool (for LISTEN/NOTIFY and benchmarks). tracers (nil ones skipped) see every
// statement: tracing's spans, a test's StatementCounter.
func Open(ctx context.Context, appURL string, maxConns int32, tracers ...pgx.QueryTracer) (*DB, error) {
	poolCfg, err := pgxpool.ParseConfig(appURL)
	if err != nil {
		return nil, err
	}
	if maxConns > 0 {
		poolCfg.MaxConns = maxConns
	}
	poolCfg.MaxConnIdleTime = 5 * time.Minute
	poolCfg.ConnConfig.Tracer = withTracers(tracers)
	// uuid.UUID as a native pgx type: scanned from and sent as the 16 bytes of the binary format
	// instead of through its sql.Scanner/driver.Valuer text (a string and a parse per value).
	poolCfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		pgxuuid.Register(conn.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, err
	}
	sqlDB := stdlib.OpenDBFromPool(pool)

	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		TranslateError:         false,
	})
	if err == nil {
		err = registerTenantScope(gdb)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{gorm: gdb, pool: pool, sql: sqlDB}, nil
}

// withTracers is the non-nil tracers together: none, one, or a multitracer of several.
func withTracers(tracers []pgx.QueryTracer) pgx.QueryTracer {
	var all []pgx.QueryTracer
	for _, t := range tracers {
		if t != nil {
			all = append(all, t)
		}
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return multitracer.New(all...)
}

// Ready reports whether the database answers and every embedded migration is applied.
func Ready(ctx context.Context, db *gorm.DB) error {
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	var have int64
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&have).Error; err != nil {
		if undefined, _ := IsCode(err, codeUndefinedTable); undefined {
			return fmt.Errorf("%w: the database was never migrated", ErrMigrationsPending)
		}
		// goose creates its table before the first migration grants the application role anything:
		// a migration is under way (an operator's `slotpay migrate up`, another instance's start).
		if denied, _ := IsCode(err, CodeInsufficientPrivilege); denied {
			return fmt.Errorf("%w: the application role cannot read the migration table yet (a migration is under way?): %w", ErrMigrationsPending, err)
		}
		return fmt.Errorf("database not reachable: %w", err)
	}
	if have < want {
		return fmt.Errorf("%w: database at %d, binary expects %d", ErrMigrationsPending, have, want)
	}
	return nil
}
