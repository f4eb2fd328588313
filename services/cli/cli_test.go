package cli_test

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/migrations"
	"github.com/slotpay/slotpay/services/cli"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// run runs one command line in-process, as `slotpay args…` with environ.
func run(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errOut, Environ: environ})
	return code, out.String(), errOut.String()
}

// migrationFiles is how many migrations there are: not the latest version when numbers are
// reserved for work not merged yet (a gap in the sequence).
func latest(t *testing.T) int64 {
	t.Helper()
	v, err := database.LatestVersion()
	if err != nil || v < 2 {
		t.Fatalf("latest migration %d %v", v, err)
	}
	return v
}

// versions are the migrations' versions in order, from their file names. Versions need not be
// contiguous (numbers are reserved for work in progress), so their count is not the latest.
func versions(t *testing.T) []int64 {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) < 2 {
		t.Fatalf("migration files %v %v", files, err)
	}
	out := make([]int64, len(files))
	for i, f := range files {
		v, err := strconv.ParseInt(f[:strings.IndexByte(f, '_')], 10, 64)
		if err != nil {
			t.Fatalf("migration file %s: %v", f, err)
		}
		out[i] = v
	}
	slices.Sort(out)
	return out
}

// statusLines are migrate status's rows: version → state.
func statusLines(t *testing.T, out string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 4 && (f[1] == "applied" || f[1] == "pending") {
			rows[f[0]] = f[1]
		}
	}
	return rows
}

// TestMigrateOnFreshDatabase: on an empty database status lists every migration pending at version
// 0; up applies them all, after which status says all applied and version prints the newest;
// down rolls exactly one back (status shows it pending, the schema loses its objects) and up
// applies it again.
func TestMigrateOnFreshDatabase(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.Unmigrated(t, "cli", true)
	env := []string{"SLOTPAY_DATABASE_URL=" + dbURL}
	want, all := latest(t), versions(t)
	files, previous := len(all), all[len(all)-2]

	code, out, errOut := run(t, env, "migrate", "status")
	if code != cli.ExitOK {
		t.Fatalf("status on a fresh database: %d %s", code, errOut)
	}
	t.Log(out)
	rows := statusLines(t, out)
	if len(rows) != files || rows["1"] != "pending" || rows[fmt.Sprint(want)] != "pending" ||
		!strings.Contains(out, fmt.Sprintf("%d migrations, %d pending: run `slotpay migrate up`", files, files)) {
		t.Fatalf("status on a fresh database:\n%s", out)
	}
	if code, out, _ := run(t, env, "migrate", "version"); code != cli.ExitOK || strings.TrimSpace(out) != "0" {
		t.Fatalf("version on a fresh database: %d %q", code, out)
	}

	if code, _, errOut := run(t, env, "migrate", "down"); code != cli.ExitError || !strings.Contains(errOut, "nothing to roll back") {
		t.Fatalf("down on a fresh database: %d %s", code, errOut)
	}

	code, out, errOut = run(t, env, "migrate", "up")
	if code != cli.ExitOK || strings.Count(out, "applied 0") != files || !strings.Contains(out, fmt.Sprintf("database at version %d\n", want)) {
		t.Fatalf("up: %d\n%s%s", code, out, errOut)
	}
	_, out, _ = run(t, env, "migrate", "status")
	if rows := statusLines(t, out); len(rows) != files || strings.Contains(out, "pending") ||
		!strings.Contains(out, fmt.Sprintf("%d migrations, all applied", files)) {
		t.Fatalf("status after up:\n%s", out)
	}
	if code, out, _ := run(t, env, "migrate", "version"); code != cli.ExitOK || strings.TrimSpace(out) != fmt.Sprint(want) {
		t.Fatalf("version after up: %d %q", code, out)
	}
	if code, out, _ := run(t, env, "migrate", "up"); code != cli.ExitOK || !strings.Contains(out, "nothing to apply") {
		t.Fatalf("up again: %d %q", code, out)
	}

	code, out, errOut = run(t, env, "migrate", "down")
	if code != cli.ExitOK || !strings.Contains(out, fmt.Sprintf("rolled back %05d_", want)) || !strings.Contains(out, fmt.Sprintf("database at version %d\n", previous)) {
		t.Fatalf("down: %d\n%s%s", code, out, errOut)
	}
	_, out, _ = run(t, env, "migrate", "status")
	rows = statusLines(t, out)
	if rows[fmt.Sprint(want)] != "pending" || rows[fmt.Sprint(previous)] != "applied" {
		t.Fatalf("status after down:\n%s", out)
	}
	code, out, _ = run(t, env, "migrate", "up")
	if code != cli.ExitOK || strings.Count(out, "applied 0") != 1 {
		t.Fatalf("up after down: %d\n%s", code, out)
	}
}

// TestMigrateStatusOnMigratedDatabase: a database cloned from the migrated template is up to date.
func TestMigrateStatusOnMigratedDatabase(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	env := []string{"SLOTPAY_DATABASE_URL=" + db.OwnerURL}
	code, out, errOut := run(t, env, "migrate", "status")
	if code != cli.ExitOK {
		t.Fatalf("status: %d %s", code, errOut)
	}
	if rows := statusLines(t, out); len(rows) != len(versions(t)) || strings.Contains(out, "pending") {
		t.Fatalf("status on a migrated database:\n%s", out)
	}
	if _, out, _ := run(t, env, "migrate", "version"); strings.TrimSpace(out) != fmt.Sprint(latest(t)) {
		t.Fatalf("version: %q", out)
	}
}

// TestMigrateUpCreatesTheDatabase: like start-up, migrate up creates a missing database first.
// Status on a database that does not exist fails (exit 1) without creating it.
func TestMigrateUpCreatesTheDatabase(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.Unmigrated(t, "cli", false)
	env := []string{"SLOTPAY_DATABASE_URL=" + dbURL}
	if code, _, errOut := run(t, env, "migrate", "status"); code != cli.ExitError || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("status on a missing database: %d %s", code, errOut)
	}
	code, out, errOut := run(t, env, "migrate", "up")
	if code != cli.ExitOK || !strings.HasPrefix(out, "created database slotpay_t_cli_") || strings.Count(out, "applied 0") != len(versions(t)) {
		t.Fatalf("up on a missing database: %d\n%s%s", code, out, errOut)
	}
}

// TestMigrateWarnsAboutMisspeltURL: a misspelt SLOTPAY_DATABASE_URL would silently migrate the
// default database; the command says so on stderr.
func TestMigrateWarnsAboutMisspeltURL(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	_, _, errOut := run(t, []string{"SLOTPAY_DATABASE_URL=" + db.OwnerURL, "SLOTPAY_DATABSE_URL=postgres://elsewhere/x"}, "migrate", "version")
	if !strings.Contains(errOut, "warning: SLOTPAY_DATABSE_URL is not a setting; did you mean SLOTPAY_DATABASE_URL?") {
		t.Fatalf("stderr: %q", errOut)
	}
}

// TestUsage: no such command, or a migrate command with the wrong arguments, prints the usage and
// exits 2; help exits 0; version names the build.
func TestUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"serve-please"}, {"migrate"}, {"migrate", "sideways"}, {"migrate", "up", "now"}, {"healthcheck", "x"}} {
		code, out, errOut := run(t, nil, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, "usage: slotpay") {
			t.Errorf("%q: exit %d, stdout %q stderr %q", args, code, out, errOut)
		}
	}
	if code, out, _ := run(t, nil, "help"); code != cli.ExitOK || !strings.Contains(out, "migrate status") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, out, _ := run(t, nil, "version"); code != cli.ExitOK || !strings.HasPrefix(out, "slotpay ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: %d %q", code, out)
	}
}

// TestHealthcheckExitCodes: 0 against a ready server, 1 while /readyz says 503, 1 when nothing
// listens, 1 when the server does not answer within the timeout.
func TestHealthcheckExitCodes(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	if code, _, errOut := run(t, []string{"SLOTPAY_LISTEN_ADDR=" + addr}, "healthcheck"); code != cli.ExitOK {
		t.Fatalf("ready server: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, []string{"SLOTPAY_HEALTHCHECK_URL=" + srv.URL + "/readyz"}, "healthcheck"); code != cli.ExitOK {
		t.Fatalf("ready server by URL: %d %s", code, errOut)
	}
	// Not ready: the binary expects a migration the database lacks.
	owner, err := srv.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE goose_db_version SET is_applied = false WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, []string{"SLOTPAY_LISTEN_ADDR=" + addr}, "healthcheck"); code != cli.ExitError || !strings.Contains(errOut, "503") {
		t.Fatalf("server not ready: %d %s", code, errOut)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	if code, _, errOut := run(t, []string{"SLOTPAY_LISTEN_ADDR=" + free}, "healthcheck"); code != cli.ExitError || !strings.Contains(errOut, "refused") {
		t.Fatalf("nothing listening: %d %s", code, errOut)
	}

	// A server that accepts and never answers.
	hang := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hang.Serve(hl) }()
	t.Cleanup(func() { hang.Close() })
	start := time.Now()
	code, _, errOut := run(t, []string{"SLOTPAY_LISTEN_ADDR=" + hl.Addr().String()}, "healthcheck")
	if elapsed := time.Since(start); code != cli.ExitError || elapsed > cli.HealthcheckTimeout+2*time.Second {
		t.Fatalf("hanging server: exit %d after %s (%s)", code, elapsed, errOut)
	}
	if code, _, errOut := run(t, []string{"SLOTPAY_HEALTHCHECK_URL=not a url"}, "healthcheck"); code != cli.ExitError || !strings.Contains(errOut, "SLOTPAY_HEALTHCHECK_URL") {
		t.Fatalf("bad URL: %d %s", code, errOut)
	}
}
