package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// TestPipelineInTenant checks PipelineInTenant's promises on the application role (RLS applies):
// both batches run in one transaction scoped to the tenant, the writes commit with it, the reads'
// locks are held until COMMIT, an error from decide or from a write rolls everything back, and no
// connection is left in a transaction or with the setting.
func TestPipelineInTenant(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	owner, a, b, staffA, staffB := twoTenants(t, db, "pipeline")
	name := func(id uuid.UUID) string {
		t.Helper()
		var n string
		if err := owner.QueryRow(ctx, `SELECT name FROM staff_members WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("reads in scope, writes commit, one transaction", func(t *testing.T) {
		var seen []uuid.UUID
		var tx1, tx2 int64
		var setting string
		err := database.PipelineInTenant(ctx, db.Pool, a, func(bt *pgx.Batch) {
			bt.Queue(`SELECT txid_current()`).QueryRow(func(r pgx.Row) error { return r.Scan(&tx1) })
			// No tenant condition on purpose: row-level security alone must hide B's staff.
			bt.Queue(`SELECT id FROM staff_members FOR UPDATE`).Query(func(rows pgx.Rows) error {
				var err error
				seen, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
				return err
			})
		}, func(bt *pgx.Batch) error {
			if len(seen) != 1 || seen[0] != staffA {
				t.Errorf("tenant A's transaction sees %v", seen)
			}
			database.QueueUpdate(bt, "staff_members", a, staffA, map[string]any{"name": "Ala Nowak"})
			// The same tenant condition the application writes: B's row is not touched even by id.
			database.QueueUpdate(bt, "staff_members", a, staffB, map[string]any{"name": "pwned"})
			bt.Queue(`SELECT current_setting('app.tenant_id', true), txid_current()`).QueryRow(func(r pgx.Row) error { return r.Scan(&setting, &tx2) })
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if tx1 != tx2 || setting != a.String() {
			t.Fatalf("second batch in transaction %d (first %d), setting %q", tx2, tx1, setting)
		}
		if name(staffA) != "Ala Nowak" || name(staffB) != "Bartek" {
			t.Fatalf("after commit: A %q, B %q", name(staffA), name(staffB))
		}
	})

	t.Run("locks are held until commit", func(t *testing.T) {
		locked := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- database.PipelineInTenant(ctx, db.Pool, a, func(bt *pgx.Batch) {
				bt.Queue(`SELECT id FROM staff_members WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a, staffA)
			}, func(bt *pgx.Batch) error {
				close(locked)
				<-release
				database.QueueUpdate(bt, "staff_members", a, staffA, map[string]any{"name": "first"})
				return nil
			})
		}()
		<-locked
		var got bool
		if err := owner.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM staff_members WHERE id = $1 FOR UPDATE SKIP LOCKED)`, staffA).Scan(&got); err != nil {
			t.Fatal(err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !got {
			t.Fatal("the row read FOR UPDATE in the first batch was not locked while decide ran")
		}
		if name(staffA) != "first" {
			t.Fatalf("after commit: %q", name(staffA))
		}
	})

	t.Run("decide's error rolls back and comes back unchanged", func(t *testing.T) {
		errNothing := errors.New("nothing to do")
		err := database.PipelineInTenant(ctx, db.Pool, a, func(bt *pgx.Batch) {
			bt.Queue(`UPDATE staff_members SET name = 'read batch write' WHERE tenant_id = $1 AND id = $2`, a, staffA)
		}, func(bt *pgx.Batch) error {
			database.QueueUpdate(bt, "staff_members", a, staffA, map[string]any{"name": "never"})
			return errNothing
		})
		if !errors.Is(err, errNothing) {
			t.Fatalf("got %v", err)
		}
		if name(staffA) != "first" {
			t.Fatalf("after decide's error: %q", name(staffA))
		}
	})

	t.Run("a failing write rolls back the statements before it", func(t *testing.T) {
		err := database.PipelineInTenant(ctx, db.Pool, a, func(*pgx.Batch) {}, func(bt *pgx.Batch) error {
			database.QueueUpdate(bt, "staff_members", a, staffA, map[string]any{"name": "never"})
			bt.Queue(`INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'duplicate')`, a, staffA)
			database.QueueUpdate(bt, "staff_members", a, staffA, map[string]any{"name": "never either"})
			return nil
		})
		if ok, _ := database.IsCode(err, database.CodeUniqueViolation); !ok {
			t.Fatalf("got %v, want the unique violation", err)
		}
		if name(staffA) != "first" {
			t.Fatalf("after the failed write: %q", name(staffA))
		}
	})

	t.Run("writing another tenant's row is refused by RLS", func(t *testing.T) {
		err := database.PipelineInTenant(ctx, db.Pool, a, func(*pgx.Batch) {}, func(bt *pgx.Batch) error {
			bt.Queue(`INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'intruder')`, b, uuid.New())
			return nil
		})
		if ok, _ := database.IsCode(err, database.CodeRLSViolation); !ok {
			t.Fatalf("got %v, want a row-level security violation", err)
		}
	})

	// Every connection the pool hands out afterwards is idle, without the setting, and sees nothing.
	var held []interface{ Release() }
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	for range 4 {
		c, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if st := c.Conn().PgConn().TxStatus(); st != 'I' {
			t.Fatalf("a pooled connection is in transaction state %q", st)
		}
		var setting string
		var n int
		if err := c.QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM staff_members)`).Scan(&setting, &n); err != nil {
			t.Fatal(err)
		}
		if setting != "" || n != 0 {
			t.Fatalf("after the pipelines a connection has app.tenant_id %q and sees %d staff members", setting, n)
		}
	}
	if err := database.PipelineInTenant(ctx, db.Pool, uuid.Nil, func(*pgx.Batch) {}, func(*pgx.Batch) error { return nil }); err == nil {
		t.Fatal("PipelineInTenant without a tenant must refuse")
	}
}
