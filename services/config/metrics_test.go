package config_test

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
)

func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, listen, metrics string
		wantErr               string // "" = accepted
	}{
		{"unset: /metrics on the main listener", "0.0.0.0:8080", "", ""},
		{"a port of its own on every interface", "0.0.0.0:8080", ":9090", ""},
		{"loopback only", "0.0.0.0:8080", "127.0.0.1:9090", ""},
		{"localhost", "0.0.0.0:8080", "localhost:9090", ""},
		{"IPv6 loopback", "0.0.0.0:8080", "[::1]:9090", ""},
		{"another interface on the same port", "127.0.0.1:8080", "10.0.0.5:8080", ""},
		{"no port", "0.0.0.0:8080", "127.0.0.1", "not host:port"},
		{"port not a number", "0.0.0.0:8080", "127.0.0.1:metrics", "port must be"},
		{"port zero", "0.0.0.0:8080", "127.0.0.1:0", "port must be"},
		{"port too large", "0.0.0.0:8080", "127.0.0.1:70000", "port must be"},
		{"a host name", "0.0.0.0:8080", "metrics.internal:9090", "host must be"},
		{"the listen address itself", "0.0.0.0:8080", "0.0.0.0:8080", "port of their own"},
		{"the listen port on every interface", "127.0.0.1:8080", ":8080", "port of their own"},
		{"the listen port under every interface", "0.0.0.0:8080", "127.0.0.1:8080", "port of their own"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(production(map[string]string{"SLOTPAY_LISTEN_ADDR": c.listen, "SLOTPAY_METRICS_ADDR": c.metrics}))
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr == "" && cfg.MetricsAddr != c.metrics:
				t.Fatalf("MetricsAddr = %q, want %q", cfg.MetricsAddr, c.metrics)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), "SLOTPAY_METRICS_ADDR") || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one naming SLOTPAY_METRICS_ADDR and %q", err, c.wantErr)
			}
		})
	}
}
