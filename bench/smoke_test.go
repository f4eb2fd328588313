package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/database/dbtest"
)

// TestSmoke runs the whole harness in smoke mode on a fresh database: seed, build and start
// slotpay as a process, every workload for a moment, the report. It keeps the harness working; the
// figures themselves mean nothing at this size.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts slotpay")
	}
	d := dbtest.New(t)
	o := defaultOptions("smoke")
	o.DatabaseURL = d.OwnerURL
	o.OutDir = t.TempDir()
	o.Source = "worktree" // the code under test, as go test sees it
	var out bytes.Buffer
	o.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		seen[r.Workload+"/"+r.System] = true
		if r.Errors > 0 {
			t.Errorf("%s %s (%d clients): %d errors, first: %s", r.Workload, r.System, r.Concurrency, r.Errors, r.FirstErr)
		}
		if r.Ops == 0 {
			t.Errorf("%s %s (%d clients): no operation completed", r.Workload, r.System, r.Concurrency)
		}
	}
	for _, want := range []string{"dashboard/slotpay", "dashboard/floor (pgx)", "availability/slotpay", "availability/floor (pgx)", "booking/slotpay",
		"booking/floor (pgx)", "booking (contended)/slotpay", "webhook/slotpay", "webhook/floor (pgx)"} {
		if !seen[want] {
			t.Errorf("no result for %s", want)
		}
	}
	if liveAvailable(mustRoot(t)) {
		for _, want := range []string{"push latency/slotpay", "idle subscriptions/slotpay"} {
			if !seen[want] {
				t.Errorf("no result for %s", want)
			}
		}
	}
	for _, r := range rep.Results {
		if r.Workload == "booking (contended)" && r.Conflicts == 0 {
			t.Errorf("contended booking saw no SLOT_UNAVAILABLE")
		}
	}
	if len(rep.Ready) == 0 || rep.Ready[0] <= 0 {
		t.Errorf("ready time not measured")
	}
	if !strings.Contains(out.String(), "### dashboard") {
		t.Errorf("report has no dashboard table:\n%s", out.String())
	}
}

func mustRoot(t *testing.T) string {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}
