package web

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// NewLogger is slotpay's logger: JSON lines on w at level and above, each record logged with a
// request's context carrying its request id (LogHandler). The server and the test servers use it,
// so tests read the lines operators read.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

type accessLogKey struct{}

// accessLog collects what the handlers of one request add to its access line.
type accessLog struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

// AddLogAttrs adds attrs to the access line ("request") of the request ctx belongs to, so that one
// line describes the request: a GraphQL request adds its operation, caller and error codes. Outside
// a request (a WebSocket connection's work) it does nothing.
func AddLogAttrs(ctx context.Context, attrs ...slog.Attr) {
	l, ok := ctx.Value(accessLogKey{}).(*accessLog)
	if !ok {
		return
	}
	l.mu.Lock()
	l.attrs = append(l.attrs, attrs...)
	l.mu.Unlock()
}

func (l *accessLog) added() []slog.Attr {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.attrs
}
