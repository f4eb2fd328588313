package ws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/graph/ws"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// harness is the Node project that runs the real graphql-ws client (testdata/graphqlws; .ci/run
// installs it with npm ci).
const harness = "testdata/graphqlws"

// skipNodeEnv, set to 1, skips the tests that need Node.js and the harness's packages; without it
// their absence fails the test, so CI cannot pass without running them.
const skipNodeEnv = "SLOTPAY_SKIP_NODE_TESTS"

// harnessTTL is the access token's lifetime in these tests: long enough for a connection to
// subscribe, short enough for three expiries in seconds.
const harnessTTL = 4 * time.Second

// TestGraphQLWSClientSurvivesTokenExpiry: a dashboard on the graphql-ws client with retryAttempts
// and connectionParams as a function keeps receiving events across three token expiries. In
// reconnect mode the server closes each connection with 4403 when its token expires and the
// client reconnects and resubscribes with a fresh token by itself; in renew mode the client
// renews the token on the open socket with a ping and the connection never closes.
func TestGraphQLWSClientSurvivesTokenExpiry(t *testing.T) {
	t.Parallel()
	node := nodeHarness(t)
	for _, mode := range []string{"reconnect", "renew"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := servertest.New(t, func(c *config.Config, _ *server.Options) { c.AccessTokenTTL = harnessTTL })
			owner := env.SignUp("graphql-ws-" + mode)
			s := runHarness(t, env, node, owner, mode)
			switch mode {
			case "reconnect":
				if len(s.Closes) < 3 || slices.ContainsFunc(s.Closes, func(c int) bool { return c != int(ws.CloseTokenExpired) }) {
					t.Fatalf("closes %v, want 4403 (token expired) three times", s.Closes)
				}
				if s.Connections != len(s.Closes)+1 {
					t.Fatalf("%d connections for %d closes", s.Connections, len(s.Closes))
				}
			case "renew":
				if s.Connections != 1 || len(s.Closes) != 0 {
					t.Fatalf("%d connections, closes %v: the renewed socket should have stayed", s.Connections, s.Closes)
				}
				if len(s.Pongs) < 3 {
					t.Fatalf("%d renewals answered, want one per token lifetime at least", len(s.Pongs))
				}
			}
			for i, n := range s.Events {
				if n == 0 {
					t.Fatalf("connection %d of %d received no event (%v)", i+1, s.Connections, s.Events)
				}
			}
		})
	}
}

// harnessSummary is what client.mjs prints last.
type harnessSummary struct {
	Connections int
	Closes      []int
	Events      []int // per connection
	Pongs       []int64
	Errors      []string
}

// nodeHarness returns the node binary, or fails (skips only with skipNodeEnv) when it or the
// harness's packages are missing.
func nodeHarness(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		if os.Getenv(skipNodeEnv) == "1" {
			t.Skipf("%s (%s=1)", what, skipNodeEnv)
		}
		t.Fatalf("%s: install Node.js 20 or later and run `npm ci --prefix graph/ws/%s` (.ci/run does), or set %s=1 to skip", what, harness, skipNodeEnv)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(harness, "node_modules", "graphql-ws", "package.json")); err != nil {
		// Install the pinned harness from its lockfile, as .ci/run does, so the README's one test
		// command works on a fresh checkout.
		npm, err := exec.LookPath("npm")
		if err != nil {
			missing("the graphql-ws harness is not installed and npm is not on PATH")
		}
		if out, err := exec.Command(npm, "ci", "--prefix", harness, "--no-audit", "--no-fund").CombinedOutput(); err != nil {
			missing(fmt.Sprintf("npm ci for the graphql-ws harness failed: %v\n%s", err, out))
		}
	}
	return node
}

// runHarness publishes an event to the owner's business every 250 ms while client.mjs runs, and
// returns its summary; it fails on the client's errors.
func runHarness(t *testing.T, env *servertest.Env, node string, owner servertest.Owner, mode string) harnessSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs")
	cmd.Dir = harness
	cmd.Env = append(os.Environ(), "SLOTPAY_URL="+env.URL, "SLOTPAY_REFRESH_TOKEN="+owner.RefreshToken,
		"MODE="+mode, "EXPIRIES=3",
		fmt.Sprintf("TTL_MS=%d", harnessTTL.Milliseconds()))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tenant := uuid.MustParse(owner.TenantID)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var runErr error
	for running := true; running; {
		select {
		case runErr = <-exited:
			running = false
		case <-tick.C:
			env.Server.Events.Deliver(events.Event{Kind: events.ReservationUpdated, TenantID: tenant, ReservationID: uuid.New()})
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var s harnessSummary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatalf("client.mjs printed no summary (%v): %s\n%s", runErr, stdout.String(), stderr.String())
	}
	t.Logf("%s: %d connections, closes %v, events per connection %v, %d renewals", mode, s.Connections, s.Closes, s.Events, len(s.Pongs))
	var exit *exec.ExitError
	if runErr != nil || len(s.Errors) > 0 {
		if errors.As(runErr, &exit) || len(s.Errors) > 0 {
			t.Fatalf("client.mjs failed (%v): errors %q\n%s", runErr, s.Errors, stderr.String())
		}
		t.Fatal(runErr)
	}
	return s
}
