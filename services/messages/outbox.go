package messages

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/periodic"
	"github.com/slotpay/slotpay/services/ratelimit"
)

// Defaults of Options.
const (
	DefaultPollInterval = time.Second
	DefaultMaxAttempts  = 8
	DefaultRetryBase    = 30 * time.Second
	maxRetryDelay       = 6 * time.Hour
	relayBatch          = 100
)

// CustomerTokens issues a reservation's customer access token (auth.Tokens implements it): the
// manage link of a customer's message carries one.
type CustomerTokens interface {
	IssueCustomer(tenantID, reservationID uuid.UUID, exp time.Time) (string, error)
}

// Options configure the outbox.
type Options struct {
	Data *database.DB
	// Channels deliver messages, one per ChannelName (a message of a channel not given stays
	// QUEUED until an instance with it runs).
	Channels []Channel
	Tokens   CustomerTokens
	// PublicBaseURL builds the manage links (ManageURL: <base>/b/<slug>/r/<id>#token=<token>).
	PublicBaseURL string
	// CustomerTokenTTL is how long after a visit's end its manage link works (30 days when zero).
	CustomerTokenTTL time.Duration
	// PollInterval is how often the relay looks for due messages (DefaultPollInterval when zero).
	PollInterval time.Duration
	// MaxAttempts per message (DefaultMaxAttempts when zero); RetryBase the first retry's delay,
	// doubling per attempt up to 6 h (DefaultRetryBase when zero).
	MaxAttempts int
	RetryBase   time.Duration
	// Workers is how many messages one instance delivers at once (10 when zero).
	Workers int
	Now     func() time.Time
	Log     *slog.Logger
	// SilentCheckInterval is how often the owners' imoje warning is checked (a minute when zero).
	SilentCheckInterval time.Duration
	// Limiter counts resends (ResendPerMessage, ResendPerBusiness); nil: not limited.
	Limiter Limiter
}

// Limiter counts attempts in buckets shared by every instance (ratelimit.Store).
type Limiter interface {
	Take(ctx context.Context, reqs ...ratelimit.Request) (ratelimit.Decision, error)
}

// Service is the outbox of one instance: the relay, River's client and the delivery worker.
type Service struct {
	o        Options
	data     *database.DB
	channels map[ChannelName]Channel
	river    *river.Client[pgx.Tx]
	relay    *periodic.Loop
	silent   *periodic.Loop
	mu       sync.Mutex
	started  bool
}

// messageArgs are a River job's arguments: only ids (River's tables belong to no tenant, so no
// recipient or content is ever there); the worker reads the message in its tenant's scope.
type jobArgs struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	MessageID uuid.UUID `json:"message_id"`
	// Seq is the message's hand-over (a deferred message is handed over again): the job is unique
	// by all three.
	Seq int `json:"seq"`
}

func (jobArgs) Kind() string { return "slotpay_message" }

// New builds the outbox on data's pool; Start runs it.
func New(o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.PollInterval = cmp.Or(o.PollInterval, DefaultPollInterval)
	o.MaxAttempts = cmp.Or(o.MaxAttempts, DefaultMaxAttempts)
	o.RetryBase = cmp.Or(o.RetryBase, DefaultRetryBase)
	o.Workers = cmp.Or(o.Workers, 10)
	o.SilentCheckInterval = cmp.Or(o.SilentCheckInterval, time.Minute)
	o.CustomerTokenTTL = cmp.Or(o.CustomerTokenTTL, 30*24*time.Hour)
	s := &Service{o: o, data: o.Data, channels: map[ChannelName]Channel{}}
	for _, c := range o.Channels {
		s.channels[c.Name()] = c
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{s: s}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(riverpgxv5.New(o.Data.Pool()), &river.Config{
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:     workers,
		MaxAttempts: o.MaxAttempts,
		RetryPolicy: backoff{base: o.RetryBase},
		// A delivery is one SMTP or HTTP exchange; a job running longer is stuck and its context
		// ends. One still "running" after an hour (an instance died mid-delivery) is rescued: its
		// next run finds the message SENDING and records UNKNOWN, never sending it twice.
		JobTimeout:        2 * time.Minute,
		FetchCooldown:     min(o.PollInterval, river.FetchCooldownDefault),
		FetchPollInterval: max(min(o.PollInterval, time.Second), min(o.PollInterval, river.FetchCooldownDefault)),
		Logger:            o.Log.With("component", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("messages: river client: %w", err)
	}
	s.river = client
	return s, nil
}

// backoff is the retry policy: RetryBase, doubling per attempt, at most 6 h.
type backoff struct{ base time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(retryDelay(b.base, job.Attempt))
}

// retryDelay is the wait after attempt n (1-based) failed.
func retryDelay(base time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// Start runs River's client and the relay until Stop (or ctx's end).
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return nil
	}
	// River runs until Stop, not until ctx ends: Stop lets deliveries in flight finish.
	if err := s.river.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("messages: start river: %w", err)
	}
	s.relay = periodic.Start(ctx, s.o.PollInterval, func(ctx context.Context) {
		if _, err := s.RelayDue(ctx); err != nil && ctx.Err() == nil {
			s.o.Log.Warn("messages relay", "error", err.Error())
		}
	})
	s.silent = periodic.Start(ctx, s.o.SilentCheckInterval, func(ctx context.Context) {
		if _, err := s.CheckSilentImoje(ctx); err != nil && ctx.Err() == nil {
			s.o.Log.Warn("imoje silence check", "error", err.Error())
		}
	})
	s.started = true
	return nil
}

// Stop ends the relay and lets running deliveries finish (until ctx ends; they are then cancelled
// and River runs them again later — a cancelled delivery that was already SENDING becomes UNKNOWN).
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return nil
	}
	s.started = false
	s.relay.Stop()
	s.silent.Stop()
	err := s.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.river.StopAndCancel(cctx)
	}
	return err
}

// RelayDue hands every message due by now to River: each claim and its jobs commit together, so a
// message gets exactly one job per hand-over, whichever instance claims it. It returns how many.
func (s *Service) RelayDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.relayBatch(ctx)
		total += n
		if err != nil || n < relayBatch {
			return total, err
		}
	}
}

func (s *Service) relayBatch(ctx context.Context) (int, error) {
	tx, err := s.data.Pool().Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows, err := tx.Query(ctx, `SELECT tenant_id, message_id, enqueue_seq FROM messages_claim_due($1, $2)`, s.o.Now().UTC(), relayBatch)
	if err != nil {
		return 0, err
	}
	var params []river.InsertManyParams
	for rows.Next() {
		var a jobArgs
		if err := rows.Scan(&a.TenantID, &a.MessageID, &a.Seq); err != nil {
			rows.Close()
			return 0, err
		}
		params = append(params, river.InsertManyParams{Args: a, InsertOpts: &river.InsertOpts{
			MaxAttempts: s.o.MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}})
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(params) == 0 {
		return 0, nil
	}
	if _, err := s.river.InsertManyTx(ctx, tx, params); err != nil {
		return 0, fmt.Errorf("insert jobs: %w", err)
	}
	return len(params), tx.Commit(ctx)
}

// worker delivers one message per job.
type worker struct {
	river.WorkerDefaults[jobArgs]
	s *Service
}

func (w *worker) Work(ctx context.Context, job *river.Job[jobArgs]) error {
	final := job.Attempt >= job.MaxAttempts
	return w.s.deliver(ctx, job.Args, job.Attempt, final)
}
