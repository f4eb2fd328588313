package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The public widget asks for a week of slots of one service (no login); the in-process
// BenchmarkAvailabilityWeek (services/server) reads the same file.
//
//go:embed availability.graphql
var availabilityQuery string

func availabilityWorkload(ctx context.Context, e *env) error {
	n := 32
	if e.o.Mode == "smoke" {
		n = 8
	}
	gql := newGQLClient(e.slotpay.URL+"/graphql", n)
	defer gql.close()
	tenants := e.cat.dashboardTenants()
	warsaw, _ := time.LoadLocation("Europe/Warsaw")
	base := time.Now().In(warsaw)
	type pick struct {
		slug     string
		service  uuid.UUID
		from, to string
	}
	rng := rand.New(rand.NewPCG(7, 7))
	picks := make([]pick, 2048)
	for i := range picks {
		t := tenants[rng.IntN(len(tenants))]
		from := base.AddDate(0, 0, 1+rng.IntN(21))
		picks[i] = pick{t.Slug, t.Services[rng.IntN(len(t.Services))], from.Format(time.DateOnly), from.AddDate(0, 0, 6).Format(time.DateOnly)}
	}
	op := func(ctx context.Context, _, seq int) error {
		p := picks[seq%len(picks)]
		_, err := gql.do(ctx, "", availabilityQuery, map[string]any{"slug": p.slug, "service": p.service, "from": p.from, "to": p.to})
		return err
	}
	if err := op(ctx, 0, 0); err != nil {
		return fmt.Errorf("availability: %w", err)
	}
	floor, err := newAvailabilityFloor(ctx, e.appURL)
	if err != nil {
		return err
	}
	defer floor.Close()
	floorOp := func(ctx context.Context, _, seq int) error {
		p := picks[seq%len(picks)]
		return floor.week(ctx, io.Discard, p.slug, p.service, p.from, p.to)
	}
	for _, p := range picks[:3] {
		body, err := gql.do(ctx, "", availabilityQuery, map[string]any{"slug": p.slug, "service": p.service, "from": p.from, "to": p.to})
		var answer bytes.Buffer
		if err == nil {
			err = floor.week(ctx, &answer, p.slug, p.service, p.from, p.to)
		}
		if err == nil {
			err = sameAnswer(body, &answer)
		}
		if err != nil {
			return fmt.Errorf("availability floor: %w", err)
		}
	}
	e.report.add(measure(ctx, e, "availability", "slotpay", e.slotpay, n, op))
	e.report.add(measure(ctx, e, "availability", "floor (pgx)", nil, n, floorOp))
	return nil
}

const bookingMutation = `mutation Book($input: CreateReservationInput!) {
  createReservation(input: $input) { reservation { id startsAt status paymentStatus } customerAccessToken }
}`

// bookingEmailDomain marks the reservations the booking workloads make, so the next run removes them.
const bookingEmailDomain = "@load.bench.invalid"

// slotsOf lists the starts of 30-minute slots of staff member i (seed hours) between two days
// ahead of now (local Warsaw time), past the seeded reservations and within the booking horizon.
func slotsOf(i int, now time.Time, fromDay, toDay int) []time.Time {
	warsaw, _ := time.LoadLocation("Europe/Warsaw")
	local := now.In(warsaw)
	var out []time.Time
	for d := fromDay; d < toDay; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, 0, 0, 0, 0, warsaw)
		for _, h := range staffHours(i) {
			if h.Weekday != day.Weekday() {
				continue
			}
			for m := h.Start; m+30 <= h.End; m += 30 {
				out = append(out, day.Add(time.Duration(m)*time.Minute).UTC())
			}
		}
	}
	return out
}

// resetBookings removes what earlier booking runs made in the booking tenants.
func resetBookings(ctx context.Context, e *env) error {
	ids := []uuid.UUID{e.cat.bookingTenant(0).ID, e.cat.bookingTenant(1).ID}
	return pgx.BeginFunc(ctx, e.owner, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM reservations WHERE tenant_id = ANY($1) AND customer_email LIKE '%'||$2 RETURNING tenant_id, occupation_id`, ids, bookingEmailDomain)
		if err != nil {
			return err
		}
		var tenants, occs []uuid.UUID
		for rows.Next() {
			var t, o uuid.UUID
			if err := rows.Scan(&t, &o); err != nil {
				return err
			}
			tenants, occs = append(tenants, t), append(occs, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM occupations o USING unnest($1::uuid[], $2::uuid[]) AS d(t, id) WHERE o.tenant_id = d.t AND o.id = d.id`, tenants, occs)
		return err
	})
}

func bookingWorkload(ctx context.Context, e *env) error {
	if err := resetBookings(ctx, e); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	uncontended, contended := 8, 32
	if e.o.Mode == "smoke" {
		uncontended, contended = 4, 8
	}
	staffCount := len(e.cat.bookingTenant(0).Staff)
	uncontended = min(uncontended, staffCount-1)
	now := time.Now()
	fromDay := e.cat.Scale.DaysAhead + 5
	toDay := 88 // tenants' booking horizon is 90 days
	gql := newGQLClient(e.slotpay.URL+"/graphql", contended)
	defer gql.close()

	// Without contention: client w books consecutive free slots of its own staff member.
	sp := e.cat.bookingTenant(0)
	slots := make([][]time.Time, uncontended)
	next := make([]atomic.Int64, uncontended)
	for w := range slots {
		slots[w] = slotsOf(w, now, fromDay, toDay)
	}
	book := func(ctx context.Context, t Tenant, staff uuid.UUID, start time.Time, n int) error {
		_, err := gql.do(ctx, "", bookingMutation, map[string]any{"input": map[string]any{
			"tenantSlug": t.Slug, "serviceId": t.Services[0], "staffMemberId": staff, "startsAt": start.Format(time.RFC3339),
			"customer": map[string]any{"name": "Klient Testowy", "email": fmt.Sprintf("k%d%s", n, bookingEmailDomain), "phone": "+48 600 100 200"},
		}})
		var ge *gqlResponseError
		if errors.As(err, &ge) && ge.Code == "SLOT_UNAVAILABLE" {
			return errConflict
		}
		return err
	}
	slotpayOp := func(ctx context.Context, w, seq int) error {
		i := int(next[w].Add(1) - 1)
		if i >= len(slots[w]) {
			return errExhausted
		}
		return book(ctx, sp, sp.Staff[w], slots[w][i], seq)
	}
	e.report.add(measure(ctx, e, "booking", "slotpay", e.slotpay, uncontended, slotpayOp))

	fl := e.cat.bookingTenant(1)
	floor, err := newFloor(ctx, e.appURL)
	if err != nil {
		return err
	}
	defer floor.Close()
	floorNext := make([]atomic.Int64, uncontended)
	floorOp := func(ctx context.Context, w, seq int) error {
		i := int(floorNext[w].Add(1) - 1)
		if i >= len(slots[w]) {
			return errExhausted
		}
		return floor.book(ctx, fl.ID, fl.Staff[w], fl.Services[0], slots[w][i], seq)
	}
	e.report.add(measure(ctx, e, "booking", "floor (pgx)", nil, uncontended, floorOp))

	// With contention: many clients, few slots. Every 8 consecutive requests aim at the same slot
	// of one staff member, so one in eight can win and the others must get SLOT_UNAVAILABLE.
	last := staffCount - 1
	hot := slotsOf(last, now, fromDay, toDay)
	contendedOp := func(ctx context.Context, _, seq int) error {
		i := seq / 8
		if i >= len(hot) {
			return errExhausted
		}
		return book(ctx, sp, sp.Staff[last], hot[i], seq)
	}
	r := measure(ctx, e, "booking (contended)", "slotpay", e.slotpay, contended, contendedOp)
	r.Note = "8 attempts per slot"
	e.report.add(r)
	return nil
}

// book is the booking insert slotpay makes, by itself: claim the occupation, insert the
// reservation (the trigger takes the seat) with its customer and its history row, then publish the
// event once committed (as slotpay does, after COMMIT; here in a statement of its own).
func (f *Floor) book(ctx context.Context, tenantID, staffID, serviceID uuid.UUID, start time.Time, n int) error {
	end := start.Add(30 * time.Minute)
	now := time.Now()
	resID := uuid.New()
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, tenantID.String()); err != nil {
			return err
		}
		var occID uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO occupations AS o (tenant_id, id, staff_member_id, service_id, starts_at, ends_at,
				blocked_from, blocked_to, capacity, seats_taken, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $5, $6, 1, 0, $7, $7)
			ON CONFLICT (tenant_id, staff_member_id, service_id, starts_at, ends_at) DO UPDATE SET
				capacity = EXCLUDED.capacity,
				blocked_from = CASE WHEN o.seats_taken = 0 THEN EXCLUDED.blocked_from ELSE o.blocked_from END,
				blocked_to = CASE WHEN o.seats_taken = 0 THEN EXCLUDED.blocked_to ELSE o.blocked_to END,
				updated_at = EXCLUDED.updated_at
			RETURNING o.id`, tenantID, uuid.New(), staffID, serviceID, start, end, now).Scan(&occID)
		if err != nil {
			return err
		}
		email := fmt.Sprintf("f%d%s", n, bookingEmailDomain)
		if _, err := tx.Exec(ctx, `INSERT INTO customers (tenant_id, id, name, email, email_normalized, phone, phone_normalized, created_at, updated_at)
			VALUES ($1, $2, 'Klient Testowy', $3, $3, '+48600100200', '+48600100200', $4, $4) ON CONFLICT (tenant_id, email_normalized) DO NOTHING`,
			tenantID, uuid.New(), email, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reservations (tenant_id, id, service_id, staff_member_id, occupation_id, starts_at, ends_at,
				status, payment_status, price_amount, currency, customer_name, customer_email, customer_phone, note, source, request_hash, created_at, updated_at,
				customer_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'CONFIRMED', 'NOT_REQUIRED', 10000, 'PLN', 'Klient Testowy', $8, '+48600100200', '', 'PUBLIC', $9, $10, $10,
				(SELECT id FROM customers WHERE tenant_id = $1 AND email_normalized = $8))`,
			tenantID, resID, serviceID, staffID, occID, start, end, email, []byte{1}, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reservation_history (tenant_id, reservation_id, from_status, to_status, from_payment_status,
				to_payment_status, actor, reason, created_at) VALUES ($1, $2, NULL, 'CONFIRMED', NULL, 'NOT_REQUIRED', 'customer', 'created', $3)`,
			tenantID, resID, now); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = f.pool.Exec(ctx, `SELECT pg_notify('slotpay_events', $1)`,
		fmt.Sprintf(`{"k":"RESERVATION_CREATED","t":"%s","r":"%s","s":"%s","m":"%s"}`, tenantID, resID, serviceID, staffID))
	return err
}
