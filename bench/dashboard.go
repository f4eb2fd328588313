package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The dashboard is a staff member's agenda: the first 50 reservations of one staff member from the
// start of a day on, each with its service, staff member and payments. With the seeded density
// (about one reservation a working day per staff member) a page of 50 spans a few weeks.
// The query is a file so services/server's BenchmarkDashboardPage sends the same one in process.
//
//go:embed dashboard.graphql
var dashboardQuery string

// dashboardPick is one request's choice: every system gets the same sequence.
type dashboardPick struct {
	Tenant Tenant
	Staff  uuid.UUID
	From   time.Time
}

func dashboardPicks(cat *Catalog, n int) []dashboardPick {
	rng := rand.New(rand.NewPCG(42, 1))
	tenants := cat.dashboardTenants()
	days := max(cat.Scale.DaysBack-60, 1)
	out := make([]dashboardPick, n)
	for i := range out {
		t := tenants[rng.IntN(len(tenants))]
		day := cat.SeededAt.AddDate(0, 0, -cat.Scale.DaysBack+rng.IntN(days)).Truncate(24 * time.Hour)
		out[i] = dashboardPick{Tenant: t, Staff: t.Staff[rng.IntN(len(t.Staff))], From: day}
	}
	return out
}

func dashboardWorkload(ctx context.Context, e *env, peer *Proc) error {
	levels := []int{8, 32, 128}
	if e.o.Mode == "smoke" {
		levels = []int{8}
	}
	if len(e.o.Levels) > 0 {
		levels = e.o.Levels
	}
	picks := dashboardPicks(e.cat, 4096)
	pick := func(seq int) dashboardPick { return picks[seq%len(picks)] }

	gql := newGQLClient(e.slotpay.URL+"/graphql", levels[len(levels)-1])
	defer gql.close()
	slotpayOp := func(ctx context.Context, _, seq int) error {
		p := pick(seq)
		_, err := gql.do(ctx, e.tokens[p.Tenant.ID], dashboardQuery, map[string]any{"staff": p.Staff, "from": p.From.Format(time.RFC3339)})
		return err
	}
	// One checked request before measuring: the page is full and nested fields are there.
	body, err := gql.do(ctx, e.tokens[pick(0).Tenant.ID], dashboardQuery, map[string]any{"staff": pick(0).Staff, "from": pick(0).From.Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("slotpay dashboard: %w", err)
	}
	if n, err := countSlotpayNodes(body); err != nil || n == 0 {
		return fmt.Errorf("slotpay dashboard returned %d reservations (%v): %.300s", n, err, body)
	}

	floor, err := newFloor(ctx, e.appURL)
	if err != nil {
		return err
	}
	defer floor.Close()
	floorOp := func(ctx context.Context, _, seq int) error {
		p := pick(seq)
		return floor.dashboard(ctx, p.Tenant.ID, p.Staff, p.From)
	}

	var peerOp Op
	var peerClient *gqlClient
	if peer != nil {
		peerClient = newGQLClient(peer.URL+"/graphql", levels[len(levels)-1])
		defer peerClient.close()
		peerOp = func(ctx context.Context, _, seq int) error {
			p := pick(seq)
			_, err := peerClient.do(ctx, "", peerDashboardQuery, map[string]any{"tenant": p.Tenant.ID, "staff": p.Staff, "from": p.From.Format(time.RFC3339)})
			return err
		}
		body, err := peerClient.do(ctx, "", peerDashboardQuery, map[string]any{"tenant": pick(0).Tenant.ID, "staff": pick(0).Staff, "from": pick(0).From.Format(time.RFC3339)})
		if err != nil {
			e.report.skip("PostGraphile dashboard query failed: %v (%.300s)", err, body)
			peerOp = nil
		}
	}

	for _, n := range levels {
		e.report.add(measure(ctx, e, "dashboard", "slotpay", e.slotpay, n, slotpayOp))
		e.report.add(measure(ctx, e, "dashboard", "floor (pgx)", nil, n, floorOp))
		if peerOp != nil {
			e.report.add(measure(ctx, e, "dashboard", "PostGraphile", peer, n, peerOp))
		}
	}
	return nil
}

// measure runs one step with the process's CPU and RSS sampled.
func measure(ctx context.Context, e *env, workload, system string, proc *Proc, n int, op Op) Result {
	pid := 0
	if proc != nil {
		pid = proc.Cmd.Process.Pid
	}
	m := meter(pid, e.dbName)
	x0 := e.xacts(ctx)
	var prof chan struct{}
	if e.pprofAddr != "" && system == "slotpay" {
		prof = make(chan struct{})
		go func() {
			defer close(prof)
			time.Sleep(e.o.Warmup)
			e.cpuProfile(fmt.Sprintf("cpu-%s-%d.pprof", strings.ReplaceAll(workload, " ", "-"), n), e.o.Duration-time.Second)
		}()
	}
	r := runLoad(ctx, n, e.o.Warmup, e.o.Duration, op)
	m.Done()
	if prof != nil {
		<-prof
	}
	r.Workload, r.System, r.CPU, r.PeakRSS = workload, system, m.CPUCores, m.PeakRSS
	r.PGCPU, r.MachineCPU = m.PGCores, m.MachineCores
	if x0 > 0 && r.Ops > 0 {
		// Statistics reach pg_stat_database when backends go idle, at most once a second.
		time.Sleep(1100 * time.Millisecond)
		r.TxPerOp = float64(e.xacts(ctx)-x0) / float64(r.Ops)
	}
	logf("  %-12s %-14s c=%-4d %8.1f/s p50 %-9s p99 %-9s errors %d conflicts %d cpu %.2f rss %s tx/op %.1f pg %.2f machine %.2f %s",
		workload, system, n, r.Throughput(), fmtDur(r.Pct(50)), fmtDur(r.Pct(99)), r.Errors, r.Conflicts, r.CPU, fmtMB(r.PeakRSS), r.TxPerOp, r.PGCPU, r.MachineCPU, r.FirstErr)
	return r
}

// cpuProfile saves a CPU profile of slotpay taken over d.
func (e *env) cpuProfile(name string, d time.Duration) {
	e.saveProfile(name, fmt.Sprintf("profile?seconds=%d", max(int(d/time.Second), 1)))
}

// saveProfile saves one of slotpay's /debug/pprof/ answers (bench-only build hook) in OutDir.
func (e *env) saveProfile(name, path string) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/%s", e.pprofAddr, path))
	if err != nil {
		logf("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(filepath.Join(e.o.OutDir, name))
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}

// xacts is the number of transactions the bench database has committed or rolled back so far
// (all systems and the warm-up included: divided by the measured operations it is approximate).
func (e *env) xacts(ctx context.Context) int64 {
	var n int64
	_ = e.owner.QueryRow(ctx, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	return n
}

func countSlotpayNodes(body []byte) (int, error) {
	var out struct {
		Data struct {
			Reservations struct {
				Edges []struct {
					Node struct {
						Service     *struct{ ID string } `json:"service"`
						StaffMember *struct{ ID string } `json:"staffMember"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"reservations"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, err
	}
	for _, e := range out.Data.Reservations.Edges {
		if e.Node.Service == nil || e.Node.StaffMember == nil {
			return 0, fmt.Errorf("nested fields missing")
		}
	}
	return len(out.Data.Reservations.Edges), nil
}

// Floor is the same SQL that answers the dashboard and the booking insert, through pgx on the
// application role (so row-level security applies, as it does to slotpay), without GraphQL, HTTP,
// JSON or tokens: what the data itself costs on this machine.
type Floor struct{ pool *pgxpool.Pool }

func newFloor(ctx context.Context, appURL string) (*Floor, error) {
	// pgxpool's default size, as slotpay's own pool (database.Open with no maximum).
	pool, err := pgxpool.New(ctx, appURL)
	if err != nil {
		return nil, err
	}
	return &Floor{pool: pool}, nil
}

func (f *Floor) Close() { f.pool.Close() }

// dashboard runs the page query and the three batch queries slotpay's loaders run (services, staff
// members, payments of the page), in one tenant-scoped transaction, and reads every row.
func (f *Floor) dashboard(ctx context.Context, tenantID, staffID uuid.UUID, from time.Time) error {
	return pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, tenantID.String()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT * FROM reservations WHERE staff_member_id = $1 AND starts_at >= $2 ORDER BY starts_at, id LIMIT 51`, staffID, from)
		if err != nil {
			return err
		}
		var resIDs []uuid.UUID
		services := map[uuid.UUID]bool{}
		staff := map[uuid.UUID]bool{}
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				return err
			}
			resIDs = append(resIDs, uuid.UUID(v[1].([16]byte)))
			services[uuid.UUID(v[2].([16]byte))] = true
			staff[uuid.UUID(v[3].([16]byte))] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(resIDs) > 50 {
			resIDs = resIDs[:50]
		}
		for _, q := range []struct {
			sql string
			ids []uuid.UUID
		}{
			{`SELECT * FROM services WHERE id = ANY($1)`, keys(services)},
			{`SELECT * FROM staff_members WHERE id = ANY($1)`, keys(staff)},
			{`SELECT * FROM payments WHERE reservation_id = ANY($1) ORDER BY created_at DESC`, resIDs},
		} {
			rows, err := tx.Query(ctx, q.sql, q.ids)
			if err != nil {
				return err
			}
			for rows.Next() {
				if _, err := rows.Values(); err != nil {
					rows.Close()
					return err
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
}

func keys(m map[uuid.UUID]bool) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
