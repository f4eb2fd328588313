package ws

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	coderws "github.com/coder/websocket"
)

func TestReadEnd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		err    error
		code   coderws.StatusCode
		reason string
		by     string
	}{
		{"the client's close frame", fmt.Errorf("read: %w", coderws.CloseError{Code: coderws.StatusNormalClosure, Reason: "bye"}), coderws.StatusNormalClosure, "bye", closedByClient},
		{"the client going away", coderws.CloseError{Code: coderws.StatusGoingAway}, coderws.StatusGoingAway, "", closedByClient},
		{"a long reason is cut", coderws.CloseError{Code: 4000, Reason: strings.Repeat("r", 123)}, 4000, strings.Repeat("r", maxLoggedReason), closedByClient},
		{"a message over the limit", fmt.Errorf("%w: read limited at 65537 bytes", coderws.ErrMessageTooBig), coderws.StatusMessageTooBig, "message too big", closedByServer},
		{"the connection lost", errors.New("failed to get reader: EOF"), coderws.StatusAbnormalClosure, "connection lost", closedByClient},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, reason, by := readEnd(c.err)
			if code != c.code || reason != c.reason || by != c.by {
				t.Fatalf("readEnd = %d %q %s, want %d %q %s", code, reason, by, c.code, c.reason, c.by)
			}
		})
	}
}

func TestCloseLevel(t *testing.T) {
	t.Parallel()
	for code, want := range map[coderws.StatusCode]slog.Level{
		CloseSlowConsumer: slog.LevelWarn, CloseMembershipUnknown: slog.LevelWarn,
		CloseUnauthorized: slog.LevelInfo, CloseForbidden: slog.LevelInfo, CloseInitTimeout: slog.LevelInfo,
		CloseGoingAway: slog.LevelInfo, coderws.StatusNormalClosure: slog.LevelInfo, coderws.StatusAbnormalClosure: slog.LevelInfo,
		coderws.StatusMessageTooBig: slog.LevelInfo,
	} {
		if got := closeLevel(code); got != want {
			t.Errorf("closeLevel(%d) = %s, want %s", code, got, want)
		}
	}
}
