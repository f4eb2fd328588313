package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/slotpay/slotpay/migrations"
)

// migrator is goose's provider of the embedded migrations on the owner connection dbURL, under the
// session advisory lock every change of the schema takes (start-up and `slotpay migrate` alike).
func migrator(dbURL string) (*goose.Provider, func(), error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return provider, func() { db.Close() }, nil
}

// MigrationState is one embedded migration and whether the database has it.
type MigrationState struct {
	Version   int64
	File      string
	Applied   bool
	AppliedAt time.Time // UTC; zero when pending
}

// MigrationStatus lists every embedded migration with its state, oldest first. On a database that
// has never been migrated goose creates its (empty) version table first.
func MigrationStatus(ctx context.Context, dbURL string) ([]MigrationState, error) {
	provider, closeDB, err := migrator(dbURL)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	status, err := provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(status))
	for _, s := range status {
		st := MigrationState{Version: s.Source.Version, File: s.Source.Path, Applied: s.State == goose.StateApplied}
		if st.Applied {
			st.AppliedAt = s.AppliedAt.UTC()
		}
		out = append(out, st)
	}
	return out, nil
}

// MigrationVersion is the newest migration version applied to the database (0 when none is).
func MigrationVersion(ctx context.Context, dbURL string) (int64, error) {
	provider, closeDB, err := migrator(dbURL)
	if err != nil {
		return 0, err
	}
	defer closeDB()
	v, err := provider.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration version: %w", err)
	}
	return v, nil
}

// ErrNothingToRollBack: the database has no applied migration.
var ErrNothingToRollBack = errors.New("no migration is applied: nothing to roll back")

// MigrateDown rolls the newest applied migration back and returns its file.
func MigrateDown(ctx context.Context, dbURL string) (string, error) {
	provider, closeDB, err := migrator(dbURL)
	if err != nil {
		return "", err
	}
	defer closeDB()
	r, err := provider.Down(ctx)
	if errors.Is(err, goose.ErrNoNextVersion) {
		return "", ErrNothingToRollBack
	}
	if err != nil {
		return "", fmt.Errorf("roll back: %w", err)
	}
	return r.Source.Path, nil
}
