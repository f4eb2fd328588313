// Package ratelimit limits how often a client may try something, with the state shared by every
// instance in PostgreSQL. The decision is the generic cell rate algorithm (GCRA): each key stores
// one time, its "theoretical arrival time" (TAT); a limit of N per period lets N units through at
// once and then one unit every period/N. A TAT in the past means a full allowance, so a key whose
// TAT has passed is the same as no row, and cleaning deletes exactly those.
package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slotpay/slotpay/services/apperr"
)

// Limit allows N units at once, refilled evenly over Per. A zero Limit is off.
type Limit struct {
	N   int
	Per time.Duration
}

// Off reports whether the limit lets everything through.
func (l Limit) Off() bool { return l.N <= 0 }

// String is the limit as configured: "N/period", or "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	return strconv.Itoa(l.N) + "/" + l.Per.String()
}

// Scaled counts in units of 1/k: the same rate, with k units for each of the original ones (a
// log-in limit counts failures; a success costs one unit of FailureCost).
func (l Limit) Scaled(k int) Limit {
	if l.Off() || k <= 1 {
		return l
	}
	return Limit{N: l.N * k, Per: l.Per}
}

// ParseLimit reads "N/period" (e.g. "5/15m"), or "off".
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("%q is not N/period (e.g. 5/15m) or off", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count <= 0 || count > 1_000_000 {
		return Limit{}, fmt.Errorf("%q: N must be a whole number from 1 to 1000000", s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d < time.Second || d > 30*24*time.Hour {
		return Limit{}, fmt.Errorf("%q: the period must be a duration from 1s to 720h", s)
	}
	return Limit{N: count, Per: d}, nil
}

// Decision is the answer to one attempt.
type Decision struct {
	Allowed bool
	// RetryAfter is, when refused, how long until the same attempt would be allowed.
	RetryAfter time.Duration
}

// decide is GCRA for an attempt of cost units against a key whose TAT is tat (zero when the key has
// no row). It returns the TAT to store when allowed. A negative cost gives units back (a refund,
// always allowed); the TAT never goes below now, so a refund cannot bank allowance for later.
func decide(tat, now time.Time, l Limit, cost int) (time.Time, Decision) {
	if l.Off() || cost == 0 {
		return tat, Decision{Allowed: true}
	}
	interval := l.Per / time.Duration(l.N)
	base := tat
	if base.Before(now) {
		base = now
	}
	next := base.Add(time.Duration(cost) * interval)
	if cost < 0 {
		if next.Before(now) {
			next = now
		}
		return next, Decision{Allowed: true}
	}
	if cost > l.N {
		return tat, Decision{RetryAfter: l.Per} // can never pass; say so without a misleading wait
	}
	if allowAt := next.Add(-l.Per); allowAt.After(now) {
		return tat, Decision{RetryAfter: allowAt.Sub(now)}
	}
	return next, Decision{Allowed: true}
}

// ErrLimited is the client-visible refusal; Refused gives it the wait.
var ErrLimited = apperr.New(apperr.RateLimited, "too many attempts: try again later")

// Refused is the client-visible error for a refused decision, carrying its wait.
func Refused(d Decision) error {
	return ErrLimited.WithRetryAfter(d.RetryAfter)
}

// RetryAfterSeconds is the whole number of seconds a client must wait (at least 1).
func RetryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Key names a bucket: a rule's name and what it counts (an IP, an e-mail…). The counted values are
// hashed, so the table holds no addresses or e-mails.
func Key(rule string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return rule + ":" + hex.EncodeToString(h[:16])
}
