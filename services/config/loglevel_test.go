package config_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/config"
)

func TestLogLevel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw     string
		want    slog.Level
		wantErr bool
	}{
		{"", slog.LevelInfo, false}, // unset: info
		{"debug", slog.LevelDebug, false},
		{"info", slog.LevelInfo, false},
		{"warn", slog.LevelWarn, false},
		{"error", slog.LevelError, false},
		{"DEBUG", slog.LevelDebug, false},
		{" warn ", slog.LevelWarn, false}, // values are trimmed like every SLOTPAY_* variable
		{"warning", 0, true},
		{"trace", 0, true},
		{"verbose", 0, true},
		{"debug+2", 0, true}, // slog's own offsets are not a level an operator writes
		{"4", 0, true},
	} {
		t.Run(c.raw, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(development(map[string]string{"SLOTPAY_LOG_LEVEL": c.raw}))
			switch {
			case c.wantErr && (err == nil || !strings.Contains(err.Error(), "SLOTPAY_LOG_LEVEL")):
				t.Fatalf("SLOTPAY_LOG_LEVEL=%q: error %v, want one naming SLOTPAY_LOG_LEVEL", c.raw, err)
			case !c.wantErr && err != nil:
				t.Fatalf("SLOTPAY_LOG_LEVEL=%q refused: %v", c.raw, err)
			case !c.wantErr && cfg.LogLevel != c.want:
				t.Fatalf("SLOTPAY_LOG_LEVEL=%q: level %s, want %s", c.raw, cfg.LogLevel, c.want)
			}
		})
	}
}
