package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/demo"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// The browser journeys (web/e2e/*.mjs) run in Debian's Chromium through playwright-core against a
// real server (servertest: its own database, the built-in imoje simulator under /_imoje notifying
// /payment-imoje) holding the demo business (services/demo). Without Chromium or Node they fail;
// SLOTPAY_SKIP_BROWSER_TESTS=1 (or SLOTPAY_SKIP_NODE_TESTS=1) skips them on a machine that cannot
// have them. CI sets neither (.ci/run installs Chromium and runs npm ci for web/e2e).
const (
	skipBrowserEnv = "SLOTPAY_SKIP_BROWSER_TESTS"
	skipNodeEnv    = "SLOTPAY_SKIP_NODE_TESTS"
	harness        = "e2e"
)

// browserEnv is a running server with the demo business, and a page on another origin that embeds
// the widget with its one <script> tag.
type browserEnv struct {
	*servertest.Env
	demo       demo.Result
	node       string
	chromium   string
	thirdParty string
}

func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	node, chromium := browserTools(t)
	env := servertest.New(t)
	shop, ok := demo.ShopOf(env.Server.Imoje)
	if !ok {
		t.Fatal("the development server mounted no imoje simulator")
	}
	res, err := demo.Seed(context.Background(), env.Server.Handler, shop)
	if err != nil {
		t.Fatalf("seed the demo business: %v", err)
	}
	// A business's own site: another origin (and another site: localhost, not 127.0.0.1) with
	// nothing but the embed tag. slotpay has no SLOTPAY_ALLOWED_ORIGINS here: the widget's frame is
	// slotpay's own origin, so neither CORS nor the WebSocket origin check need the host site.
	host := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, thirdPartyPage, env.URL, res.Slug)
	}))
	host.Start()
	t.Cleanup(host.Close)
	third := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)
	return &browserEnv{Env: env, demo: res, node: node, chromium: chromium, thirdParty: third}
}

const thirdPartyPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Salon Example — book a visit</title></head>
<body><main><h1>Salon Example</h1><p>Book your visit below.</p>
<script src="%s/b/embed.js" data-business="%s" data-title="Book a visit" async></script>
</main></body></html>`

// browserTools returns node and Chromium, installing the harness's pinned packages (npm ci, as
// .ci/run does) when they are missing; it fails, or skips with the opt-out set, without them.
func browserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	skip := os.Getenv(skipBrowserEnv) == "1" || os.Getenv(skipNodeEnv) == "1"
	missing := func(what string) {
		if skip {
			t.Skipf("%s (%s=1 or %s=1)", what, skipBrowserEnv, skipNodeEnv)
		}
		t.Fatalf("%s: install Chromium (apt-get install chromium), Node.js 20+ and run `npm ci --prefix web/e2e` (.ci/run does), or set %s=1 to skip", what, skipBrowserEnv)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing("Chromium is not installed")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(harness, "node_modules", "playwright-core", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			missing("the browser harness is not installed and npm is not on PATH")
		}
		if out, err := exec.Command(npm, "ci", "--prefix", harness, "--no-audit", "--no-fund").CombinedOutput(); err != nil {
			missing(fmt.Sprintf("npm ci --prefix web/e2e failed: %v\n%s", err, out))
		}
	}
	return node, chromium
}

// journeyResult is the JSON line a journey prints last.
type journeyResult map[string]any

func (r journeyResult) str(key string) string { s, _ := r[key].(string); return s }

// journey runs web/e2e/<name>.mjs in Chromium and returns its result; the journey's own failures
// (a step that did not happen, a script error, an axe violation) fail the test with its output.
// Screenshots of every step land in web/e2e/artifacts/<name>/ (git-ignored).
func (b *browserEnv) journey(t *testing.T, name string, extraEnv ...string) journeyResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	artifacts, _ := filepath.Abs(filepath.Join(harness, "artifacts"))
	cmd := exec.CommandContext(ctx, b.node, name+".mjs")
	cmd.Dir = harness
	cmd.Env = append(os.Environ(), "SLOTPAY_URL="+b.URL, "SLOTPAY_SLUG="+b.demo.Slug,
		"SLOTPAY_OWNER_EMAIL="+b.demo.Email, "SLOTPAY_OWNER_PASSWORD="+b.demo.Password,
		"THIRD_PARTY_URL="+b.thirdParty, "ARTIFACTS="+artifacts, "CHROMIUM="+b.chromium)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, testLog{t, name}), &stderr
	err := cmd.Run()
	var last string
	sc := bufio.NewScanner(bytes.NewReader(stdout.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "{") {
			last = line
		}
	}
	if err != nil {
		t.Fatalf("journey %s failed (%v):\n%s", name, err, stderr.String())
	}
	var res journeyResult
	if err := json.Unmarshal([]byte(last), &res); err != nil || res["ok"] != true {
		t.Fatalf("journey %s printed no result (%q):\n%s", name, last, stderr.String())
	}
	return res
}

type testLog struct {
	t    *testing.T
	name string
}

func (l testLog) Write(p []byte) (int, error) {
	if testing.Verbose() {
		l.t.Log(l.name + ": " + strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// ownerToken logs the demo owner in.
func (b *browserEnv) ownerToken(t *testing.T) string {
	t.Helper()
	var out struct{ LogIn struct{ AccessToken string } }
	b.Must("", `mutation($in: LogInInput!) { logIn(input: $in) { accessToken } }`,
		map[string]any{"in": map[string]any{"email": b.demo.Email, "password": b.demo.Password}}, &out)
	return out.LogIn.AccessToken
}

// reservation is what the server recorded of a reservation a journey made.
type reservation struct {
	Status, PaymentStatus string
	AmountRefunded        struct{ Amount int }
	Payments              []struct {
		Status  string
		Channel string
		Refunds []struct {
			Status string
			Amount struct{ Amount int }
		}
	}
}

func (b *browserEnv) reservation(t *testing.T, token, id string) reservation {
	t.Helper()
	var out struct{ Reservation reservation }
	b.Must(token, `query($id: UUID!) { reservation(id: $id) { status paymentStatus amountRefunded { amount }
		payments { status channel refunds { status amount { amount } } } } }`, map[string]any{"id": id}, &out)
	return out.Reservation
}
