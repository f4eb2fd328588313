package migrations_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/slotpay/slotpay/migrations"
)

// riverFile is the migration that creates River's tables: River's own SQL for its "main" line, as
// the River version in go.mod ships it, embedded so that it goes through goose like every other
// change of the schema (and its advisory lock, `slotpay migrate`, the test templates).
const riverFile = "00017_river_queue.sql"

// riverMigration is what riverFile must hold for River's migrations up to version riverVersion.
func riverMigration(t *testing.T) string {
	t.Helper()
	m, err := rivermigrate.New[pgx.Tx](riverpgxv5.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := func(sql string) string {
		return strings.TrimSpace(strings.ReplaceAll(sql, "/* TEMPLATE: schema */", ""))
	}
	var up, down strings.Builder
	all := m.AllVersions()
	for _, v := range all {
		if v.Version > migrations.RiverVersion {
			break
		}
		// rivermigrate records a version in the transaction that applies it; river_migration has
		// its line column from version 5 on.
		record := fmt.Sprintf("INSERT INTO river_migration (version) VALUES (%d);", v.Version)
		if v.Version >= 5 {
			record = fmt.Sprintf("INSERT INTO river_migration (line, version) VALUES ('main', %d);", v.Version)
		}
		fmt.Fprintf(&up, "-- River %03d %s\n-- +goose StatementBegin\n%s\n%s\n-- +goose StatementEnd\n\n", v.Version, v.Name, plain(v.SQLUp), record)
	}
	for i := migrations.RiverVersion - 1; i >= 0; i-- {
		v := all[i]
		fmt.Fprintf(&down, "-- River %03d %s\n-- +goose StatementBegin\n%s\n-- +goose StatementEnd\n\n", v.Version, v.Name, plain(v.SQLDown))
	}
	return `-- River's job queue (github.com/riverqueue/river): its tables, types and functions, exactly River's
-- own migrations of its "main" line up to version ` + fmt.Sprint(migrations.RiverVersion) + ` (TestRiverMigrationIsRivers regenerates and
-- compares this file: SLOTPAY_UPDATE_RIVER_MIGRATION=1 go test ./migrations rewrites it), recorded in
-- river_migration as rivermigrate would, so River's own tools see the schema as current. River's
-- tables belong to no tenant (no tenant_id, no row-level security): a job's arguments carry only a
-- tenant id and a message id (services/messages), never a message's content or recipient. The
-- application role reaches them through the default privileges of 00001.
--
-- Each of River's versions runs as one statement block, committed on its own (NO TRANSACTION), as
-- rivermigrate applies them: version 006 uses an enum value that 004 adds, which PostgreSQL allows
-- only once 004 has committed. A River upgrade that brings a new migration needs a new goose
-- migration with River's SQL for it.

-- +goose NO TRANSACTION
-- +goose Up
` + up.String() + `-- +goose Down
` + down.String()
}

func TestRiverMigrationIsRivers(t *testing.T) {
	want := riverMigration(t)
	if os.Getenv("SLOTPAY_UPDATE_RIVER_MIGRATION") == "1" {
		if err := os.WriteFile(riverFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := migrations.FS.ReadFile(riverFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is not River's migrations up to %d: regenerate it with SLOTPAY_UPDATE_RIVER_MIGRATION=1 go test ./migrations", riverFile, migrations.RiverVersion)
	}
}
