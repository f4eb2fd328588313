package customers

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver goose runs on
	"github.com/pressly/goose/v3"

	"github.com/slotpay/slotpay/migrations"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// TestMigrationBackfillsCustomers: migration 00011 gives the reservations made before customers
// existed one customer per business and normalised e-mail (named and reached as in the latest
// reservation), links every reservation, and rolls back cleanly.
func TestMigrationBackfillsCustomers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	conn, err := sql.Open("pgx", db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, conn, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.DownTo(ctx, 10); err != nil {
		t.Fatalf("down to 10: %v", err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	type booked struct {
		tenant             uuid.UUID
		name, email, phone string
	}
	a, b := uuid.New(), uuid.New()
	rows := []booked{
		{a, "Jan Kowalski", "jan@example.com", "600 100 200"},
		{a, "Jan K.", " JAN@example.com", "+48 600 100 200"}, // the latest of jan's: the record's name and phone
		{a, "Ewa", "ewa@example.com", ""},
		{b, "Jan z B", "jan@example.com", ""}, // another business: its own record
	}
	services := map[uuid.UUID][2]uuid.UUID{}
	for i, tenant := range []uuid.UUID{a, b} {
		svc, staff := uuid.New(), uuid.New()
		services[tenant] = [2]uuid.UUID{svc, staff}
		exec(`INSERT INTO tenants (id, name, slug, time_zone, currency, locale) VALUES ($1, 'T', $2, 'Europe/Warsaw', 'PLN', 'pl-PL')`, tenant, fmt.Sprintf("backfill-%d-%s", i, tenant.String()[:8]))
		exec(`INSERT INTO services (tenant_id, id, name, duration_minutes, price_amount, currency) VALUES ($1, $2, 'S', 60, 100, 'PLN')`, tenant, svc)
		exec(`INSERT INTO staff_members (tenant_id, id, name) VALUES ($1, $2, 'M')`, tenant, staff)
	}
	for i, r := range rows {
		svc, staff := services[r.tenant][0], services[r.tenant][1]
		occ := uuid.New()
		s := start.Add(time.Duration(i) * time.Hour)
		exec(`INSERT INTO occupations (tenant_id, id, staff_member_id, service_id, starts_at, ends_at, blocked_from, blocked_to, capacity)
			VALUES ($1, $2, $3, $4, $5, $6, $5, $6, 1)`, r.tenant, occ, staff, svc, s, s.Add(time.Hour))
		exec(`INSERT INTO reservations (tenant_id, id, service_id, staff_member_id, occupation_id, starts_at, ends_at, status, payment_status,
				price_amount, currency, customer_name, customer_email, customer_phone, source, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'CONFIRMED', 'NOT_REQUIRED', 100, 'PLN', $8, $9, $10, 'PUBLIC', $11, $11)`,
			r.tenant, uuid.New(), svc, staff, occ, s, s.Add(time.Hour), r.name, r.email, r.phone, start.Add(time.Duration(i)*time.Minute))
	}
	if _, err := provider.UpTo(ctx, 11); err != nil {
		t.Fatalf("up to 11: %v", err)
	}
	type customer struct{ tenant, name, email, phone string }
	got := map[customer]int{}
	q, err := conn.QueryContext(ctx, `SELECT c.tenant_id, c.name, c.email_normalized, coalesce(c.phone_normalized, ''), count(r.id)
		FROM customers c LEFT JOIN reservations r ON r.tenant_id = c.tenant_id AND r.customer_id = c.id
		GROUP BY c.tenant_id, c.id`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var c customer
		var n int
		if err := q.Scan(&c.tenant, &c.name, &c.email, &c.phone, &n); err != nil {
			t.Fatal(err)
		}
		got[c] = n
	}
	q.Close()
	want := map[customer]int{
		{a.String(), "Jan K.", "jan@example.com", "+48600100200"}: 2,
		{a.String(), "Ewa", "ewa@example.com", ""}:                1,
		{b.String(), "Jan z B", "jan@example.com", ""}:            1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("customers %v, want %v", got, want)
	}
	var unlinked int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM reservations WHERE customer_id IS NULL`).Scan(&unlinked); err != nil || unlinked != 0 {
		t.Fatalf("%d reservations without a customer (%v)", unlinked, err)
	}
	if _, err := provider.DownTo(ctx, 10); err != nil {
		t.Fatalf("down again: %v", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
