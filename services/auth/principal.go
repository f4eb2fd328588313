package auth

import (
	"context"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"

	"github.com/slotpay/slotpay/services/apperr"
)

// Role is a member's role in a tenant (declared in models, shared with the GraphQL enum).
type Role = models.Role

// The roles, strongest first.
const (
	RoleOwner = models.RoleOwner
	RoleAdmin = models.RoleAdmin
	RoleStaff = models.RoleStaff
)

// Kind tells a staff member (JWT from log-in) from a customer holding one reservation's access token,
// and from a customer signed in to one business by a "my bookings" link.
type Kind string

const (
	KindStaff    Kind = "staff"
	KindCustomer Kind = "customer"
	// KindCustomerSession is a customer of one business (TenantID, CustomerID), signed in by a
	// "my bookings" link: it lists that customer's reservations there and receives each one's
	// customer token (KindCustomer), which is what acts on a reservation. It acts on nothing itself.
	KindCustomerSession Kind = "customer_session"
)

// Principal is the verified caller. The tenant comes only from here, never from client input.
type Principal struct {
	Kind          Kind
	UserID        uuid.UUID
	TenantID      uuid.UUID
	Role          Role
	ReservationID uuid.UUID // KindCustomer only
	CustomerID    uuid.UUID // KindCustomerSession only
	TokenID       string
	ExpiresAt     int64
}

// IsStaff reports a signed-in member of a tenant.
func (p *Principal) IsStaff() bool { return p != nil && p.Kind == KindStaff }

// IsCustomerSession reports a customer signed in to a business by a "my bookings" link.
func (p *Principal) IsCustomerSession() bool { return p != nil && p.Kind == KindCustomerSession }

// HasRole reports whether the principal is staff with one of roles.
func (p *Principal) HasRole(roles ...Role) bool {
	if !p.IsStaff() {
		return false
	}
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

type ctxKey struct{}

type ctxValue struct {
	p         *Principal
	err       error
	authority *Authority // a staff token: the principal comes from the current membership
}

// WithPrincipal stores the result of authenticating a request: a principal, or the reason a token
// presented was refused (reported only when an operation needs authentication).
func WithPrincipal(ctx context.Context, p *Principal, err error) context.Context {
	return context.WithValue(ctx, ctxKey{}, ctxValue{p: p, err: err})
}

// FromContext returns the caller, or UNAUTHENTICATED (with the token's problem when one was given).
// A staff caller comes with the role of its current membership (read once per request), or
// ErrNotMember (FORBIDDEN) when it no longer has one.
func FromContext(ctx context.Context) (*Principal, error) {
	v, _ := ctx.Value(ctxKey{}).(ctxValue)
	if v.authority != nil {
		return v.authority.Principal(ctx)
	}
	if v.p != nil {
		return v.p, nil
	}
	if v.err != nil {
		return nil, v.err
	}
	return nil, apperr.ErrUnauthenticated
}

// Staff returns the caller if it is a staff member with one of roles (any role when none given).
func Staff(ctx context.Context, roles ...Role) (*Principal, error) {
	p, err := FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	if len(roles) > 0 && !p.HasRole(roles...) {
		return nil, apperr.ErrForbidden
	}
	return p, nil
}
