package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotpay/slotpay/services/periodic"
)

// Request is one bucket an attempt is counted in. Cost is in the limit's units; a negative cost
// gives units back (a successful log-in returns most of what a failure would have cost).
type Request struct {
	Limit Limit
	Key   string
	Cost  int
}

// Store keeps every bucket in the rate_limits table, so all instances count together.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewStore builds the store on the application's pool; now is the clock (time.Now when nil).
func NewStore(pool *pgxpool.Pool, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, now: now}
}

// Take counts an attempt in every bucket of reqs, all or nothing: when any bucket refuses, none is
// charged and the decision carries the longest wait. The rows are locked in key order for the
// decision (one transaction in two round trips), so concurrent attempts on the same key, from any
// instance, are decided one after the other and two instances cannot both spend the last unit.
func (s *Store) Take(ctx context.Context, reqs ...Request) (Decision, error) {
	active := make([]Request, 0, len(reqs))
	for _, r := range reqs {
		if !r.Limit.Off() && r.Cost != 0 {
			active = append(active, r)
		}
	}
	if len(active) == 0 {
		return Decision{Allowed: true}, nil
	}
	slices.SortFunc(active, func(a, b Request) int { return strings.Compare(a.Key, b.Key) })
	keys := make([]string, len(active))
	for i, r := range active {
		if i > 0 && r.Key == active[i-1].Key {
			return Decision{}, fmt.Errorf("rate limit: key %s requested twice", r.Key)
		}
		keys[i] = r.Key
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit: %w", err)
	}
	// A connection released inside its transaction (an error below, a cancelled context) is
	// destroyed by the pool, which ends the transaction and its locks.
	defer conn.Release()
	current, err := lockBuckets(ctx, conn, keys)
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit: %w", err)
	}
	now := s.now().UTC()
	next := make([]time.Time, len(active))
	out := Decision{Allowed: true}
	for i, r := range active {
		var d Decision
		next[i], d = decide(current[r.Key], now, r.Limit, r.Cost)
		if !d.Allowed {
			out.Allowed = false
			out.RetryAfter = max(out.RetryAfter, d.RetryAfter)
		}
	}
	if !out.Allowed {
		// Nothing is charged, and the rows a first attempt created go with the rollback.
		if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
			return Decision{}, fmt.Errorf("rate limit: %w", err)
		}
		return out, nil
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE rate_limits SET tat = u.tat
		FROM unnest($1::text[], $2::timestamptz[]) AS u(key, tat) WHERE rate_limits.key = u.key`, keys, next)
	b.Queue("COMMIT")
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return Decision{}, fmt.Errorf("rate limit: %w", err)
	}
	return out, nil
}

// lockBuckets opens a transaction and locks the buckets' rows (creating missing ones), returning
// their TATs: one round trip. A new key starts in the past (a full allowance); ON CONFLICT … DO
// UPDATE locks an existing row and returns its current TAT.
func lockBuckets(ctx context.Context, conn *pgxpool.Conn, keys []string) (map[string]time.Time, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	// A bucket lost in a crash only forgets a few attempts: not worth waiting for the WAL flush.
	b.Queue("SET LOCAL synchronous_commit TO off")
	b.Queue(`INSERT INTO rate_limits (key, tat)
		SELECT k, 'epoch'::timestamptz FROM unnest($1::text[]) AS k ORDER BY k
		ON CONFLICT (key) DO UPDATE SET tat = rate_limits.tat
		RETURNING key, tat`, keys)
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	for range 2 {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	current := make(map[string]time.Time, len(keys))
	for rows.Next() {
		var k string
		var tat time.Time
		if err := rows.Scan(&k, &tat); err != nil {
			return nil, err
		}
		current[k] = tat
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return current, br.Close()
}

// Clean deletes the buckets whose allowance is full again (their TAT has passed): they mean the
// same as no row. Safe on any number of instances.
func (s *Store) Clean(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE tat < $1`, s.now().UTC())
	if err != nil {
		return 0, fmt.Errorf("rate limit clean: %w", err)
	}
	return tag.RowsAffected(), nil
}

// StartCleaner deletes spent buckets every interval (one minute when zero) until ctx ends or the
// loop is stopped.
func (s *Store) StartCleaner(ctx context.Context, interval time.Duration, log *slog.Logger) *periodic.Loop {
	if interval <= 0 {
		interval = time.Minute
	}
	return periodic.Start(ctx, interval, func(ctx context.Context) {
		if _, err := s.Clean(ctx); err != nil && ctx.Err() == nil {
			log.Warn("rate limit cleaning failed", "error", err.Error())
		}
	})
}
