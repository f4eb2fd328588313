package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/config"
)

// Report is everything one run measured.
type Report struct {
	Options  Options
	Started  time.Time
	Machine  string
	Build    string
	Seed     seedMeta
	Ready    []time.Duration
	Results  []Result
	Notes    []string
	Skipped  []string
	RowCount map[string]int64
}

func (r *Report) add(res ...Result) { r.Results = append(r.Results, res...) }

func (r *Report) skip(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("skipped: %s", msg)
	r.Skipped = append(r.Skipped, msg)
}

// env is what the workloads share.
type env struct {
	o         Options
	root      string
	src       string // the slotpay source built (see slotpaySource)
	cat       *Catalog
	owner     *pgxpool.Pool
	appURL    string
	slotpay   *Proc
	bin       string               // the slotpay binary, to start it again (restartSlotpay)
	tokens    map[uuid.UUID]string // tenant → owner's access token
	jwtKeys   string
	pprofAddr string
	dbName    string
	runStart  time.Time
	report    *Report
}

// Run seeds (or reuses) the bench database, starts slotpay as a process, runs the workloads and
// writes the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{Options: o, Started: time.Now(), Machine: machine()}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(o.OutDir) {
		o.OutDir = filepath.Join(root, o.OutDir)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	meta, err := EnsureSeed(ctx, o)
	if err != nil {
		return nil, err
	}
	rep.Seed = meta
	owner, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer owner.Close()
	cat, err := loadCatalog(ctx, owner, meta)
	if err != nil {
		return nil, err
	}
	rep.RowCount = rowCounts(ctx, owner)
	appURL, err := config.WithUser(o.DatabaseURL, "slotpay_app")
	if err != nil {
		return nil, err
	}
	src, desc, err := slotpaySource(ctx, root, o.OutDir, o.Source)
	if err != nil {
		return nil, err
	}
	rep.Build = desc
	logf("building slotpay from %s", desc)
	bin, err := buildSlotpay(ctx, src, o.OutDir)
	if err != nil {
		return nil, err
	}
	dbName, _ := config.DatabaseName(o.DatabaseURL)
	e := &env{o: o, root: root, src: src, bin: bin, dbName: dbName, cat: cat, owner: owner, appURL: appURL, jwtKeys: randomKey("bench"), runStart: time.Now(), report: rep}

	if err := e.coldStarts(); err != nil {
		return nil, err
	}
	defer func() { e.slotpay.Stop() }() // the process running at the end (steps may restart it)
	logf("slotpay ready in %s (pid %d)", e.slotpay.Ready.Round(time.Millisecond), e.slotpay.Cmd.Process.Pid)
	if err := e.mintTokens(); err != nil {
		return nil, err
	}

	var peer *Proc
	if o.Peer && (o.wants("dashboard")) {
		peer, err = startPeer(ctx, e)
		if err != nil {
			rep.skip("PostGraphile: %v", err)
			peer = nil
		} else {
			defer peer.Stop()
		}
	}
	steps := []struct {
		name string
		fn   func(context.Context, *env) error
	}{
		{"dashboard", func(ctx context.Context, e *env) error { return dashboardWorkload(ctx, e, peer) }},
		{"availability", availabilityWorkload},
		{"booking", bookingWorkload},
		{"webhook", webhookWorkload},
		{"push", pushWorkload},
		{"connections", connectionsWorkload},
	}
	for _, s := range steps {
		if !o.wants(s.name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		logf("workload %s", s.name)
		if err := s.fn(ctx, e); err != nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	writeReport(o.Out, rep)
	return rep, nil
}

// coldStarts measures the ready time of three cold starts of the process on the already-migrated
// database (one in smoke mode) and keeps the last process running as e.slotpay.
func (e *env) coldStarts() error {
	starts := 3
	if e.o.Mode == "smoke" {
		starts = 1
	}
	for i := 0; i < starts; i++ {
		p, err := e.startSlotpay(e.bin)
		if err != nil {
			return err
		}
		e.report.Ready = append(e.report.Ready, p.Ready)
		if i < starts-1 {
			p.Stop()
		} else {
			e.slotpay = p
		}
	}
	return nil
}

// restartSlotpay stops slotpay and starts a fresh process on the same database and keys (tokens
// minted earlier stay valid), so a step measures memory that is its own and not what earlier
// steps left in the heap.
func (e *env) restartSlotpay() error {
	e.slotpay.Stop()
	p, err := e.startSlotpay(e.bin)
	if err != nil {
		return err
	}
	e.slotpay = p
	logf("slotpay restarted in %s (pid %d)", p.Ready.Round(time.Millisecond), p.Cmd.Process.Pid)
	return nil
}

func (e *env) startSlotpay(bin string) (*Proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin)
	if e.o.Profile {
		pport, err := freePort()
		if err != nil {
			return nil, err
		}
		e.pprofAddr = fmt.Sprintf("127.0.0.1:%d", pport)
		cmd.Env = append(cmd.Env, "SLOTPAY_BENCH_PPROF="+e.pprofAddr)
	}
	cmd.Env = append(append(os.Environ(), cmd.Env...),
		"SLOTPAY_ENV=production",
		"SLOTPAY_DATABASE_URL="+e.o.DatabaseURL,
		"SLOTPAY_LISTEN_ADDR="+addr,
		"SLOTPAY_PUBLIC_BASE_URL=http://"+addr,
		"SLOTPAY_JWT_KEYS="+e.jwtKeys,
		"SLOTPAY_CREDENTIAL_KEYS="+benchCredentialKeys(),
		"SLOTPAY_ACCESS_TOKEN_TTL=6h",
		"SLOTPAY_ALLOWED_ORIGINS=*",
		// The load client books from one address: the per-address booking limit stays on (its cost
		// is part of what is measured) but wide enough never to refuse.
		"SLOTPAY_RATE_LIMIT_BOOKING_IP=1000000/1s",
	)
	return startProc("slotpay", cmd, "http://"+addr, "http://"+addr+"/readyz", false, filepath.Join(e.o.OutDir, "slotpay.log"), 30*time.Second)
}

// mintTokens signs an owner's access token for every tenant with the key slotpay was given, as
// log-in would (log-in itself, with its Argon2 hash, is not what these workloads measure).
func (e *env) mintTokens() error {
	cfg, err := config.Load(func(k string) string {
		if k == "SLOTPAY_JWT_KEYS" {
			return e.jwtKeys
		}
		return ""
	})
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(cfg.JWTIssuer, cfg.JWTKeys, 6*time.Hour, nil)
	if err != nil {
		return err
	}
	e.tokens = map[uuid.UUID]string{}
	for _, t := range e.cat.Tenants {
		tok, _, err := tokens.IssueStaff(t.OwnerID, t.ID, auth.RoleOwner)
		if err != nil {
			return err
		}
		e.tokens[t.ID] = tok
	}
	return nil
}

func machine() string {
	model := ""
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(raw), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
	}
	pg := ""
	if out, err := exec.Command("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version").Output(); err == nil {
		pg = "PostgreSQL " + strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s, %s, %s/%s", runtime.NumCPU(), model, mem, pg, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func rowCounts(ctx context.Context, owner *pgxpool.Pool) map[string]int64 {
	out := map[string]int64{}
	for _, t := range []string{"tenants", "staff_members", "services", "weekly_intervals", "reservations", "occupations", "reservation_history", "payments"} {
		var n int64
		// Planner estimates: exact counts of a million rows cost seconds for nothing.
		if err := owner.QueryRow(ctx, `SELECT reltuples::bigint FROM pg_class WHERE oid = $1::regclass`, t).Scan(&n); err == nil {
			out[t] = n
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
