package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/secrets"
)

// Scale is the size of the seeded dataset.
type Scale struct {
	Tenants           int
	StaffPerTenant    int
	ServicesPerTenant int
	Reservations      int // in all, spread over DaysBack+DaysAhead days
	DaysBack          int
	DaysAhead         int
}

// FullScale is the dataset: 200 tenants × 10 staff × 20 services, ~500,000 reservations
// over a year (11 months back, one month ahead) with payments and history.
var FullScale = Scale{Tenants: 200, StaffPerTenant: 10, ServicesPerTenant: 20, Reservations: 500_000, DaysBack: 330, DaysAhead: 35}

// SmokeScale is the same shape, small, so CI seeds it in about a second; its ~35 days ahead hold
// enough unpaid reservations for the webhook step to outlast its warm-up.
var SmokeScale = Scale{Tenants: 4, StaffPerTenant: 10, ServicesPerTenant: 20, Reservations: 16_000, DaysBack: 30, DaysAhead: 35}

// seedVersion changes when the seeder's output changes; a database seeded by another version is
// seeded again.
const seedVersion = "slotpay-bench-seed/v2"

// BookingTenants is how many tenants at the end of the list get no seeded reservations after the
// seed's DaysAhead and are where the booking workload books (slotpay in the first, the pgx floor in
// the second), so runs never collide with seeded data or with each other.
const BookingTenants = 2

// The bench's fixed credential key: the sealed imoje secrets in the bench database must open in
// every later run, so the key cannot be random. Bench-only; never a real secret.
func benchCredentialKeys() string {
	sum := sha256.Sum256([]byte("slotpay bench credential key — not a secret"))
	return "bench1:" + base64.StdEncoding.EncodeToString(sum[:])
}

// shopKey is a tenant's imoje shop key, derived from its id so a later run can sign notifications
// without storing the plaintext anywhere.
func shopKey(tenantID uuid.UUID) string {
	sum := sha256.Sum256([]byte("slotpay bench shop key/" + tenantID.String()))
	return "bk" + hex.EncodeToString(sum[:20])
}

// seedMeta is stored as the database's COMMENT: which seeder made it, at what scale, and when.
type seedMeta struct {
	Version  string    `json:"version"`
	Scale    Scale     `json:"scale"`
	SeededAt time.Time `json:"seededAt"`
}

// EnsureSeed seeds the bench database unless it already holds a seed of this version and scale.
func EnsureSeed(ctx context.Context, o Options) (seedMeta, error) {
	name, err := config.DatabaseName(o.DatabaseURL)
	if err != nil {
		return seedMeta{}, err
	}
	if !o.Reseed {
		if m, ok := readSeedMeta(ctx, o.DatabaseURL, name); ok && m.Version == seedVersion && m.Scale == o.Scale {
			logf("reusing the seed in %s from %s (-reseed to seed again)", name, m.SeededAt.Format(time.RFC3339))
			return m, nil
		}
	}
	// A database holding an older or other seed is dropped and made again; an empty one (e.g. a
	// fresh test database from dbtest) is seeded in place.
	if hasTenants(ctx, o.DatabaseURL) {
		if err := dropDatabase(ctx, o.DatabaseURL, name); err != nil {
			return seedMeta{}, err
		}
	}
	if _, err := database.EnsureDatabase(ctx, o.DatabaseURL); err != nil {
		return seedMeta{}, err
	}
	if _, err := database.Migrate(ctx, o.DatabaseURL, nil); err != nil {
		return seedMeta{}, err
	}
	meta := seedMeta{Version: seedVersion, Scale: o.Scale, SeededAt: time.Now().UTC().Truncate(time.Second)}
	start := time.Now()
	logf("seeding %s: %d tenants, ~%d reservations", name, o.Scale.Tenants, o.Scale.Reservations)
	if err := Seed(ctx, o.DatabaseURL, o.Scale, meta.SeededAt); err != nil {
		return seedMeta{}, fmt.Errorf("seed: %w", err)
	}
	raw, _ := json.Marshal(meta)
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return seedMeta{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return seedMeta{}, err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS %s", pgx.Identifier{name}.Sanitize(), quoteLiteral(string(raw)))); err != nil {
		return seedMeta{}, err
	}
	logf("seeded in %s", time.Since(start).Round(100*time.Millisecond))
	return meta, nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

func readSeedMeta(ctx context.Context, dbURL, name string) (seedMeta, bool) {
	adminURL, _ := config.WithDatabase(dbURL, "postgres")
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return seedMeta{}, false
	}
	defer conn.Close(ctx)
	var comment *string
	if err := conn.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment); err != nil || comment == nil {
		return seedMeta{}, false
	}
	var m seedMeta
	if json.Unmarshal([]byte(*comment), &m) != nil {
		return seedMeta{}, false
	}
	return m, true
}

func hasTenants(ctx context.Context, dbURL string) bool {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return false
	}
	defer conn.Close(ctx)
	var any bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tenants)`).Scan(&any)
	return err == nil && any
}

func dropDatabase(ctx context.Context, dbURL, name string) error {
	adminURL, _ := config.WithDatabase(dbURL, "postgres")
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// Working hours of staff member i (local time, Europe/Warsaw): even-numbered staff 08:00–16:00,
// odd-numbered 12:00–20:00, Monday to Friday; the first three also work Saturdays 09:00–14:00.
type interval struct {
	Weekday    time.Weekday
	Start, End int // minutes since local midnight
}

func staffHours(i int) []interval {
	start, end := 8*60, 16*60
	if i%2 == 1 {
		start, end = 12*60, 20*60
	}
	var out []interval
	for d := time.Monday; d <= time.Friday; d++ {
		out = append(out, interval{d, start, end})
	}
	if i < 3 {
		out = append(out, interval{time.Saturday, 9 * 60, 14 * 60})
	}
	return out
}

// serviceShape is service j of every tenant. Service 0 is a 30-minute consultation without buffers
// or payment that every staff member performs: the booking workload books it.
func serviceShape(j int) (name string, minutes, before, after int, price int64, policy string) {
	durations := []int{30, 45, 60, 90}
	policies := []string{"OPTIONAL", "NONE", "OPTIONAL", "REQUIRED"}
	if j == 0 {
		return "Konsultacja", 30, 0, 0, 10000, "NONE"
	}
	minutes = durations[j%len(durations)]
	before, after = 0, []int{0, 5, 10}[j%3]
	price = int64(5000 + 1500*j)
	return fmt.Sprintf("Usługa %02d", j), minutes, before, after, price, policies[j%len(policies)]
}

// performs reports whether staff member i performs service j: everyone does service 0, and each
// staff member does half of the others.
func performs(i, j int) bool { return j == 0 || j%2 == i%2 }

var (
	firstNames = []string{"Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Ewa", "Marek", "Zofia", "Jan", "Ola"}
	lastNames  = []string{"Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański", "Woźniak", "Dąbrowska"}
)

// Seed writes the dataset with COPY as the owner. Triggers (and so foreign-key checks and the
// occupation seat counter) are off for these sessions (session_replication_role = replica): the
// generator writes seats_taken itself and produces consistent keys; unique and exclusion
// constraints still apply, so no double booking can be seeded.
func Seed(ctx context.Context, ownerURL string, sc Scale, now time.Time) error {
	pcfg, err := pgxpool.ParseConfig(ownerURL)
	if err != nil {
		return err
	}
	pcfg.MaxConns = 2
	pcfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET session_replication_role = replica; SET synchronous_commit = off")
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	keys, err := config.Load(func(k string) string {
		if k == "SLOTPAY_CREDENTIAL_KEYS" {
			return benchCredentialKeys()
		}
		return ""
	})
	if err != nil {
		return err
	}
	box, err := secrets.NewBox(keys.CredentialKeys)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		return err
	}
	perStaff := float64(sc.Reservations) / float64(sc.Tenants*sc.StaffPerTenant)
	const chunk = 8
	jobs := make(chan int)
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range jobs {
				b := &batch{}
				for t := first; t < min(first+chunk, sc.Tenants); t++ {
					rng := rand.New(rand.NewPCG(uint64(t), 7))
					if err := b.tenant(t, sc, perStaff, now, loc, box, rng); err != nil {
						errc <- err
						return
					}
				}
				if err := b.copy(ctx, pool); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for t := 0; t < sc.Tenants; t += chunk {
			select {
			case jobs <- t:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	return errors.Join(<-errc, ctx.Err())
}

// batch holds the rows of a few tenants, copied in one transaction.
type batch struct {
	tables map[string]*copyTable
	order  []string
}

type copyTable struct {
	cols []string
	rows [][]any
}

func (b *batch) add(table string, cols []string, row ...any) {
	if b.tables == nil {
		b.tables = map[string]*copyTable{}
	}
	t, ok := b.tables[table]
	if !ok {
		t = &copyTable{cols: cols}
		b.tables[table] = t
		b.order = append(b.order, table)
	}
	t.rows = append(t.rows, row)
}

func (b *batch) copy(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, name := range b.order {
			t := b.tables[name]
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", name, err)
			}
		}
		return nil
	})
}

var (
	colsTenants      = []string{"id", "name", "slug", "time_zone", "currency", "locale", "min_notice_minutes", "booking_horizon_days", "slot_step_minutes", "default_hold_minutes"}
	colsUsers        = []string{"id", "email", "name", "password_hash"}
	colsMemberships  = []string{"tenant_id", "user_id", "role"}
	colsServices     = []string{"tenant_id", "id", "name", "description", "duration_minutes", "price_amount", "currency", "buffer_before_minutes", "buffer_after_minutes", "capacity", "payment_policy"}
	colsStaff        = []string{"tenant_id", "id", "name"}
	colsStaffSvc     = []string{"tenant_id", "staff_member_id", "service_id"}
	colsWeekly       = []string{"tenant_id", "id", "staff_member_id", "weekday", "start_minute", "end_minute"}
	colsMethods      = []string{"tenant_id", "id", "kind", "display_name", "enabled", "sort_order", "is_default"}
	colsCredentials  = []string{"tenant_id", "payment_method_id", "merchant_id", "service_id", "environment", "api_base_url", "token_sealed", "token_hint", "service_key_sealed", "service_key_hint", "offered_channels", "shop_channels", "verified_at", "next_refund_at"}
	colsOccupations  = []string{"tenant_id", "id", "staff_member_id", "service_id", "starts_at", "ends_at", "blocked_from", "blocked_to", "capacity", "seats_taken", "created_at", "updated_at"}
	colsReservations = []string{"tenant_id", "id", "service_id", "staff_member_id", "occupation_id", "starts_at", "ends_at", "status", "payment_status", "price_amount", "currency", "customer_name", "customer_email", "customer_phone", "source", "created_at", "updated_at", "customer_id"}
	colsCustomers    = []string{"tenant_id", "id", "name", "email", "email_normalized", "phone", "phone_normalized", "created_at", "updated_at"}
	colsHistory      = []string{"tenant_id", "id", "reservation_id", "from_status", "to_status", "from_payment_status", "to_payment_status", "actor", "reason", "created_at"}
	colsPayments     = []string{"tenant_id", "id", "reservation_id", "payment_method_id", "channel", "imoje_method", "amount", "currency", "status", "imoje_status", "imoje_transaction_id", "idempotency_key", "request_hash", "created_by", "paid_at", "created_at", "updated_at"}
)

type seededService struct {
	id                     uuid.UUID
	minutes, before, after int
	price                  int64
	policy                 string
}

// tenant generates tenant t: its owner, catalog, hours, imoje method and a year of reservations.
func (b *batch) tenant(t int, sc Scale, perStaff float64, now time.Time, loc *time.Location, box *secrets.Box, rng *rand.Rand) error {
	tenantID, ownerID := uuid.New(), uuid.New()
	known := map[string]uuid.UUID{} // the tenant's customers by e-mail
	slug := fmt.Sprintf("bench-t%03d", t)
	b.add("tenants", colsTenants, tenantID, fmt.Sprintf("Salon %03d", t), slug, "Europe/Warsaw", "PLN", "pl-PL", 60, 90, 15, 15)
	b.add("users", colsUsers, ownerID, "owner@"+slug+".bench.invalid", "Owner "+slug, "!bench: no log-in")
	b.add("memberships", colsMemberships, tenantID, ownerID, "OWNER")
	services := make([]seededService, sc.ServicesPerTenant)
	for j := range services {
		name, minutes, before, after, price, policy := serviceShape(j)
		services[j] = seededService{uuid.New(), minutes, before, after, price, policy}
		b.add("services", colsServices, tenantID, services[j].id, name, "", minutes, price, "PLN", before, after, 1, policy)
	}
	methodID := uuid.New()
	b.add("payment_methods", colsMethods, tenantID, methodID, "IMOJE", "Płatność online", true, 0, true)
	b.add("payment_methods", colsMethods, tenantID, uuid.New(), "ON_SITE", "Na miejscu", true, 1, false)
	shopID := uuid.New()
	token := "benchtoken" + hex.EncodeToString(tenantID[:8])
	key := shopKey(tenantID)
	tokenSealed, err := box.Seal(tenantID, "imoje.token", token)
	if err != nil {
		return err
	}
	keySealed, err := box.Seal(tenantID, "imoje.serviceKey", key)
	if err != nil {
		return err
	}
	b.add("imoje_credentials", colsCredentials, tenantID, methodID, fmt.Sprintf("benchm%03d", t), shopID, "CUSTOM",
		"http://127.0.0.1:9/v1/merchant", tokenSealed, secrets.Hint(token), keySealed, secrets.Hint(key),
		`["BLIK","PBL"]`, `[]`, now, now)

	from := now.AddDate(0, 0, -sc.DaysBack)
	for i := 0; i < sc.StaffPerTenant; i++ {
		staffID := uuid.New()
		b.add("staff_members", colsStaff, tenantID, staffID, fmt.Sprintf("Pracownik %02d", i))
		var mine []seededService
		for j := range services {
			if performs(i, j) {
				b.add("staff_services", colsStaffSvc, tenantID, staffID, services[j].id)
				mine = append(mine, services[j])
			}
		}
		hours := staffHours(i)
		for _, h := range hours {
			b.add("weekly_intervals", colsWeekly, tenantID, uuid.New(), staffID, int16(h.Weekday), h.Start, h.End)
		}
		// Working days in the range, then about perStaff reservations spread over them.
		var days []time.Time
		for d := 0; d < sc.DaysBack+sc.DaysAhead; d++ {
			day := time.Date(from.Year(), from.Month(), from.Day()+d, 0, 0, 0, 0, loc)
			for _, h := range hours {
				if h.Weekday == day.Weekday() {
					days = append(days, day)
				}
			}
		}
		per := perStaff / float64(len(days))
		for _, day := range days {
			n := int(per)
			if rng.Float64() < per-float64(n) {
				n++
			}
			var h interval
			for _, x := range hours {
				if x.Weekday == day.Weekday() {
					h = x
				}
			}
			cursor := day.Add(time.Duration(h.Start+15*rng.IntN(4)) * time.Minute)
			end := day.Add(time.Duration(h.End) * time.Minute)
			for k := 0; k < n; k++ {
				svc := mine[rng.IntN(len(mine))]
				start := cursor.Add(time.Duration(svc.before) * time.Minute)
				stop := start.Add(time.Duration(svc.minutes) * time.Minute)
				blockedTo := stop.Add(time.Duration(svc.after) * time.Minute)
				if blockedTo.After(end) {
					break
				}
				b.reservation(tenantID, staffID, methodID, svc, cursor, start, stop, blockedTo, now, rng, known)
				cursor = blockedTo.Add(time.Duration(15*rng.IntN(8)) * time.Minute)
			}
		}
	}
	return nil
}

// reservation adds one reservation with its occupation, history and (for paid services) payment,
// and its customer when the tenant has none with its e-mail yet (known: the tenant's so far).
func (b *batch) reservation(tenantID, staffID, methodID uuid.UUID, svc seededService, blockedFrom, start, stop, blockedTo, now time.Time, rng *rand.Rand,
	known map[string]uuid.UUID) {
	resID, occID := uuid.New(), uuid.New()
	created := start.Add(-time.Duration(1+rng.IntN(20*24)) * time.Hour)
	if created.After(now) {
		created = now.Add(-time.Duration(1+rng.IntN(72)) * time.Hour)
	}
	past := stop.Before(now)
	status := "CONFIRMED"
	roll := rng.IntN(100)
	switch {
	case past && roll < 85:
		status = "COMPLETED"
	case past && roll < 93:
		status = "CANCELLED"
	case past:
		status = "NO_SHOW"
	case roll < 7:
		status = "CANCELLED"
	}
	paymentStatus := "NOT_REQUIRED"
	paid := false
	if svc.policy != "NONE" && status != "CANCELLED" {
		paymentStatus = "UNPAID"
		if svc.policy == "REQUIRED" || rng.IntN(100) < 60 {
			paymentStatus, paid = "PAID", true
		}
	}
	seats := 0
	if status == "CONFIRMED" {
		seats = 1
	}
	updated := created
	if past {
		updated = stop
	}
	b.add("occupations", colsOccupations, tenantID, occID, staffID, svc.id, start, stop, blockedFrom, blockedTo, 1, seats, created, updated)
	fn, ln := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	email, phone := fmt.Sprintf("c%d@example.com", rng.IntN(1_000_000)), fmt.Sprintf("+48 600 %03d %03d", rng.IntN(1000), rng.IntN(1000))
	customerID, ok := known[email]
	if !ok {
		customerID = uuid.New()
		known[email] = customerID
		b.add("customers", colsCustomers, tenantID, customerID, fn+" "+ln, email, email, phone, customers.NormalizePhone(phone), created, created)
	}
	b.add("reservations", colsReservations, tenantID, resID, svc.id, staffID, occID, start, stop, status, paymentStatus,
		svc.price, "PLN", fn+" "+ln, email, phone, "PUBLIC", created, updated, customerID)
	initial := paymentStatus
	if paid {
		initial = "UNPAID"
	}
	b.add("reservation_history", colsHistory, tenantID, uuid.New(), resID, nil, "CONFIRMED", nil, initial, "customer", "created", created)
	if paid {
		payID := uuid.New()
		paidAt := created.Add(time.Duration(1+rng.IntN(600)) * time.Second)
		b.add("payments", colsPayments, tenantID, payID, resID, methodID, "BLIK", "blik", svc.price, "PLN", "PAID", "settled", uuid.New(),
			"seed-"+payID.String(), []byte{0}, "customer", paidAt, created, paidAt)
		b.add("reservation_history", colsHistory, tenantID, uuid.New(), resID, "CONFIRMED", "CONFIRMED", "UNPAID", "PAID", "system", "imoje notification: settled", paidAt)
	}
	if status != "CONFIRMED" {
		b.add("reservation_history", colsHistory, tenantID, uuid.New(), resID, "CONFIRMED", status, paymentStatus, paymentStatus, "system", "", updated)
	}
}
