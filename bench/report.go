package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// writeReport prints the run as Markdown: setup, ready time, one table per workload with the
// ratios against the floor and the peer measured in the same run, and the targets.
func writeReport(w io.Writer, r *Report) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("## Run of %s (mode %s)", r.Started.Format("2006-01-02 15:04 MST"), r.Options.Mode)
	p("")
	p("- Machine: %s", r.Machine)
	p("- slotpay: built from %s", r.Build)
	p("- Steps: %s measured after %s warm-up; closed-loop clients in the bench process on the same machine.", r.Options.Duration, r.Options.Warmup)
	var counts []string
	for _, k := range sortedKeys(r.RowCount) {
		counts = append(counts, fmt.Sprintf("%s %d", k, r.RowCount[k]))
	}
	p("- Dataset (planner estimates): %s; seeded %s.", strings.Join(counts, ", "), r.Seed.SeededAt.Format(time.RFC3339))
	if len(r.Ready) > 0 {
		var rs []string
		for _, d := range r.Ready {
			rs = append(rs, fmtDur(d))
		}
		p("- Ready (process start → first `/readyz` 200), %d starts: %s.", len(r.Ready), strings.Join(rs, ", "))
	}
	p("")
	byWorkload := map[string][]Result{}
	var order []string
	for _, res := range r.Results {
		if _, ok := byWorkload[res.Workload]; !ok {
			order = append(order, res.Workload)
		}
		byWorkload[res.Workload] = append(byWorkload[res.Workload], res)
	}
	for _, wl := range order {
		rows := byWorkload[wl]
		p("### %s", wl)
		p("")
		p("| system | clients | ops/s | p50 | p95 | p99 | ops | errors | conflicts | CPU (cores) | CPU/op | peak RSS | DB tx/op | PG CPU | PG CPU/op | machine CPU | vs floor | vs PostGraphile |")
		p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, res := range rows {
			vsFloor, vsPeer := "", ""
			if res.System == "slotpay" {
				if f := find(rows, "floor (pgx)", res.Concurrency); f != nil && f.Throughput() > 0 {
					vsFloor = fmt.Sprintf("%.0f %%", 100*res.Throughput()/f.Throughput())
				}
				if pg := find(rows, "PostGraphile", res.Concurrency); pg != nil && pg.Throughput() > 0 {
					vsPeer = fmt.Sprintf("%.2f×", res.Throughput()/pg.Throughput())
				}
			}
			cpu, cpuOp, pgOp := "–", "–", "–"
			if res.CPU > 0 {
				cpu = fmt.Sprintf("%.2f", res.CPU)
			}
			// CPU per operation: cores busy over operations per second.
			if t := res.Throughput(); t > 0 {
				if res.CPU > 0 {
					cpuOp = fmtDur(time.Duration(res.CPU / t * float64(time.Second)))
				}
				if res.PGCPU > 0 {
					pgOp = fmtDur(time.Duration(res.PGCPU / t * float64(time.Second)))
				}
			}
			tx := "–"
			if res.TxPerOp > 0 {
				tx = fmt.Sprintf("%.1f", res.TxPerOp)
			}
			p("| %s | %d | %.0f | %s | %s | %s | %d | %d | %d | %s | %s | %s | %s | %.2f | %s | %.2f | %s | %s |", res.System, res.Concurrency, res.Throughput(),
				fmtDur(res.Pct(50)), fmtDur(res.Pct(95)), fmtDur(res.Pct(99)), res.Ops, res.Errors, res.Conflicts, cpu, cpuOp, fmtMB(res.PeakRSS), tx,
				res.PGCPU, pgOp, res.MachineCPU, vsFloor, vsPeer)
		}
		for _, res := range rows {
			if res.Note != "" || res.FirstErr != "" {
				line := "- " + res.System + fmt.Sprintf(" (%d): ", res.Concurrency) + res.Note
				if res.FirstErr != "" {
					line += fmt.Sprintf(" first error: `%.200s`", res.FirstErr)
				}
				p("%s", line)
			}
		}
		p("")
	}
	p("### Targets")
	p("")
	p("| target | measured | met |")
	p("|---|---|---|")
	for _, t := range targets(r) {
		p("| %s | %s | %s |", t[0], t[1], t[2])
	}
	p("")
	if len(r.Skipped) > 0 {
		p("### Not measured in this run")
		p("")
		for _, s := range r.Skipped {
			p("- %s", s)
		}
		p("")
	}
}

func find(rows []Result, system string, c int) *Result {
	for i := range rows {
		if rows[i].System == system && rows[i].Concurrency == c {
			return &rows[i]
		}
	}
	return nil
}

// resultsOf is the rows of one workload.
func resultsOf(r *Report, workload string) []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Workload == workload {
			out = append(out, res)
		}
	}
	return out
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// targets checks the targets against this run's figures.
func targets(r *Report) [][3]string {
	var out [][3]string
	dash := resultsOf(r, "dashboard")
	for _, res := range dash {
		if res.System != "slotpay" {
			continue
		}
		if pg := find(dash, "PostGraphile", res.Concurrency); pg != nil && pg.Throughput() > 0 {
			x := res.Throughput() / pg.Throughput()
			out = append(out, [3]string{fmt.Sprintf("dashboard ≥ 1.5× PostGraphile (%d clients)", res.Concurrency), fmt.Sprintf("%.2f×", x), yes(x >= 1.5)})
		}
		if f := find(dash, "floor (pgx)", res.Concurrency); f != nil && f.Throughput() > 0 {
			x := res.Throughput() / f.Throughput()
			out = append(out, [3]string{fmt.Sprintf("dashboard ≥ 50 %% of raw floor (%d clients)", res.Concurrency), fmt.Sprintf("%.0f %%", 100*x), yes(x >= 0.5)})
		}
	}
	for _, res := range r.Results {
		switch {
		case res.Workload == "booking" && res.System == "slotpay":
			if f := find(resultsOf(r, "booking"), "floor (pgx)", res.Concurrency); f != nil && f.Throughput() > 0 {
				x := res.Throughput() / f.Throughput()
				out = append(out, [3]string{"booking ≥ 50 % of raw insert floor", fmt.Sprintf("%.0f %%", 100*x), yes(x >= 0.5)})
			}
		case res.Workload == "availability" && res.System == "slotpay":
			if f := find(resultsOf(r, "availability"), "floor (pgx)", res.Concurrency); f != nil && f.Throughput() > 0 {
				x := res.Throughput() / f.Throughput()
				out = append(out, [3]string{fmt.Sprintf("availability ≥ 50 %% of its floor (%d clients)", res.Concurrency),
					fmt.Sprintf("%.0f %% (%.0f/s of %.0f/s)", 100*x, res.Throughput(), f.Throughput()), yes(x >= 0.5)})
			}
		case res.Workload == "webhook" && res.System == "slotpay":
			if f := find(resultsOf(r, "webhook"), "floor (pgx)", res.Concurrency); f != nil && f.Throughput() > 0 {
				x := res.Throughput() / f.Throughput()
				out = append(out, [3]string{"webhook ≥ 90 % of its floor", fmt.Sprintf("%.0f %% (%.0f/s of %.0f/s)", 100*x, res.Throughput(), f.Throughput()), yes(x >= 0.9)})
			}
		case res.Workload == "push latency":
			out = append(out, [3]string{fmt.Sprintf("push p99 ≤ 25 ms at %d subscribers", res.Concurrency), fmtDur(res.Pct(99)), yes(res.Pct(99) <= 25*time.Millisecond && res.Errors == 0)})
		case res.Workload == "idle subscriptions":
			out = append(out, [3]string{fmt.Sprintf("%d idle subscriptions ≤ 256 MB RSS", res.Concurrency), fmtMB(res.PeakRSS), yes(res.PeakRSS <= 256<<20 && res.Errors == 0)})
		}
	}
	if len(r.Ready) > 0 {
		worst := slices.Max(r.Ready)
		out = append(out, [3]string{"ready < 1 s after start", "worst of " + fmt.Sprint(len(r.Ready)) + ": " + fmtDur(worst), yes(worst < time.Second)})
	}
	return out
}
