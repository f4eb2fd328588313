package database_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// openCounted opens the test database's application role with a statement counter, installed by
// the test (production pools carry none).
func openCounted(t *testing.T, db *dbtest.DB) (*database.DB, *database.StatementCounter) {
	t.Helper()
	counter := &database.StatementCounter{}
	d, err := database.Open(context.Background(), db.AppURL, 4, counter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, counter
}

// A transaction that only queues is one round trip without BEGIN/COMMIT: the tenant's setting, then
// its statements, one implicit transaction. The setting filters the reads (row-level security) and
// is gone afterwards.
func TestTxQueuedOnlyIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	_, a, _, _, _ := twoTenants(t, db, "tx-one-trip")
	d, counter := openCounted(t, db)
	ctx := context.Background()
	var names []string
	var tx1, tx2 int64
	counter.Reset()
	err := d.InTenant(ctx, a, func(tx *database.Tx) error {
		tx.Queue(`SELECT txid_current() WHERE $1::uuid IS NOT NULL`).QueryRow(func(r pgx.Row) error { return r.Scan(&tx1) })
		tx.Queue(`SELECT name FROM staff_members WHERE tenant_id = $1 OR true ORDER BY name`).Query(func(rows pgx.Rows) error {
			var err error
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		tx.Queue(`SELECT txid_current() WHERE $1::uuid IS NOT NULL`).QueryRow(func(r pgx.Row) error { return r.Scan(&tx2) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, trips := counter.Counts(); st != 4 || trips != 1 {
		t.Errorf("%d statements in %d round trips, want 4 in 1 (setting + 3)", st, trips)
	}
	if len(names) != 1 || names[0] != "Ala" {
		t.Errorf("tenant a reads %v, want [Ala] (row-level security by the setting)", names)
	}
	if tx1 != tx2 {
		t.Errorf("the batch ran in two transactions (%d, %d)", tx1, tx2)
	}
	var leaked string
	if err := d.Pool().QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), '')`).Scan(&leaked); err != nil || leaked != "" {
		t.Errorf("setting after the transaction: %q (%v)", leaked, err)
	}
}

// Send makes it a real transaction: BEGIN goes with the first round trip, COMMIT with the last, so
// read-decide-write costs two round trips; an error from fn rolls every statement back.
func TestTxSendThenCommitOrRollBack(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	owner, a, _, staffA, _ := twoTenants(t, db, "tx-two-trips")
	d, counter := openCounted(t, db)
	ctx := context.Background()
	rename := func(to string, fail error) error {
		return d.InTenant(ctx, a, func(tx *database.Tx) error {
			var name string
			tx.Queue(`SELECT name FROM staff_members WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, staffA).
				QueryRow(func(r pgx.Row) error { return r.Scan(&name) })
			if err := tx.Send(); err != nil {
				return err
			}
			if name != "Ala" && name != "Ala 2" {
				t.Errorf("read %q", name)
			}
			tx.Queue(`UPDATE staff_members SET name = $3 WHERE tenant_id = $1 AND id = $2`, staffA, to)
			if fail != nil {
				if err := tx.Send(); err != nil {
					return err
				}
				return fail
			}
			return nil
		})
	}
	counter.Reset()
	if err := rename("Ala 2", nil); err != nil {
		t.Fatal(err)
	}
	if st, trips := counter.Counts(); st != 5 || trips != 2 {
		t.Errorf("%d statements in %d round trips, want 5 in 2 (BEGIN, setting, read | update, COMMIT)", st, trips)
	}
	sentinel := errors.New("changed my mind")
	if err := rename("Ala 3", sentinel); !errors.Is(err, sentinel) {
		t.Fatalf("fn's error came back as %v", err)
	}
	var name string
	if err := owner.QueryRow(ctx, `SELECT name FROM staff_members WHERE id = $1`, staffA).Scan(&name); err != nil || name != "Ala 2" {
		t.Fatalf("after commit then rollback: %q (%v), want Ala 2", name, err)
	}
}

// Hand-written SQL gets the tenant as $1: a statement that does not name it is refused by
// PostgreSQL, and one that names another tenant's row by id finds nothing.
func TestTxQueueNamesTheTenant(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	_, a, _, _, staffB := twoTenants(t, db, "tx-scope")
	d, _ := openCounted(t, db)
	ctx := context.Background()
	err := d.InTenant(ctx, a, func(tx *database.Tx) error {
		tx.Queue(`SELECT name FROM staff_members WHERE id = $2`, staffB)
		return nil
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || !strings.Contains(pgErr.Message, "$1") {
		t.Errorf("a statement without $1: %v, want PostgreSQL's refusal of the unused tenant parameter", err)
	}
	var n int
	err = d.InTenant(ctx, a, func(tx *database.Tx) error {
		tx.Queue(`UPDATE staff_members SET name = 'pwned' WHERE tenant_id = $1 AND id = $2`, staffB).
			Exec(func(tag pgconn.CommandTag) error { n = int(tag.RowsAffected()); return nil })
		return nil
	})
	if err != nil || n != 0 {
		t.Errorf("tenant a updated b's staff member: %d rows (%v)", n, err)
	}
}

// gorm and hand-written SQL share the transaction: gorm sees what was queued before it, and a
// failed gorm statement that fn ignores does not commit what came before it.
func TestTxGormAndQueueShareTheTransaction(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	owner, a, b, _, staffB := twoTenants(t, db, "tx-gorm")
	d, _ := openCounted(t, db)
	ctx := context.Background()
	id := uuid.New()
	err := d.InTenant(ctx, a, func(tx *database.Tx) error {
		tx.Queue(`INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'Celina')`, id)
		var got models.StaffMember
		if err := tx.Gorm().First(&got, "id = ?", id).Error; err != nil || got.Name != "Celina" {
			t.Errorf("gorm after the queued insert: %+v (%v)", got, err)
		}
		// The application's scope: gorm cannot see b's row by id.
		var other []models.StaffMember
		if err := tx.Gorm().Find(&other, "id = ?", staffB).Error; err != nil || len(other) != 0 {
			t.Errorf("tenant a reads b's staff member through gorm: %v (%v)", other, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = d.InTenant(ctx, a, func(tx *database.Tx) error {
		tx.Queue(`UPDATE staff_members SET name = 'Celina 2' WHERE tenant_id = $1 AND id = $2`, id)
		_ = tx.Gorm().Exec(`INSERT INTO staff_members (tenant_id, id, name) VALUES (?, ?, 'dup')`, a, id).Error // unique violation, ignored
		return nil
	})
	if err == nil {
		t.Error("a transaction with a failed statement committed")
	}
	var name string
	if err := owner.QueryRow(ctx, `SELECT name FROM staff_members WHERE id = $1`, id).Scan(&name); err != nil || name != "Celina" {
		t.Errorf("after the failed transaction: %q (%v), want Celina", name, err)
	}
	_ = b
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: database.CodeDeadlock}, true},
		{&pgconn.PgError{Code: database.CodeSerialization}, true},
		{&pgconn.PgError{Code: database.CodeUniqueViolation}, false},
		{errors.New("connection refused"), false},
		{nil, false},
	} {
		if got := database.Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
