package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// QueueAfterCommit's statements run after COMMIT, in its round trip, in a transaction of their own
// (a notification then holds PostgreSQL's notification lock without the commit's WAL flush), and
// never when the transaction does not commit: fn's error, a failing statement in the last round
// trip or an earlier one.
func TestTxAfterCommit(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	owner, a, _, staffA, _ := twoTenants(t, db, "tx-after-commit")
	d, counter := openCounted(t, db)
	ctx := context.Background()
	// run renames staffA in a transaction whose txid it reads inside and after the commit; send
	// says whether fn sends a round trip before its end, bad queues a failing statement.
	run := func(to string, send bool, bad string, fail error) (inside, after int64, err error) {
		err = d.InTenant(ctx, a, func(tx *database.Tx) error {
			tx.Queue(`SELECT txid_current() WHERE $1::uuid IS NOT NULL`).QueryRow(func(r pgx.Row) error { return r.Scan(&inside) })
			tx.QueueAfterCommit(`SELECT txid_current() WHERE $1::uuid IS NOT NULL`).QueryRow(func(r pgx.Row) error { return r.Scan(&after) })
			if send {
				if err := tx.Send(); err != nil {
					return err
				}
			}
			tx.Queue(`UPDATE staff_members SET name = $3 WHERE tenant_id = $1 AND id = $2`, staffA, to)
			if bad != "" {
				tx.Queue(bad)
			}
			return fail
		})
		return inside, after, err
	}
	name := func() string {
		var n string
		if err := owner.QueryRow(ctx, `SELECT name FROM staff_members WHERE id = $1`, staffA).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		name       string
		send       bool
		statements int64
		trips      int64
	}{
		// BEGIN, setting, txid, update, COMMIT, txid after: the queued-only transaction gets BEGIN
		// and COMMIT so that something can follow its end, in the same single round trip.
		{"queued only", false, 6, 1},
		{"sent before its end", true, 6, 2},
	} {
		counter.Reset()
		inside, after, err := run("Ala "+c.name, c.send, "", nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if st, trips := counter.Counts(); st != c.statements || trips != c.trips {
			t.Errorf("%s: %d statements in %d round trips, want %d in %d", c.name, st, trips, c.statements, c.trips)
		}
		if inside == 0 || after == 0 || inside == after {
			t.Errorf("%s: txid inside %d, after commit %d: want two transactions", c.name, inside, after)
		}
		if got := name(); got != "Ala "+c.name {
			t.Errorf("%s: name %q, not committed", c.name, got)
		}
	}
	before := name()
	sentinel := errors.New("changed my mind")
	for _, c := range []struct {
		name string
		send bool
		bad  string
		fail error
	}{
		{"fn's error", true, "", sentinel},
		{"fn's error, queued only", false, "", sentinel},
		{"a failing last statement", true, `SELECT 1/0 WHERE $1::uuid IS NOT NULL`, nil},
		{"a failing statement, queued only", false, `SELECT 1/0 WHERE $1::uuid IS NOT NULL`, nil},
	} {
		_, after, err := run("Ala never", c.send, c.bad, c.fail)
		if err == nil {
			t.Errorf("%s: committed", c.name)
		}
		if after != 0 {
			t.Errorf("%s: the after-commit statement ran (txid %d)", c.name, after)
		}
		if got := name(); got != before {
			t.Errorf("%s: name %q, want %q (rolled back)", c.name, got, before)
		}
	}
}
