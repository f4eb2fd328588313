package database_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// TestReadInTenant proves what ReadInTenant relies on: the batch's statements form one implicit
// transaction, so app.tenant_id set by its first statement applies to the reads after it (row-level
// security filters them), and it is gone once the batch ends (nothing leaks to the next user of the
// connection). It also proves a read without the setting sees nothing.
func TestReadInTenant(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	_, a, b, staffA, staffB := twoTenants(t, db, "read-in-tenant")
	pool := db.Pool

	read := func(tenant uuid.UUID) (rows []models.StaffMember, setting string, sameTx bool) {
		t.Helper()
		var tx1, tx2 int64
		err := database.ReadInTenant(ctx, pool, tenant, func(bt *pgx.Batch) {
			bt.Queue(`SELECT txid_current()`).QueryRow(func(r pgx.Row) error { return r.Scan(&tx1) })
			bt.Queue(`SELECT ` + database.Columns[models.StaffMember]() + ` FROM staff_members ORDER BY name`).Query(database.CollectInto(&rows))
			bt.Queue(`SELECT current_setting('app.tenant_id', true), txid_current()`).QueryRow(func(r pgx.Row) error { return r.Scan(&setting, &tx2) })
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows, setting, tx1 == tx2
	}
	rowsA, setting, same := read(a)
	if !same {
		t.Fatal("the batch's statements ran in different transactions")
	}
	if setting != a.String() || len(rowsA) != 1 || rowsA[0].ID != staffA || rowsA[0].TenantID != a || rowsA[0].Name != "Ala" {
		t.Fatalf("tenant A sees %+v (setting %q)", rowsA, setting)
	}
	rowsB, _, _ := read(b)
	if len(rowsB) != 1 || rowsB[0].ID != staffB {
		t.Fatalf("tenant B sees %+v; A's rows must be invisible", rowsB)
	}

	// After the batches, no connection the pool hands out (the idle ones, which the batches used, come
	// first) keeps the setting, and a read without it sees nothing (row-level security).
	var held []interface{ Release() }
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	for range 4 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		var setting string
		var n int
		if err := c.QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM staff_members)`).Scan(&setting, &n); err != nil {
			t.Fatal(err)
		}
		if setting != "" || n != 0 {
			t.Fatalf("after the batch a connection has app.tenant_id %q and sees %d staff members", setting, n)
		}
	}

	if err := database.ReadInTenant(ctx, pool, uuid.Nil, func(*pgx.Batch) {}); err == nil {
		t.Fatal("ReadInTenant without a tenant must refuse")
	}
}
