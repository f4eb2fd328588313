//go:build unix

package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// maxRefusalCPU is what refusing a costly query may take of the process's CPU. Refusing either
// shape takes about a millisecond (several under -race); before the shape check, the fragment
// bomb alone took 7–12 s.
const maxRefusalCPU = 50 * time.Millisecond

// processCPU is the CPU time (user and system) the test process has used: the server runs in it.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// costlyQueries are refused before validation; each is about as large as it was when reported.
func costlyQueries() map[string]string {
	var bomb strings.Builder // 24 fragments, each spreading the one before twice: 2^24 fields
	bomb.WriteString("query { ...F24 }\nfragment F0 on Query { health { status } }\n")
	for i := 1; i <= 24; i++ {
		fmt.Fprintf(&bomb, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	var aliases strings.Builder // 1,000 aliases of one field
	aliases.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&aliases, " a%d: __typename", i)
	}
	aliases.WriteString(" }")
	return map[string]string{"fragment bomb": bomb.String(), "1,000 aliases": aliases.String()}
}

// TestCostlyQueriesRefusedCheaply: the fragment bomb and a 1,000-alias request are refused with
// COMPLEXITY_LIMIT_EXCEEDED in under 50 ms of CPU, over HTTP and over both WebSocket protocols, in
// production. Not parallel: the process's CPU time is the measure, and parallel tests wait until
// the sequential ones are done.
func TestCostlyQueriesRefusedCheaply(t *testing.T) {
	env := servertest.New(t, func(c *config.Config, _ *server.Options) { c.Env = config.Production })
	env.Must("", `{ health { status } }`, nil, nil) // the first request pays for lazy set-up
	for name, query := range costlyQueries() {
		t.Run(name+" over HTTP", func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": query})
			// Twice: a refused query is never cached, so it is measured (and refused) again.
			for range 2 {
				before := processCPU(t)
				status, _, resp := post(t, env.URL+"/graphql", "application/json", "", string(body))
				used := processCPU(t) - before
				t.Logf("%d bytes refused in %s of CPU", len(query), used)
				if status != 200 && status != 422 || !strings.Contains(resp, `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) {
					t.Fatalf("%d %.300s", status, resp)
				}
				if used > maxRefusalCPU {
					t.Fatalf("refusing took %s of CPU, more than %s", used, maxRefusalCPU)
				}
			}
		})
		for _, proto := range protocols {
			t.Run(name+" over "+proto, func(t *testing.T) {
				c := connect(t, env.URL, proto, "")
				before := processCPU(t)
				c.subscribe("1", query, nil)
				code := c.operationError("1", 5*time.Second)
				used := processCPU(t) - before
				t.Logf("refused in %s of CPU", used)
				if code != "COMPLEXITY_LIMIT_EXCEEDED" {
					t.Fatalf("code %q", code)
				}
				if used > maxRefusalCPU {
					t.Fatalf("refusing took %s of CPU, more than %s", used, maxRefusalCPU)
				}
			})
		}
	}
}

// TestDashboardQueryWithinLimits: the dashboard's agenda query (bench/dashboard.graphql) is well
// inside every limit and answered; a wider page is still refused by the complexity limit.
func TestDashboardQueryWithinLimits(t *testing.T) {
	t.Parallel()
	env := newBookingEnv(t, "limits-dashboard", map[string]any{"durationMinutes": 30})
	for h := range 3 {
		start := time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw).Add(time.Duration(h) * time.Hour)
		env.Must("", createReservationOp, map[string]any{"in": env.reservationInput(start, "")}, nil)
	}
	query, err := os.ReadFile("../../bench/dashboard.graphql")
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Reservations struct {
			Edges []struct {
				Node struct{ Service struct{ Name string } }
			}
		}
	}
	env.Must(env.owner.AccessToken, string(query), map[string]any{"staff": env.staff, "from": "2026-03-03T00:00:00Z"}, &out)
	if len(out.Reservations.Edges) != 3 || out.Reservations.Edges[0].Node.Service.Name == "" {
		t.Fatalf("agenda: %+v", out)
	}
	// Within the shape limits, gqlgen's complexity limit still weighs pages: the same agenda asking
	// for 100 reservations costs more than it allows.
	wide := strings.Replace(string(query), "first: 50", "first: 100", 1)
	if e := env.MustFail(env.owner.AccessToken, wide, map[string]any{"staff": env.staff, "from": "2026-03-03T00:00:00Z"},
		"COMPLEXITY_LIMIT_EXCEEDED"); e.Extensions["maxSelections"] != nil {
		t.Fatalf("refused by the shape check, not the complexity limit: %+v", e)
	}
}
