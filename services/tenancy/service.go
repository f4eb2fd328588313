// Package tenancy holds tenants, their members and sessions: sign-up, log-in, rotating refresh
// tokens, invitations and roles. Every tenant's read and write runs in a database.Tx (InTenant,
// AsUser); the role rules (roles.go) are pure decisions with table tests beside them.
package tenancy

import (
	"context"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/ratelimit"
)

// Errors of this domain.
var (
	ErrBadCredentials  = apperr.New(apperr.Unauthenticated, "invalid e-mail or password")
	ErrBadRefreshToken = apperr.New(apperr.Unauthenticated, "invalid or expired refresh token")
	ErrSlugTaken       = apperr.New(apperr.Conflict, "this slug is already taken")
	ErrEmailTaken      = apperr.New(apperr.Conflict, "an account with this e-mail already exists")
	ErrAlreadyMember   = apperr.New(apperr.Conflict, "this person is already a member")
	ErrOpenInvitation  = apperr.New(apperr.Conflict, "an invitation for this e-mail is already open")
	ErrBadInvitation   = apperr.New(apperr.NotFound, "invitation not found, expired or already used")
	ErrLastOwner       = apperr.New(apperr.Conflict, "a business must keep at least one owner")
	ErrRoleTooHigh     = apperr.New(apperr.Forbidden, "you cannot grant or manage a role above your own")
	ErrNoMembership    = apperr.New(apperr.Unauthenticated, "this account is not a member of that business")
	ErrChooseTenant    = apperr.New(apperr.BadUserInput, "this account belongs to several businesses: give tenantSlug")
	ErrTenantNotFound  = apperr.New(apperr.NotFound, "business not found")
	ErrMemberNotFound  = apperr.New(apperr.NotFound, "member not found")
	ErrInviteNotFound  = apperr.New(apperr.NotFound, "invitation not found")
)

// Service implements the tenancy rules.
type Service struct {
	data       *database.DB
	tokens     *auth.Tokens
	refreshTTL time.Duration
	inviteTTL  time.Duration
	argon      auth.Argon2Params
	now        func() time.Time
	limiter    Limiter
	limits     ratelimit.Limits
	// dummyHash is verified against when an e-mail is unknown, so an unknown account costs the same
	// time as a wrong password and log-in does not reveal which e-mails exist.
	dummyHash string
}

// Options tune the service (tests lower argon2's cost and control the clock).
type Options struct {
	RefreshTTL time.Duration
	InviteTTL  time.Duration
	Argon2     auth.Argon2Params
	Now        func() time.Time
	// Limiter and Limits limit sign-up, log-in, refresh and invitation attempts; a nil Limiter
	// limits nothing (services tested on their own).
	Limiter Limiter
	Limits  ratelimit.Limits
}

// NewService builds the tenancy service on the application's database.
func NewService(data *database.DB, tokens *auth.Tokens, o Options) *Service {
	if o.RefreshTTL == 0 {
		o.RefreshTTL = 30 * 24 * time.Hour
	}
	if o.InviteTTL == 0 {
		o.InviteTTL = 7 * 24 * time.Hour
	}
	if o.Argon2.Memory == 0 {
		o.Argon2 = auth.DefaultArgon2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dummy, err := auth.HashPassword(context.Background(), "slotpay-timing-equaliser", o.Argon2)
	if err != nil {
		panic(err) // only crypto/rand failing
	}
	return &Service{data: data, tokens: tokens, refreshTTL: o.RefreshTTL, inviteTTL: o.InviteTTL, argon: o.Argon2, now: o.Now,
		limiter: o.Limiter, limits: o.Limits, dummyHash: dummy}
}

// Session is what a successful sign-up, log-in or refresh returns.
type Session struct {
	AccessToken          string
	AccessTokenExpiresAt time.Time
	RefreshToken         string
	RefreshExpiresAt     time.Time
	User                 models.User
	Tenant               models.Tenant
	Role                 auth.Role
}

// SignUpInput creates a business and its owner.
type SignUpInput struct {
	TenantName string
	Slug       string
	TimeZone   string
	Currency   string
	Locale     string
	OwnerName  string
	Email      string
	Password   string
}

// validate checks a sign-up onto the business and its owner, reporting every bad field at once.
func (in *SignUpInput) validate(tenant *models.Tenant, user *models.User) error {
	var problems apperr.Problems
	var err error
	tenant.Name, err = ValidateName(in.TenantName, "tenantName")
	problems.Add(err)
	problems.Add(ValidateSlug(tenant.Slug, "slug"))
	_, err = ValidateTimeZone(in.TimeZone, "timeZone")
	problems.Add(err)
	tenant.TimeZone = in.TimeZone
	if in.Currency == "" {
		in.Currency = "PLN"
	}
	tenant.Currency, err = ValidateCurrency(in.Currency, "currency")
	problems.Add(err)
	if in.Locale == "" {
		in.Locale = "pl-PL"
	}
	tenant.Locale, err = ValidateLocale(in.Locale, "locale")
	problems.Add(err)
	user.Name, err = ValidateName(in.OwnerName, "ownerName")
	problems.Add(err)
	user.Email, err = NormalizeEmail(in.Email, "email")
	problems.Add(err)
	problems.Add(auth.CheckPasswordStrength(in.Password, user.Email, "password"))
	return problems.Err()
}

// SignUp creates a tenant with its OWNER and signs the owner in. Nothing is written on bad input.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*Session, error) {
	tenant := models.Tenant{ID: uuid.New(), Slug: strings.TrimSpace(in.Slug)}
	user := models.User{ID: uuid.New()}
	if err := in.validate(&tenant, &user); err != nil {
		return nil, err
	}
	var err error
	// Every attempt that gets as far as hashing counts, successful or not: each creates a business.
	if _, err := s.attempt(ctx, s.ipBucket(ctx, "signup-ip", s.limits.SignUpIP),
		bucket{s.limits.SignUpEmail, ratelimit.Key("signup-email", user.Email)}); err != nil {
		return nil, wrap("sign up", err)
	}
	if user.PasswordHash, err = auth.HashPassword(ctx, in.Password, s.argon); err != nil {
		return nil, wrap("sign up", err)
	}
	var sess *Session
	err = s.data.AsUser(ctx, tenant.ID, user.ID, func(tx *database.Tx) error {
		db := tx.Gorm()
		var taken bool
		if err := db.Raw(`SELECT public_slug_taken(?)`, tenant.Slug).Scan(&taken).Error; err != nil {
			return err
		}
		if taken {
			return ErrSlugTaken.WithField("slug")
		}
		if err := db.Create(&tenant).Error; err != nil {
			return translateUnique(err)
		}
		if err := db.Create(&user).Error; err != nil {
			return translateUnique(err)
		}
		if err := db.Create(&models.Membership{TenantID: tenant.ID, UserID: user.ID, Role: auth.RoleOwner}).Error; err != nil {
			return err
		}
		sess, err = s.startSession(db, tenant, user, auth.RoleOwner, uuid.New())
		return err
	})
	if err != nil {
		return nil, wrap("sign up", err)
	}
	return sess, nil
}

func translateUnique(err error) error {
	if ok, constraint := database.IsCode(err, database.CodeUniqueViolation); ok {
		switch constraint {
		case "tenants_slug_key":
			return ErrSlugTaken.WithField("slug").Wrap(err)
		case "users_email_key":
			return ErrEmailTaken.WithField("email").Wrap(err)
		}
	}
	return err
}

// startSession issues an access token and the first refresh token of a family (inside tx).
func (s *Service) startSession(tx *gorm.DB, tenant models.Tenant, user models.User, role auth.Role, family uuid.UUID) (*Session, error) {
	access, exp, err := s.tokens.IssueStaff(user.ID, tenant.ID, role)
	if err != nil {
		return nil, err
	}
	refresh, hash := newOpaqueToken("rt", tenant.ID)
	rt := models.RefreshToken{TenantID: tenant.ID, ID: uuid.New(), UserID: user.ID, FamilyID: family,
		TokenHash: hash, ExpiresAt: s.now().Add(s.refreshTTL)}
	if err := tx.Create(&rt).Error; err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, AccessTokenExpiresAt: exp, RefreshToken: refresh, RefreshExpiresAt: rt.ExpiresAt,
		User: user, Tenant: tenant, Role: role}, nil
}

type userRow struct {
	ID           uuid.UUID
	PasswordHash string
}

type membershipRow struct {
	TenantID   uuid.UUID
	TenantSlug string
	Role       string
}

// LogIn checks an e-mail and password and signs the user in to one of its tenants. An unknown
// e-mail spends the time of a password check and answers exactly like a wrong password.
func (s *Service) LogIn(ctx context.Context, email, password, tenantSlug string) (*Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	succeeded, err := s.attempt(ctx, s.logInBuckets(ctx, email)...)
	if err != nil {
		return nil, wrap("log in", err)
	}
	var found []userRow
	if err := s.data.Gorm().WithContext(ctx).Raw(`SELECT id, password_hash FROM auth_find_user_by_email(?)`, email).Scan(&found).Error; err != nil {
		return nil, wrap("log in", err)
	}
	if len(found) == 0 {
		if _, err := auth.VerifyPassword(ctx, password, s.dummyHash); err != nil {
			return nil, wrap("log in", err)
		}
		return nil, ErrBadCredentials
	}
	ok, err := auth.VerifyPassword(ctx, password, found[0].PasswordHash)
	if err != nil {
		return nil, wrap("log in", err)
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	succeeded()
	var memberships []membershipRow
	if err := s.data.Gorm().WithContext(ctx).Raw(`SELECT tenant_id, tenant_slug, role FROM auth_user_memberships(?)`, found[0].ID).Scan(&memberships).Error; err != nil {
		return nil, wrap("log in", err)
	}
	var chosen *membershipRow
	switch {
	case tenantSlug != "":
		for i := range memberships {
			if memberships[i].TenantSlug == tenantSlug {
				chosen = &memberships[i]
			}
		}
		if chosen == nil {
			return nil, ErrNoMembership.WithField("tenantSlug")
		}
	case len(memberships) == 1:
		chosen = &memberships[0]
	case len(memberships) == 0:
		return nil, ErrNoMembership
	default:
		return nil, ErrChooseTenant.WithField("tenantSlug")
	}
	var sess *Session
	err = s.data.AsUser(ctx, chosen.TenantID, found[0].ID, func(tx *database.Tx) error {
		db := tx.Gorm()
		var tenant models.Tenant
		var user models.User
		if err := db.First(&tenant, "id = ?", chosen.TenantID).Error; err != nil {
			return err
		}
		if err := db.First(&user, "id = ?", found[0].ID).Error; err != nil {
			return err
		}
		sess, err = s.startSession(db, tenant, user, auth.Role(chosen.Role), uuid.New())
		return err
	})
	if err != nil {
		return nil, wrap("log in", err)
	}
	return sess, nil
}

// errReuse ends a refresh transaction that must still commit (the family revocation).
var errReuse = errors.New("refresh token reuse")

// Refresh rotates a refresh token: the presented one is spent and a new one of the same family is
// issued with a fresh access token. Presenting a spent token again means it was stolen (or the client
// is confused): the whole family is revoked, and both holders must log in again.
func (s *Service) Refresh(ctx context.Context, token string) (*Session, error) {
	succeeded, err := s.attempt(ctx, s.ipBucket(ctx, "refresh-ip", s.limits.RefreshIP))
	if err != nil {
		return nil, wrap("refresh", err)
	}
	tenantID, hash, ok := parseOpaqueToken("rt", token)
	if !ok {
		return nil, ErrBadRefreshToken
	}
	var sess *Session
	reused := false
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		reused = false // a rerun (deadlock) decides afresh
		var rt models.RefreshToken
		err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Where("token_hash = ?", hash).First(&rt).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrBadRefreshToken
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case rt.RevokedAt != nil, !rt.ExpiresAt.After(now):
			return ErrBadRefreshToken
		case rt.UsedAt != nil:
			reused = true
			return db.Model(&models.RefreshToken{}).
				Where("family_id = ? AND revoked_at IS NULL", rt.FamilyID).Update("revoked_at", now).Error
		}
		if err := db.Model(&rt).Update("used_at", now).Error; err != nil {
			return err
		}
		var m models.Membership
		if err := db.Preload("User").First(&m, "user_id = ?", rt.UserID).Error; err != nil {
			return err
		}
		var tenant models.Tenant
		if err := db.First(&tenant, "id = ?", tenantID).Error; err != nil {
			return err
		}
		sess, err = s.startSession(db, tenant, *m.User, m.Role, rt.FamilyID)
		return err
	})
	if err != nil {
		return nil, wrap("refresh", err)
	}
	if reused {
		return nil, ErrBadRefreshToken.Wrap(errReuse)
	}
	succeeded()
	return sess, nil
}

// LogOut revokes the refresh-token family of token. Unknown tokens are ignored (log-out is idempotent).
func (s *Service) LogOut(ctx context.Context, token string) error {
	// Counted with refreshes (as a success: it cannot fail), so it is no free probe either.
	succeeded, err := s.attempt(ctx, s.ipBucket(ctx, "refresh-ip", s.limits.RefreshIP))
	if err != nil {
		return wrap("log out", err)
	}
	succeeded()
	tenantID, hash, ok := parseOpaqueToken("rt", token)
	if !ok {
		return nil
	}
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Exec(`UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND family_id =
			(SELECT family_id FROM refresh_tokens WHERE token_hash = ?)`, s.now(), hash).Error
	})
	return wrap("log out", err)
}

// LogOutEverywhere revokes every refresh token of the caller in its tenant.
func (s *Service) LogOutEverywhere(ctx context.Context, p *auth.Principal) error {
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Model(&models.RefreshToken{}).Where("tenant_id = ? AND user_id = ? AND revoked_at IS NULL", p.TenantID, p.UserID).
			Update("revoked_at", s.now()).Error
	})
	return wrap("log out", err)
}

// Tenant returns the caller's tenant.
//
// One round trip (a transaction that only queues): a page of reservations reads its business with
// it once, for Reservation.business and the cancellation terms.
func (s *Service) Tenant(ctx context.Context, tenantID uuid.UUID) (*models.Tenant, error) {
	var rows []models.Tenant
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		rows = nil
		database.QueueRows(tx, `SELECT `+database.Columns[models.Tenant]()+` FROM tenants WHERE id = $1`, nil, &rows)
		return nil
	})
	if err != nil {
		return nil, wrap("tenant", err)
	}
	if len(rows) == 0 {
		return nil, ErrTenantNotFound
	}
	return &rows[0], nil
}

// TenantIDBySlug resolves a public slug (no login); unknown slugs are NOT_FOUND.
func (s *Service) TenantIDBySlug(ctx context.Context, slug string) (uuid.UUID, error) {
	id, err := s.tenantIDBySlug(ctx, slug, "tenantSlug")
	return id, wrap("tenant by slug", err)
}

// tenantIDBySlug is the one look-up of a public slug: the narrow SECURITY DEFINER function, the only
// read that crosses tenants before one is known. An unknown slug is ErrTenantNotFound on field.
func (s *Service) tenantIDBySlug(ctx context.Context, slug, field string) (uuid.UUID, error) {
	var raw *string
	if err := s.data.Gorm().WithContext(ctx).Raw(`SELECT public_tenant_id_by_slug(?)::text`, slug).Scan(&raw).Error; err != nil {
		return uuid.Nil, err
	}
	if raw == nil {
		return uuid.Nil, ErrTenantNotFound.WithField(field)
	}
	return uuid.Parse(*raw)
}

// PublicProfile is the business with a public slug, for anyone (no login): the slug look-up, then
// a read scoped to that tenant. Unknown slugs are NOT_FOUND on field slug, as availability's are.
func (s *Service) PublicProfile(ctx context.Context, slug string) (*models.Tenant, error) {
	id, err := s.tenantIDBySlug(ctx, slug, "slug")
	if err != nil {
		return nil, wrap("business profile", err)
	}
	return s.Tenant(ctx, id)
}

// Me is the signed-in user with every business it belongs to.
type Me struct {
	User        models.User
	Role        auth.Role
	Memberships []MembershipSummary
}

// MembershipSummary names one business a user belongs to.
type MembershipSummary struct {
	TenantID   uuid.UUID
	TenantSlug string
	Role       auth.Role
}

// Me returns the caller's profile.
func (s *Service) Me(ctx context.Context, p *auth.Principal) (*Me, error) {
	me := &Me{Role: p.Role}
	err := s.data.AsUser(ctx, p.TenantID, p.UserID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if err := db.First(&me.User, "id = ?", p.UserID).Error; err != nil {
			return err
		}
		var rows []membershipRow
		if err := db.Raw(`SELECT tenant_id, tenant_slug, role FROM auth_user_memberships(?)`, p.UserID).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			me.Memberships = append(me.Memberships, MembershipSummary{TenantID: r.TenantID, TenantSlug: r.TenantSlug, Role: auth.Role(r.Role)})
		}
		return nil
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.ErrUnauthenticated
	}
	return me, wrap("me", err)
}

// UpdateTenantInput changes a business's settings; nil fields stay.
type UpdateTenantInput struct {
	Name     *string
	TimeZone *string
	Currency *string
	Locale   *string
	Profile  ProfileInput
}

// UpdateTenant changes the caller's business (OWNER/ADMIN).
func (s *Service) UpdateTenant(ctx context.Context, p *auth.Principal, in UpdateTenantInput) (*models.Tenant, error) {
	updates, err := in.updates()
	if err != nil {
		return nil, err
	}
	var t models.Tenant
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if len(updates) > 0 {
			updates["updated_at"] = s.now()
			if err := db.Model(&models.Tenant{}).Where("id = ?", p.TenantID).Updates(updates).Error; err != nil {
				return err
			}
		}
		return db.First(&t, "id = ?", p.TenantID).Error
	})
	return &t, wrap("update tenant", err)
}

// updates validates in into the column changes it asks for, reporting every bad field at once.
func (in UpdateTenantInput) updates() (map[string]any, error) {
	var problems apperr.Problems
	updates := map[string]any{}
	if in.Name != nil {
		name, err := ValidateName(*in.Name, "name")
		problems.Add(err)
		updates["name"] = name
	}
	if in.TimeZone != nil {
		_, err := ValidateTimeZone(*in.TimeZone, "timeZone")
		problems.Add(err)
		updates["time_zone"] = *in.TimeZone
	}
	if in.Currency != nil {
		c, err := ValidateCurrency(*in.Currency, "currency")
		problems.Add(err)
		updates["currency"] = c
	}
	if in.Locale != nil {
		l, err := ValidateLocale(*in.Locale, "locale")
		problems.Add(err)
		updates["locale"] = l
	}
	profile, err := profileUpdates(in.Profile)
	problems.Add(err)
	maps.Copy(updates, profile)
	return updates, problems.Err()
}

// wrap is apperr.Op: unexpected errors get the operation's name, client-visible ones pass.
func wrap(op string, err error) error { return apperr.Op(op, err) }
