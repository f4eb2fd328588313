package config_test

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
)

// production is the environment of a production start that passes every other check.
func production(extra map[string]string) func(string) string {
	env := map[string]string{
		"SLOTPAY_ENV":             "production",
		"SLOTPAY_PUBLIC_BASE_URL": "https://api.slotpay.example",
		"SLOTPAY_LISTEN_ADDR":     "0.0.0.0:8080",
		"SLOTPAY_JWT_KEYS":        "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"SLOTPAY_CREDENTIAL_KEYS": "c1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func development(extra map[string]string) func(string) string {
	return func(k string) string { return extra[k] }
}

func TestLoadChecks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		getenv  func(string) string
		wantErr string // "" = starts
	}{
		{"production", production(nil), ""},
		{"production with imoje's sandbox", production(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "https://sandbox.api.imoje.pl/v1/merchant"}), ""},
		{"production with ING Pay's sandbox", production(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "https://api.sandbox.pay.ing.pl/v1/merchant"}), ""},
		{"production with a simulator", production(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "http://127.0.0.1:8089/v1/merchant"}), "SLOTPAY_IMOJE_BASE_URL"},
		{"production with a look-alike host", production(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "https://sandbox.api.imoje.pl.evil.example/v1/merchant"}), "SLOTPAY_IMOJE_BASE_URL"},
		{"production with imoje over http", production(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "http://sandbox.api.imoje.pl/v1/merchant"}), "SLOTPAY_IMOJE_BASE_URL"},
		{"production may listen anywhere", production(map[string]string{"SLOTPAY_LISTEN_ADDR": ":8080"}), ""},
		{"development with a simulator", development(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "http://127.0.0.1:8089/v1/merchant"}), ""},
		{"development not a URL", development(map[string]string{"SLOTPAY_IMOJE_BASE_URL": "ftp://x"}), "SLOTPAY_IMOJE_BASE_URL"},
		{"development on loopback", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "127.0.0.1:8080"}), ""},
		{"development on localhost", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "localhost:8080"}), ""},
		{"development on IPv6 loopback", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "[::1]:8080"}), ""},
		{"development on every interface", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "0.0.0.0:8080"}), "SLOTPAY_DEV_ALLOW_REMOTE"},
		{"development on every interface, no host", development(map[string]string{"SLOTPAY_LISTEN_ADDR": ":8080"}), "SLOTPAY_DEV_ALLOW_REMOTE"},
		{"development on IPv6 any", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "[::]:8080"}), "SLOTPAY_DEV_ALLOW_REMOTE"},
		{"development on a LAN address", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "192.168.1.10:8080"}), "SLOTPAY_DEV_ALLOW_REMOTE"},
		{"development on a host name", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "devbox:8080"}), "SLOTPAY_DEV_ALLOW_REMOTE"},
		{"development remote opted in", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "0.0.0.0:8080", "SLOTPAY_DEV_ALLOW_REMOTE": "true"}), ""},
		{"opt-in not a boolean", development(map[string]string{"SLOTPAY_LISTEN_ADDR": "0.0.0.0:8080", "SLOTPAY_DEV_ALLOW_REMOTE": "yes"}), "SLOTPAY_DEV_ALLOW_REMOTE must be"},
		{"origin with a path", development(map[string]string{"SLOTPAY_ALLOWED_ORIGINS": "https://app.example/app"}), "SLOTPAY_ALLOWED_ORIGINS"},
		{"origin without a scheme", development(map[string]string{"SLOTPAY_ALLOWED_ORIGINS": "app.example"}), "SLOTPAY_ALLOWED_ORIGINS"},
		{"CORS header that is not a header name", development(map[string]string{"SLOTPAY_CORS_ALLOWED_HEADERS": "x-tenant, bad header"}), "SLOTPAY_CORS_ALLOWED_HEADERS"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(c.getenv)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, c.wantErr)
			}
		})
	}
}

// The development default binds loopback only.
func TestDevelopmentDefaultListensOnLoopback(t *testing.T) {
	t.Parallel()
	c, err := config.Load(development(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != config.Development || !config.Loopback(c.ListenAddr) {
		t.Fatalf("env %s listens on %s", c.Env, c.ListenAddr)
	}
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ raw, want string }{
		{"https://app.example", "https://app.example"},
		{"https://App.Example/", "https://app.example"},
		{"https://app.example:443", "https://app.example"},
		{"http://app.example:80", "http://app.example"},
		{"https://app.example:8443", "https://app.example:8443"},
		{"HTTP://localhost:3000", "http://localhost:3000"},
		{"http://[::1]:3000", "http://[::1]:3000"},
		{"*", "*"},
	} {
		got, err := config.Origin(c.raw)
		if err != nil || got != c.want {
			t.Errorf("Origin(%q) = %q, %v; want %q", c.raw, got, err, c.want)
		}
	}
	for _, raw := range []string{"app.example", "ftp://app.example", "https://app.example/path", "https://u@app.example", "https://app.example?x", "https://"} {
		if _, err := config.Origin(raw); err == nil {
			t.Errorf("Origin(%q) accepted", raw)
		}
	}
}
