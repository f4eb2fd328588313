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

// TestTxReadDecideWrite checks a Tx's promises for the read-decide-write shape (reads queued and
// sent, then writes sent with COMMIT) on the application role (RLS applies): both round trips run
// in one transaction scoped to the tenant, the writes commit with it, the reads'
// locks are held until COMMIT, an error from decide or from a write rolls everything back, and no
// connection is left in a transaction or with the setting.
func TestTxReadDecideWrite(t *testing.T) {
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
	// pipeline is the read-decide-write shape: read's statements go with BEGIN, decide's with COMMIT.
	pipeline := func(tenant uuid.UUID, read func(tx *database.Tx), decide func(tx *database.Tx) error) error {
		return db.Data.InTenant(ctx, tenant, func(tx *database.Tx) error {
			read(tx)
			if err := tx.Send(); err != nil {
				return err
			}
			return decide(tx)
		})
	}

	t.Run("reads in scope, writes commit, one transaction", func(t *testing.T) {
		var seen []uuid.UUID
		var tx1, tx2 int64
		var setting string
		err := pipeline(a, func(tx *database.Tx) {
			tx.Queue(`SELECT txid_current() WHERE $1::uuid IS NOT NULL`).QueryRow(func(r pgx.Row) error { return r.Scan(&tx1) })
			// No tenant condition on purpose: row-level security alone must hide B's staff.
			tx.Queue(`SELECT id FROM staff_members WHERE $1::uuid IS NOT NULL FOR UPDATE`).Query(func(rows pgx.Rows) error {
				var err error
				seen, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
				return err
			})
		}, func(tx *database.Tx) error {
			if len(seen) != 1 || seen[0] != staffA {
				t.Errorf("tenant A's transaction sees %v", seen)
			}
			database.QueueUpdateRow(tx, "staff_members", staffA, map[string]any{"name": "Ala Nowak"})
			// The same tenant condition the application writes: B's row is not touched even by id.
			database.QueueUpdateRow(tx, "staff_members", staffB, map[string]any{"name": "pwned"})
			tx.Queue(`SELECT current_setting('app.tenant_id', true), txid_current() WHERE $1::uuid IS NOT NULL`).QueryRow(func(r pgx.Row) error { return r.Scan(&setting, &tx2) })
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
			done <- pipeline(a, func(tx *database.Tx) {
				tx.Queue(`SELECT id FROM staff_members WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, staffA)
			}, func(tx *database.Tx) error {
				close(locked)
				<-release
				database.QueueUpdateRow(tx, "staff_members", staffA, map[string]any{"name": "first"})
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
		err := pipeline(a, func(tx *database.Tx) {
			tx.Queue(`UPDATE staff_members SET name = 'read batch write' WHERE tenant_id = $1 AND id = $2`, staffA)
		}, func(tx *database.Tx) error {
			database.QueueUpdateRow(tx, "staff_members", staffA, map[string]any{"name": "never"})
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
		err := pipeline(a, func(*database.Tx) {}, func(tx *database.Tx) error {
			database.QueueUpdateRow(tx, "staff_members", staffA, map[string]any{"name": "never"})
			tx.Queue(`INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'duplicate')`, staffA)
			database.QueueUpdateRow(tx, "staff_members", staffA, map[string]any{"name": "never either"})
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
		err := pipeline(a, func(*database.Tx) {}, func(tx *database.Tx) error {
			tx.Queue(`INSERT INTO staff_members (tenant_id, id, name) SELECT $2, $3, 'intruder' WHERE $1::uuid IS NOT NULL`, b, uuid.New())
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
			t.Fatalf("after the transactions a connection has app.tenant_id %q and sees %d staff members", setting, n)
		}
	}
	if err := db.Data.InTenant(ctx, uuid.Nil, func(*database.Tx) error { return nil }); err == nil {
		t.Fatal("InTenant without a tenant must refuse")
	}
}
