// Command bench measures slotpay against the machine's own floor (the same SQL through pgx) and
// against a peer (PostGraphile v5 on the same database), side by side in one run, and prints the
// results as Markdown tables for BENCHMARKS.md.
//
//	go run ./bench -mode full     # seeds slotpay_bench once (minutes), then a few minutes of load
//	go run ./bench -mode smoke    # a tiny dataset and a second per workload (what CI runs)
//
// slotpay runs as a separate process built from this module, so its CPU time and RSS are read
// from /proc; the load generator is in this package (no external tools).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options select what a run does.
type Options struct {
	Mode string // "full" or "smoke"
	// DatabaseURL is the owner (superuser) connection to the bench database; the seeder writes
	// through it with COPY, bypassing RLS. slotpay itself runs on the application role.
	DatabaseURL string
	Reseed      bool
	// Workloads to run (comma-separated names); empty runs all.
	Only     string
	Duration time.Duration // measured time per step
	Levels   []int         // dashboard concurrency levels (default 8, 32, 128; smoke 8)
	Warmup   time.Duration
	Peer     bool   // run PostGraphile when installed
	Source   string // "head" (default) or "worktree": what slotpay is built from
	Profile  bool   // collect a CPU profile of slotpay during each of its steps (OutDir/cpu-*.pprof)
	OutDir   string // binary, logs, profiles
	Out      io.Writer
	// Scale of the seeded dataset.
	Scale Scale
}

func defaultOptions(mode string) Options {
	o := Options{Mode: mode, Peer: true, OutDir: "bench/out", Source: "head"}
	switch mode {
	case "smoke":
		o.DatabaseURL = "postgres://postgres@127.0.0.1:5432/slotpay_bench_smoke?sslmode=disable"
		o.Duration, o.Warmup = 700*time.Millisecond, 200*time.Millisecond
		o.Scale = SmokeScale
		o.Peer = false
	default:
		o.DatabaseURL = "postgres://postgres@127.0.0.1:5432/slotpay_bench?sslmode=disable"
		o.Duration, o.Warmup = 8*time.Second, 2*time.Second
		o.Scale = FullScale
	}
	return o
}

func main() {
	mode := flag.String("mode", "full", "full or smoke")
	dbURL := flag.String("db", "", "owner URL of the bench database (default postgres://postgres@127.0.0.1:5432/slotpay_bench)")
	reseed := flag.Bool("reseed", false, "drop and seed the bench database again")
	only := flag.String("only", "", "comma-separated workloads: ready,dashboard,availability,booking,webhook,push,connections")
	dur := flag.Duration("duration", 0, "measured time per step (default 8s full, 0.7s smoke)")
	levels := flag.String("levels", "", "dashboard concurrency levels, e.g. 1,8 (default 8,32,128; smoke 8)")
	peer := flag.Bool("peer", true, "run PostGraphile (bench/peer/install.sh) when installed")
	source := flag.String("source", "head", "build slotpay from the committed HEAD (head) or the working tree as it is (worktree)")
	profile := flag.Bool("profile", false, "collect slotpay CPU profiles during its steps into bench/out (bench-only build hook)")
	out := flag.String("out", "", "write the Markdown report to this file as well as stdout")
	flag.Parse()
	if *mode != "full" && *mode != "smoke" {
		log.Fatalf("-mode must be full or smoke")
	}
	o := defaultOptions(*mode)
	if *dbURL != "" {
		o.DatabaseURL = *dbURL
	}
	o.Reseed, o.Only, o.Source, o.Profile = *reseed, *only, *source, *profile
	o.Peer = o.Peer && *peer
	if *dur > 0 {
		o.Duration = *dur
	}
	for _, l := range strings.Split(*levels, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(l)); err == nil && n > 0 {
			o.Levels = append(o.Levels, n)
		}
	}
	o.Out = os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		o.Out = io.MultiWriter(os.Stdout, f)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := Run(ctx, o); err != nil {
		stop()
		log.Fatal(err)
	}
}

func (o Options) wants(name string) bool {
	if o.Only == "" {
		return true
	}
	for _, w := range strings.Split(o.Only, ",") {
		if strings.TrimSpace(w) == name {
			return true
		}
	}
	return false
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
