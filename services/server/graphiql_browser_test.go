package server_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// skipBrowserEnv opts out of the browser tests on a machine without Chromium; without it a missing
// Chromium fails them (.ci/run installs it).
const skipBrowserEnv = "SLOTPAY_SKIP_BROWSER_TESTS"

// TestGraphiQLInChromium loads the development GraphiQL page in headless Chromium that can reach
// nothing but the test server, runs a query with the headers typed into GraphiQL, and starts a
// subscription that receives the reservation booked meanwhile. Not parallel: it runs before the
// package's parallel tests, so Chromium's start-up does not compete with their timing.
func TestGraphiQLInChromium(t *testing.T) {
	page := newBrowser(t)
	b := newLiveEnv(t, "graphiql")

	editor := chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror"))
	run(t, page, chromedp.Navigate(b.URL+"/"), editor)
	// What a person types into the headers editor, kept by GraphiQL across the reload.
	run(t, page, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`localStorage.setItem("graphiql:headers", %q)`,
		`{"Authorization": "Bearer `+b.owner.AccessToken+`"}`)), chromedp.Reload(), editor)

	run(t, page, typeAndRun(`{ health { authenticated } tenant { slug } }`))
	if got := waitResult(t, page, `"slug": "graphiql"`); !strings.Contains(got, `"authenticated": true`) {
		t.Fatalf("query result: %s", got)
	}

	run(t, page, typeAndRun(`subscription { reservationsChanged { kind reservation { id status } } }`))
	waitSubscribed(t, b.Env, membershipWatch+1) // a staff socket also watches its membership
	r := b.book(t, 10, "")
	if got := waitResult(t, page, r.Reservation.ID); !strings.Contains(got, `"kind": "CREATED"`) {
		t.Fatalf("subscription result: %s", got)
	}
	page.check(t, b.URL)
}

// browserPage is a Chromium tab that records every request it makes and every error it logs.
type browserPage struct {
	ctx    context.Context
	mu     sync.Mutex
	urls   []string
	errors []string
}

func newBrowser(t *testing.T) *browserPage {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv(skipBrowserEnv) != "" {
			t.Skipf("no Chromium, and %s is set", skipBrowserEnv)
		}
		t.Fatalf("Chromium is not installed (apt-get install chromium); set %s=1 to skip browser tests", skipBrowserEnv)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		// No name resolves: the page can reach the test server on 127.0.0.1 and nothing else.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	p := &browserPage{ctx: ctx}
	if err := chromedp.Listen(ctx, p.listen); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{call(ctx, network.Enable, network.EnableParams{}), call(ctx, runtime.Enable, cdp.Empty{}),
		call(ctx, cdplog.Enable, cdp.Empty{})} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every refusal of the page's Content-Security-Policy, reported or not, becomes a logged error.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", e => console.error("CSP refused " + e.effectiveDirective + " " + e.blockedURI))`,
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func (p *browserPage) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.urls = append(p.urls, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		p.errors = append(p.errors, ev.ExceptionDetails.Text+" "+ev.ExceptionDetails.URL)
	case *cdplog.EventEntryAdded: // a refused Content-Security-Policy directive is reported here
		if ev.Entry.Level == cdplog.EntryLevelError {
			p.errors = append(p.errors, ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			for _, a := range ev.Args {
				p.errors = append(p.errors, string(a.Value)+a.Description)
			}
		}
	}
}

// check fails when the page asked anything of another origin or logged an error (a refused
// Content-Security-Policy directive is one).
func (p *browserPage) check(t *testing.T, origin string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	ws := "ws" + strings.TrimPrefix(origin, "http")
	for _, u := range p.urls {
		if !strings.HasPrefix(u, origin+"/") && !strings.HasPrefix(u, ws+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s", u)
		}
	}
	if len(p.errors) > 0 {
		t.Errorf("the page logged errors: %q", p.errors)
	}
}

func call[P any](ctx context.Context, cmd cdp.Command[P, cdp.Empty], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

func run(t *testing.T, p *browserPage, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// typeAndRun puts op into GraphiQL's query editor and presses its run button.
func typeAndRun(op string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(%q)`, op)),
			chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	}
}

// waitResult waits until GraphiQL's result pane shows want, and returns what it shows.
func waitResult(t *testing.T, p *browserPage, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](
			`(document.querySelector(".result-window .CodeMirror") || {CodeMirror: {getValue: () => ""}}).CodeMirror.getValue()`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the result pane never showed %q: %s", want, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
