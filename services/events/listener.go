package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenerOptions configure a Listener; the zero value gives the defaults.
type ListenerOptions struct {
	Log *slog.Logger
	// Reconnection waits start at MinBackoff (100ms) and double up to MaxBackoff (10s), with jitter
	// so that instances cut off together do not reconnect in lockstep.
	MinBackoff, MaxBackoff time.Duration
	// After HealthCheckInterval (30s) without a notification the connection is pinged: a peer that
	// vanished without closing the TCP connection would otherwise leave the listener waiting forever
	// while events go elsewhere.
	HealthCheckInterval time.Duration
	// ConnectTimeout (10s) bounds connecting, LISTEN and each health check.
	ConnectTimeout time.Duration
}

// ListenerState is what a Listener is doing, for tests, logs and readiness checks.
type ListenerState struct {
	Connected bool
	// PID is the PostgreSQL backend pid of the current connection (the last one when not Connected).
	PID uint32
	// Connections counts successful LISTENs since Run started; it grows by one on every reconnection.
	Connections int
	// HealthChecks counts the pings that found an idle connection alive.
	HealthChecks int
}

// Listener holds one dedicated connection (not from the pool: a pooled connection would be reused
// by other queries and lose its LISTEN) on which it receives every instance's events and hands them
// to a Broker.
type Listener struct {
	databaseURL string
	broker      *Broker
	opt         ListenerOptions
	running     atomic.Bool

	mu      sync.Mutex
	state   ListenerState
	changed chan struct{} // closed and replaced on every state change
}

// NewListener returns a listener that connects to databaseURL (the application role's URL: LISTEN
// needs no privileges) and delivers to broker. Start it with Run.
func NewListener(databaseURL string, broker *Broker, opt ListenerOptions) *Listener {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(10*time.Second, opt.MinBackoff)
	}
	if opt.HealthCheckInterval <= 0 {
		opt.HealthCheckInterval = 30 * time.Second
	}
	if opt.ConnectTimeout <= 0 {
		opt.ConnectTimeout = 10 * time.Second
	}
	return &Listener{databaseURL: databaseURL, broker: broker, opt: opt, changed: make(chan struct{})}
}

// Run listens until ctx ends, reconnecting whenever the connection fails, and then returns nil. It
// returns an error at once only when the database URL cannot be parsed or Run is already running.
//
// After every successful LISTEN, including the first, every subscriber receives a Resync: events
// committed while no connection was listening are lost for good (NOTIFY is not queued for absent
// listeners), and a subscriber that subscribed before the first LISTEN may have missed some too.
func (l *Listener) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return errors.New("events listener: already running")
	}
	defer l.running.Store(false)
	cfg, err := pgx.ParseConfig(l.databaseURL)
	if err != nil {
		return fmt.Errorf("events listener: %w", err)
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "slotpay events listener"
	}
	failures := 0
	for {
		conn, err := l.connect(ctx, cfg)
		if err == nil {
			failures = 0
			err = l.receive(ctx, conn)
			l.setState(func(s *ListenerState) { s.Connected = false })
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		if ctx.Err() != nil {
			return nil
		}
		delay := backoff(l.opt.MinBackoff, l.opt.MaxBackoff, failures)
		failures++
		l.opt.Log.Warn("events listener: connection failed, reconnecting", "error", err.Error(), "retry_in", delay.String())
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// backoff is min·2^failures capped at max, reduced by up to a quarter at random.
func backoff(minDelay, maxDelay time.Duration, failures int) time.Duration {
	d := maxDelay
	if failures < 30 {
		d = min(maxDelay, minDelay<<failures)
	}
	return d - rand.N(d/4+1)
}

func (l *Listener) connect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, l.opt.ConnectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("listen: %w", err)
	}
	pid := conn.PgConn().PID()
	// Resync before reporting the connection, so whoever waits for it finds the Resync queued.
	l.broker.Resync()
	l.setState(func(s *ListenerState) {
		s.Connected = true
		s.PID = pid
		s.Connections++
	})
	l.opt.Log.Info("events listener: listening", "channel", Channel, "backend_pid", pid)
	return conn, nil
}

// receive delivers notifications until the connection fails or ctx ends.
func (l *Listener) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, l.opt.HealthCheckInterval)
		n, err := conn.WaitForNotification(waitCtx)
		idle := waitCtx.Err() != nil && ctx.Err() == nil
		cancel()
		if n != nil && n.Channel == Channel {
			l.deliver(n.Payload)
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !idle || conn.IsClosed() {
			return fmt.Errorf("wait for notification: %w", err)
		}
		// A deadline does not break a pgx connection; ask the server whether it is still there.
		pingCtx, cancel := context.WithTimeout(ctx, l.opt.ConnectTimeout)
		err = conn.Ping(pingCtx)
		cancel()
		if err != nil {
			return fmt.Errorf("health check: %w", err)
		}
		l.setState(func(s *ListenerState) { s.HealthChecks++ })
	}
}

func (l *Listener) deliver(payload string) {
	e, err := Decode(payload)
	if err != nil {
		l.opt.Log.Warn("events listener: notification dropped", "error", err.Error(), "payload_bytes", len(payload))
		return
	}
	l.broker.Deliver(e)
}

func (l *Listener) setState(change func(*ListenerState)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	change(&l.state)
	close(l.changed)
	l.changed = make(chan struct{})
}

// State reports what the listener is doing now.
func (l *Listener) State() ListenerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// WaitConnected waits until the listener is connected and has made at least connections successful
// LISTENs (1 for the first, 2 for the first reconnection, …), or ctx ends.
func (l *Listener) WaitConnected(ctx context.Context, connections int) (ListenerState, error) {
	state, err := l.waitState(ctx, func(s ListenerState) bool { return s.Connected && s.Connections >= connections })
	if err != nil {
		return state, fmt.Errorf("events listener: waiting for connection %d: %w", connections, err)
	}
	return state, nil
}

func (l *Listener) waitState(ctx context.Context, reached func(ListenerState) bool) (ListenerState, error) {
	for {
		l.mu.Lock()
		state, changed := l.state, l.changed
		l.mu.Unlock()
		if reached(state) {
			return state, nil
		}
		select {
		case <-ctx.Done():
			return state, ctx.Err()
		case <-changed:
		}
	}
}
