package graph

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/graph/generated"
)

// relayHarness is the Node project holding the pinned relay-compiler and the representative Relay
// documents it compiles (testdata/relay/src; .ci/run installs it with npm ci).
const relayHarness = "testdata/relay"

// skipNodeTests, set to 1, skips the tests that need Node.js and their harness's packages (as
// graph/ws's graphql-ws test does); without it their absence fails the test.
const skipNodeTests = "SLOTPAY_SKIP_NODE_TESTS"

// TestRelayCompilerAcceptsTheSchema runs the real relay-compiler over the schema as it is now and
// a handful of documents a Relay app would write: the agenda paged both ways with @connection and
// @refetchable, a reservation refetched through node(id:), the catalogue, team and payment ledgers'
// connections, nodes(ids:). It fails when the compiler rejects any of them.
func TestRelayCompilerAcceptsTheSchema(t *testing.T) {
	compiler := relayCompiler(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(relayHarness+"/src")); err != nil {
		t.Fatal(err)
	}
	// The harness's config, pointed at the copy: the compiler writes its artifacts beside it.
	config := `{"src": "./", "schema": "./schema.graphql", "language": "javascript", "artifactDirectory": "./__generated__",
		"excludes": ["**/node_modules/**", "**/__generated__/**"]}`
	schema := printSchema(generated.NewExecutableSchema(generated.Config{}).Schema())
	for name, text := range map[string]string{"relay.config.json": config, "schema.graphql": schema} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "__generated__"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(compiler[0], compiler[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("relay-compiler rejected the schema or a document: %v\n%s", err, out)
	}
	// Relay refetches a fragment on a Node type through Query.node.
	refetch, err := os.ReadFile(filepath.Join(dir, "__generated__", "ReservationCardRefetchQuery.graphql.js"))
	if err != nil {
		t.Fatalf("no refetch query generated: %v\n%s", err, out)
	}
	if !strings.Contains(string(refetch), "node(id: $id)") {
		t.Fatalf("the reservation's refetch query does not go through node(id:):\n%s", refetch)
	}
}

// relayCompiler is the command running the harness's relay-compiler; it installs the harness from
// its lockfile when missing, and fails (skips only with skipNodeTests=1) without Node.js or npm.
func relayCompiler(t *testing.T) []string {
	t.Helper()
	missing := func(what string) {
		if os.Getenv(skipNodeTests) == "1" {
			t.Skipf("%s (%s=1)", what, skipNodeTests)
		}
		t.Fatalf("%s: install Node.js 20 or later and run `npm ci --prefix graph/%s` (.ci/run does), or set %s=1 to skip", what, relayHarness, skipNodeTests)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	cli, err := filepath.Abs(filepath.Join(relayHarness, "node_modules", "relay-compiler", "cli.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			missing("the relay-compiler harness is not installed and npm is not on PATH")
		}
		if out, err := exec.Command(npm, "ci", "--prefix", relayHarness, "--no-audit", "--no-fund").CombinedOutput(); err != nil {
			missing(fmt.Sprintf("npm ci for the relay-compiler harness failed: %v\n%s", err, out))
		}
	}
	return []string{node, cli}
}
