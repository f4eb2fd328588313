package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/config"
)

// Audiences: a staff access token and a customer's reservation capability are not interchangeable.
const (
	AudienceStaff    = "slotpay-api"
	AudienceCustomer = "slotpay-reservation"
	// AudienceCustomerSession is a customer's session at one business ("my bookings").
	AudienceCustomerSession = "slotpay-customer-session"
)

// signingMethod is pinned: tokens with any other alg (including "none") are refused.
var signingMethod = jwt.SigningMethodHS256

// Claims are an access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	TenantID      string `json:"tid"`
	Role          Role   `json:"role,omitempty"`
	ReservationID string `json:"rid,omitempty"`
	CustomerID    string `json:"cid,omitempty"`
}

// Tokens issues and verifies access tokens. keys[0] signs; every key verifies until removed from
// configuration (rotation by kid).
type Tokens struct {
	issuer string
	keys   []config.Key
	ttl    time.Duration
	now    func() time.Time
}

// NewTokens builds a token service; now may be nil (time.Now).
func NewTokens(issuer string, keys []config.Key, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(keys) == 0 {
		return nil, errors.New("no JWT signing key")
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{issuer: issuer, keys: keys, ttl: ttl, now: now}, nil
}

// TTL is the lifetime of staff access tokens.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// IssueStaff signs an access token for a member of a tenant.
func (t *Tokens) IssueStaff(userID, tenantID uuid.UUID, role Role) (string, time.Time, error) {
	exp := t.now().Add(t.ttl)
	claims := Claims{
		RegisteredClaims: t.registered(userID.String(), AudienceStaff, exp),
		TenantID:         tenantID.String(),
		Role:             role,
	}
	s, err := t.sign(claims)
	return s, exp, err
}

// IssueCustomer signs a capability for one reservation, valid until exp.
func (t *Tokens) IssueCustomer(tenantID, reservationID uuid.UUID, exp time.Time) (string, error) {
	claims := Claims{
		RegisteredClaims: t.registered("reservation:"+reservationID.String(), AudienceCustomer, exp),
		TenantID:         tenantID.String(),
		ReservationID:    reservationID.String(),
	}
	return t.sign(claims)
}

// IssueCustomerSession signs a "my bookings" session of one customer of a business, valid until exp.
func (t *Tokens) IssueCustomerSession(tenantID, customerID uuid.UUID, exp time.Time) (string, error) {
	claims := Claims{
		RegisteredClaims: t.registered("customer:"+customerID.String(), AudienceCustomerSession, exp),
		TenantID:         tenantID.String(),
		CustomerID:       customerID.String(),
	}
	return t.sign(claims)
}

func (t *Tokens) registered(subject, audience string, exp time.Time) jwt.RegisteredClaims {
	now := t.now()
	return jwt.RegisteredClaims{
		Issuer:    t.issuer,
		Subject:   subject,
		Audience:  jwt.ClaimStrings{audience},
		ExpiresAt: jwt.NewNumericDate(exp),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Second)),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        uuid.NewString(),
	}
}

func (t *Tokens) sign(c Claims) (string, error) {
	tok := jwt.NewWithClaims(signingMethod, c)
	tok.Header["kid"] = t.keys[0].ID
	return tok.SignedString(t.keys[0].Secret)
}

// ErrInvalidToken is what a client learns about any refused token.
var ErrInvalidToken = apperr.New(apperr.Unauthenticated, "invalid or expired token")

// Verify checks a token of either audience and returns its principal.
func (t *Tokens) Verify(raw string) (*Principal, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(raw, &claims, t.keyFor,
		jwt.WithValidMethods([]string{signingMethod.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(AudienceStaff, AudienceCustomer, AudienceCustomerSession),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return nil, ErrInvalidToken.Wrap(err)
	}
	return claims.principal()
}

func (c *Claims) principal() (*Principal, error) {
	tenantID, err := uuid.Parse(c.TenantID)
	if err != nil {
		return nil, ErrInvalidToken.Wrap(fmt.Errorf("tid: %w", err))
	}
	p := &Principal{TenantID: tenantID, TokenID: c.ID, ExpiresAt: c.ExpiresAt.Unix()}
	// Exactly one audience decides the kind; a token naming both is refused.
	if len(c.Audience) != 1 {
		return nil, ErrInvalidToken.Wrap(errors.New("token must have exactly one audience"))
	}
	switch c.Audience[0] {
	case AudienceStaff:
		p.Kind = KindStaff
		if p.UserID, err = uuid.Parse(c.Subject); err != nil || !c.Role.Valid() {
			return nil, ErrInvalidToken.Wrap(errors.New("bad subject or role"))
		}
		p.Role = c.Role
	case AudienceCustomer:
		p.Kind = KindCustomer
		if p.ReservationID, err = uuid.Parse(c.ReservationID); err != nil {
			return nil, ErrInvalidToken.Wrap(errors.New("bad reservation id"))
		}
	case AudienceCustomerSession:
		p.Kind = KindCustomerSession
		if p.CustomerID, err = uuid.Parse(c.CustomerID); err != nil {
			return nil, ErrInvalidToken.Wrap(errors.New("bad customer id"))
		}
	default:
		return nil, ErrInvalidToken.Wrap(errors.New("unknown audience"))
	}
	return p, nil
}

func (t *Tokens) keyFor(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	for _, k := range t.keys {
		if k.ID == kid {
			return k.Secret, nil
		}
	}
	return nil, fmt.Errorf("unknown kid %q", kid)
}
