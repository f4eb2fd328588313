package database_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slotpay/slotpay/services/database/dbtest"
)

// twoTenants writes, as the owner (RLS does not apply), two businesses a and b with one staff member
// each (Ala in a, Bartek in b), and returns the owner's pool for the checks that must see every row.
func twoTenants(t *testing.T, db *dbtest.DB, slug string) (owner *pgxpool.Pool, a, b, staffA, staffB uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	owner, err := db.Owner()
	if err != nil {
		t.Fatal(err)
	}
	a, b = uuid.New(), uuid.New()
	staffA, staffB = uuid.New(), uuid.New()
	for i, tenant := range []uuid.UUID{a, b} {
		if _, err := owner.Exec(ctx, `INSERT INTO tenants (id, name, slug, time_zone, currency, locale) VALUES ($1, $2, $2, 'Europe/Warsaw', 'PLN', 'pl')`,
			tenant, slug+"-"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := owner.Exec(ctx, `INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'Ala'), ($3, $4, 'Bartek')`, a, staffA, b, staffB); err != nil {
		t.Fatal(err)
	}
	return owner, a, b, staffA, staffB
}
