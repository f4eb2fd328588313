package web_test

import (
	"os"
	"os/exec"
	"testing"
)

// TestPanelModules runs the panel's own module tests with Node's test runner: the Polish and
// English texts match (keys, placeholders, plural forms, every text a module asks for), and the imoje
// health decision's table (web/panel/*.test.mjs).
func TestPanelModules(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv(skipNodeEnv) == "1" {
			t.Skipf("node is not on PATH (%s=1)", skipNodeEnv)
		}
		t.Fatalf("node is not on PATH: install Node.js 20+, or set %s=1 to skip", skipNodeEnv)
	}
	cmd := exec.Command(node, "--test", "panel/i18n.test.mjs", "panel/health.test.mjs")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
