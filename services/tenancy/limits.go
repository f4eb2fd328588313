package tenancy

import (
	"context"

	"github.com/slotpay/slotpay/services/ratelimit"
)

// Limiter counts attempts in shared buckets (ratelimit.Store).
type Limiter interface {
	Take(ctx context.Context, reqs ...ratelimit.Request) (ratelimit.Decision, error)
}

// bucket is one limit an attempt counts against, with what it counts.
type bucket struct {
	limit ratelimit.Limit
	key   string
}

// Buckets of the authentication rules. The client IP comes from the edge (ratelimit.ClientIP);
// e-mails are the normalised ones, known or not, so a limit does not tell which accounts exist.
func (s *Service) logInBuckets(ctx context.Context, email string) []bucket {
	ip := ratelimit.ClientNetwork(ctx)
	return []bucket{
		{s.limits.LogInIP, ratelimit.Key("login-ip", ip)},
		{s.limits.LogInAccountIP, ratelimit.Key("login-account-ip", email, ip)},
		{s.limits.LogInAccount, ratelimit.Key("login-account", email)},
	}
}

func (s *Service) ipBucket(ctx context.Context, rule string, l ratelimit.Limit) bucket {
	return bucket{l, ratelimit.Key(rule, ratelimit.ClientNetwork(ctx))}
}

// attempt charges an attempt as a failure in every bucket before it runs (so parallel attempts
// cannot overrun a limit while their outcome is unknown), or refuses it with RATE_LIMITED before
// anything is looked up or hashed. succeeded gives a successful attempt back all but its share
// (1/FailureCost of a failure).
func (s *Service) attempt(ctx context.Context, buckets ...bucket) (succeeded func(), err error) {
	if s.limiter == nil {
		return func() {}, nil
	}
	cost := max(s.limits.FailureCost, 1)
	reqs := make([]ratelimit.Request, len(buckets))
	for i, b := range buckets {
		reqs[i] = ratelimit.Request{Limit: b.limit.Scaled(cost), Key: b.key, Cost: cost}
	}
	d, err := s.limiter.Take(ctx, reqs...)
	if err != nil {
		return nil, err
	}
	if !d.Allowed {
		return nil, ratelimit.Refused(d)
	}
	return func() {
		if cost == 1 {
			return
		}
		for i := range reqs {
			reqs[i].Cost = -(cost - 1)
		}
		// Best effort: if the refund fails the success was charged as a failure, which only
		// shortens the allowance; the attempt itself has already succeeded.
		_, _ = s.limiter.Take(context.WithoutCancel(ctx), reqs...)
	}, nil
}
