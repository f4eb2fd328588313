package auth

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
)

// A staff access token proves who its holder is and in which business; it does not say what the
// holder may do now. Rights come from the membership as it is when they are used, so a member who
// is removed, or demoted from ADMIN to STAFF, loses the rights at once rather than when the token
// expires.

// Memberships reads a member's current role (tenancy implements it).
type Memberships interface {
	// MemberRole returns userID's role in tenantID now, or ErrNotMember.
	MemberRole(ctx context.Context, tenantID, userID uuid.UUID) (Role, error)
}

// ErrNotMember refuses a genuine, unexpired staff token whose holder is no longer a member of the
// token's business. FORBIDDEN rather than UNAUTHENTICATED: who the caller is is not in doubt (a
// fresh token would not help, and the refresh tokens went with the membership), what it may do is.
var ErrNotMember = apperr.New(apperr.Forbidden, "you are no longer a member of this business")

// Authority is a verified staff token's standing: the token's principal with the role of the
// current membership. An HTTP request has one and reads the membership once, when an operation
// first asks for the caller; a WebSocket connection has one for its lifetime and reads again
// (Refresh) whenever the membership changes.
type Authority struct {
	token   Principal
	members Memberships

	mu      sync.Mutex // held across the read: concurrent resolvers of one request wait for one read
	current *Principal // nil until read; never modified once handed out
	err     error
}

// NewAuthority returns the standing of a verified staff token, not yet read.
func NewAuthority(token *Principal, members Memberships) *Authority {
	return &Authority{token: *token, members: members}
}

// Token is the principal as the token states it (its role may be out of date).
func (a *Authority) Token() Principal { return a.token }

// Principal returns the caller with its current role, reading the membership on the first call
// only; ErrNotMember when it has none.
func (a *Authority) Principal(ctx context.Context) (*Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current == nil && a.err == nil {
		a.readLocked(ctx)
	}
	return a.current, a.err
}

// Refresh reads the membership again and returns the caller as it now stands.
func (a *Authority) Refresh(ctx context.Context) (*Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.readLocked(ctx)
	return a.current, a.err
}

func (a *Authority) readLocked(ctx context.Context) {
	role, err := a.members.MemberRole(ctx, a.token.TenantID, a.token.UserID)
	a.current, a.err = standing(a.token, role, err)
}

// standing is the caller a token and its holder's membership make: the token's identity with the
// membership's role, or why there is none.
func standing(token Principal, role Role, err error) (*Principal, error) {
	switch {
	case errors.Is(err, ErrNotMember):
		return nil, ErrNotMember
	case err != nil:
		return nil, err
	case !role.Valid():
		return nil, errors.New("auth: membership with unknown role " + string(role))
	}
	p := token
	p.Role = role
	return &p, nil
}

// WithCaller stores the result of verifying a request's token: a staff principal behind an
// Authority (its rights are read from the current membership when first needed), a customer's
// principal as it is, or the reason the token was refused.
func WithCaller(ctx context.Context, p *Principal, err error, members Memberships) context.Context {
	if p.IsStaff() && members != nil {
		return WithAuthority(ctx, NewAuthority(p, members))
	}
	return WithPrincipal(ctx, p, err)
}

// WithAuthority stores a staff caller whose rights come from a.
func WithAuthority(ctx context.Context, a *Authority) context.Context {
	return context.WithValue(ctx, ctxKey{}, ctxValue{authority: a})
}
