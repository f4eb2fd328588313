package config_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
)

// TestLoadRefusesNonsense: every duration and size has a range; values outside it are refused by
// name, whatever the environment.
func TestLoadRefusesNonsense(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, value, want string
	}{
		{"SLOTPAY_ACCESS_TOKEN_TTL", "-5m", `SLOTPAY_ACCESS_TOKEN_TTL: "-5m" must be positive`},
		{"SLOTPAY_ACCESS_TOKEN_TTL", "0", "SLOTPAY_ACCESS_TOKEN_TTL"},
		{"SLOTPAY_ACCESS_TOKEN_TTL", "48h", `"48h" must be at most 24h0m0s`},
		{"SLOTPAY_ACCESS_TOKEN_TTL", "soon", "is not a duration"},
		{"SLOTPAY_REFRESH_TOKEN_TTL", "-1h", "SLOTPAY_REFRESH_TOKEN_TTL"},
		{"SLOTPAY_REFRESH_TOKEN_TTL", "10m", "must not be shorter than SLOTPAY_ACCESS_TOKEN_TTL"},
		{"SLOTPAY_REFRESH_TOKEN_TTL", "100000h", "SLOTPAY_REFRESH_TOKEN_TTL"},
		{"SLOTPAY_SHUTDOWN_TIMEOUT", "0s", `SLOTPAY_SHUTDOWN_TIMEOUT: "0s" must be positive`},
		{"SLOTPAY_SHUTDOWN_TIMEOUT", "2h", "SLOTPAY_SHUTDOWN_TIMEOUT"},
		{"SLOTPAY_IMOJE_TIMEOUT", "0", "SLOTPAY_IMOJE_TIMEOUT"},
		{"SLOTPAY_IMOJE_TIMEOUT", "1h", "SLOTPAY_IMOJE_TIMEOUT"},
		{"SLOTPAY_RECONCILE_INTERVAL", "-1s", "SLOTPAY_RECONCILE_INTERVAL"},
		{"SLOTPAY_RECONCILE_INTERVAL", "10ms", `SLOTPAY_RECONCILE_INTERVAL: "10ms" must be at least 1s`},
		{"SLOTPAY_RECONCILE_MIN_AGE", "1000h", "SLOTPAY_RECONCILE_MIN_AGE"},
		{"SLOTPAY_DATABASE_WAIT", "-1s", `SLOTPAY_DATABASE_WAIT: "-1s" must be from 0`},
		{"SLOTPAY_DATABASE_WAIT", "2h", "SLOTPAY_DATABASE_WAIT"},
		{"SLOTPAY_DATABASE_WAIT", "a while", "SLOTPAY_DATABASE_WAIT"},
		{"SLOTPAY_MIGRATE", "no", `SLOTPAY_MIGRATE must be true or false, not "no"`},
		{"SLOTPAY_HEALTHCHECK_URL", "localhost:8080/readyz", "SLOTPAY_HEALTHCHECK_URL"},
		{"SLOTPAY_RECONCILE_BATCH", "0", "SLOTPAY_RECONCILE_BATCH"},
		{"SLOTPAY_RECONCILE_BATCH", "20000", "SLOTPAY_RECONCILE_BATCH"},
		{"SLOTPAY_PASSWORD_CONCURRENCY", "0", "SLOTPAY_PASSWORD_CONCURRENCY"},
		{"SLOTPAY_PASSWORD_CONCURRENCY", "-4", "SLOTPAY_PASSWORD_CONCURRENCY"},
		{"SLOTPAY_RATE_LIMIT_FAILURE_COST", "0", "SLOTPAY_RATE_LIMIT_FAILURE_COST"},
		{"SLOTPAY_RATE_LIMIT_LOGIN_IP", "-5/1m", "SLOTPAY_RATE_LIMIT_LOGIN_IP"},
		{"SLOTPAY_JWT_KEYS", "k1:c2hvcnQ=", "at least 32 bytes"},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			t.Parallel()
			for env, getenv := range map[string]func(string) string{
				"development": development(map[string]string{c.name: c.value}),
				"production":  production(map[string]string{c.name: c.value}),
			} {
				_, err := config.Load(getenv)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: error %v, want one containing %q", env, err, c.want)
				}
			}
		})
	}
}

// TestStartupSettings: the defaults migrate and wait a minute; SLOTPAY_MIGRATE=false and
// SLOTPAY_DATABASE_WAIT=0 (try once) are taken; the health check asks /readyz on loopback when the
// server listens on every interface.
func TestStartupSettings(t *testing.T) {
	t.Parallel()
	c, err := config.Load(production(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SkipMigrations || c.DatabaseWait.String() != "1m0s" || c.HealthcheckURL != "http://127.0.0.1:8080/readyz" {
		t.Fatalf("defaults: skip %v wait %s health %s", c.SkipMigrations, c.DatabaseWait, c.HealthcheckURL)
	}
	c, err = config.Load(production(map[string]string{"SLOTPAY_MIGRATE": "false", "SLOTPAY_DATABASE_WAIT": "0",
		"SLOTPAY_HEALTHCHECK_URL": "http://10.0.0.5:8080/readyz"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SkipMigrations || c.DatabaseWait != 0 || c.HealthcheckURL != "http://10.0.0.5:8080/readyz" {
		t.Fatalf("set: skip %v wait %s health %s", c.SkipMigrations, c.DatabaseWait, c.HealthcheckURL)
	}
	for listen, want := range map[string]string{
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":9000":          "http://127.0.0.1:9000/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"127.0.0.1:8081": "http://127.0.0.1:8081/readyz",
		"localhost:8080": "http://localhost:8080/readyz",
	} {
		if got := config.ReadinessURL(listen); got != want {
			t.Errorf("ReadinessURL(%q) = %s, want %s", listen, got, want)
		}
	}
}

// TestUnknownSettingsWarned: a SLOTPAY_ variable that is not a setting is named, with the setting it
// most likely meant; far-off names get no guess; settings, other programs' variables and the test
// tooling's SLOTPAY_TEST_/SLOTPAY_BENCH_ are left alone. The warnings come with a refused
// configuration too (the typo is often why).
func TestUnknownSettingsWarned(t *testing.T) {
	t.Parallel()
	environ := []string{
		"PATH=/usr/bin",
		"SLOTPAY_ENV=production",
		"SLOTPAY_ACESS_TOKEN_TTL=5m",
		"SLOTPAY_PUBLIC_BASEURL=https://api.example",
		"slotpay_listen_addr=0.0.0.0:80",
		"SLOTPAY_RATE_LIMIT_LOGIN=5/1m",
		"SLOTPAY_COFFEE_MACHINE=on",
		"SLOTPAY_TEST_DATABASE_URL=postgres://x",
		"SLOTPAY_BENCH_PPROF=1",
		"SLOTPAY_DATABASE_WAIT=10s",
	}
	_, warnings, err := config.LoadEnviron(environ)
	if err == nil || !strings.Contains(err.Error(), "SLOTPAY_PUBLIC_BASE_URL is required") {
		t.Fatalf("error %v, want the missing public URL", err)
	}
	want := []string{
		"SLOTPAY_ACESS_TOKEN_TTL is not a setting; did you mean SLOTPAY_ACCESS_TOKEN_TTL?",
		"SLOTPAY_COFFEE_MACHINE is not a setting (README.md lists the settings)",
		"SLOTPAY_PUBLIC_BASEURL is not a setting; did you mean SLOTPAY_PUBLIC_BASE_URL?",
		"SLOTPAY_RATE_LIMIT_LOGIN is not a setting; did you mean SLOTPAY_RATE_LIMIT_LOGIN_IP?",
		"slotpay_listen_addr is not a setting; did you mean SLOTPAY_LISTEN_ADDR?",
	}
	if !slices.Equal(warnings, want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
}

// TestNamesAreWhatLoadReads: the known names are exactly the variables Load asks for (a setting
// added to Load is known at once), and every one is documented in README.md's configuration.
func TestNamesAreWhatLoadReads(t *testing.T) {
	t.Parallel()
	var asked []string
	_, _ = config.Load(func(k string) string {
		if !slices.Contains(asked, k) {
			asked = append(asked, k)
		}
		return ""
	})
	names := config.Names()
	slices.Sort(asked)
	if !slices.Equal(names, asked) {
		t.Fatalf("Names() = %v\nLoad asks for %v", names, asked)
	}
	for _, want := range []string{"SLOTPAY_ENV", "SLOTPAY_ACCESS_TOKEN_TTL", "SLOTPAY_DATABASE_WAIT", "SLOTPAY_MIGRATE", "SLOTPAY_RATE_LIMIT_LOGIN_IP"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s is not known", want)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		// The rate limits are documented in their own table by suffix.
		short := strings.TrimPrefix(n, "SLOTPAY_RATE_LIMIT_")
		if !strings.Contains(string(readme), "`"+n+"`") && !(short != n && strings.Contains(string(readme), "`"+short+"`")) {
			t.Errorf("%s is not documented in README.md", n)
		}
	}
}

// TestEffectiveConfigMasksSecrets: the start-up line lists every setting with its effective value
// (defaults included) and shows no secret: keys by id only, passwords of URLs and connection
// strings replaced.
func TestEffectiveConfigMasksSecrets(t *testing.T) {
	t.Parallel()
	const jwtSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	const credSecret = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
	c, err := config.Load(production(map[string]string{
		"SLOTPAY_JWT_KEYS":         "new:" + jwtSecret + ",old:" + credSecret,
		"SLOTPAY_CREDENTIAL_KEYS":  "c1:" + credSecret,
		"SLOTPAY_DATABASE_URL":     "postgres://owner:owner-pw-1@db.internal:5432/slotpay?sslmode=require",
		"SLOTPAY_APP_DATABASE_URL": "host=db.internal user=slotpay_app password=app-pw-2 dbname=slotpay",
		"SLOTPAY_HEALTHCHECK_URL":  "http://probe:probe-pw-3@127.0.0.1:8080/readyz?password=q-pw-4",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("configuration", "settings", c)
	line := buf.String()
	for _, secret := range []string{jwtSecret, credSecret, "owner-pw-1", "app-pw-2", "probe-pw-3", "q-pw-4"} {
		if strings.Contains(line, secret) {
			t.Errorf("the configuration line shows %q: %s", secret, line)
		}
	}
	var logged struct {
		Settings map[string]string `json:"settings"`
	}
	if err := json.Unmarshal([]byte(line), &logged); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"SLOTPAY_JWT_KEYS":         "new:***,old:***",
		"SLOTPAY_CREDENTIAL_KEYS":  "c1:***",
		"SLOTPAY_DATABASE_URL":     "postgres://owner:xxxxx@db.internal:5432/slotpay?sslmode=require",
		"SLOTPAY_APP_DATABASE_URL": "host=db.internal user=slotpay_app password=xxxxx dbname=slotpay",
		"SLOTPAY_ACCESS_TOKEN_TTL": "15m", // a default
		"SLOTPAY_ENV":              "production",
		"SLOTPAY_MIGRATE":          "true",
	} {
		if logged.Settings[name] != want {
			t.Errorf("%s logged as %q, want %q", name, logged.Settings[name], want)
		}
	}
	if len(logged.Settings) != len(config.Names()) {
		t.Errorf("%d settings logged, %d known", len(logged.Settings), len(config.Names()))
	}
	// Generated development keys are said to be generated, not shown.
	dev, err := config.Load(development(nil))
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("configuration", "settings", dev)
	if !strings.Contains(buf.String(), `"SLOTPAY_JWT_KEYS":"(generated for this run)"`) {
		t.Errorf("development line: %s", buf.String())
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	known := []string{"SLOTPAY_ENV", "SLOTPAY_JWT_KEYS", "SLOTPAY_ACCESS_TOKEN_TTL", "SLOTPAY_REFRESH_TOKEN_TTL"}
	for _, c := range []struct{ name, want string }{
		{"SLOTPAY_ENVV", "SLOTPAY_ENV"},
		{"SLOTPAY_JWT_KEY", "SLOTPAY_JWT_KEYS"},
		{"SLOTPAY_ACCESS_TOKEN_TLL", "SLOTPAY_ACCESS_TOKEN_TTL"},
		{"SLOTPAY_REFRESH_TOKEN_TL", "SLOTPAY_REFRESH_TOKEN_TTL"},
		{"SLOTPAY_XYZ", ""},
		{"SLOTPAY_DEBUG", ""},
	} {
		if got := config.Suggest(c.name, known); got != c.want {
			t.Errorf("Suggest(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}
