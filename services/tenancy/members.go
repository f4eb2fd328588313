package tenancy

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
)

// Invited is a new invitation and its one-time token (to put in the link sent to the invitee).
type Invited struct {
	Invitation models.Invitation
	Token      string
}

// errUnknownRole refuses a role that is not one of Role's values.
var errUnknownRole = apperr.Input("role", apperr.NotAllowed, "unknown role")

// InviteStaff invites an e-mail address to the caller's business with a role.
func (s *Service) InviteStaff(ctx context.Context, p *auth.Principal, email string, role auth.Role) (*Invited, error) {
	var problems apperr.Problems
	email, err := NormalizeEmail(email, "email")
	problems.Add(err)
	if !role.Valid() {
		problems.Add(errUnknownRole)
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	if !canManage(p.Role, role) {
		return nil, ErrRoleTooHigh
	}
	token, hash := newOpaqueToken("inv", p.TenantID)
	inv := models.Invitation{TenantID: p.TenantID, ID: uuid.New(), Email: email, Role: role, TokenHash: hash,
		InvitedBy: p.UserID, ExpiresAt: s.now().Add(s.inviteTTL)}
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		var members int64
		err := db.Raw(`SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.tenant_id = ? AND lower(u.email) = ?`, p.TenantID, email).Scan(&members).Error
		if err != nil {
			return err
		}
		if members > 0 {
			return ErrAlreadyMember.WithField("email")
		}
		// An expired open invitation makes way for the new one.
		if err := db.Exec(`UPDATE invitations SET revoked_at = ? WHERE tenant_id = ? AND lower(email) = ?
			AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= ?`, s.now(), p.TenantID, email, s.now()).Error; err != nil {
			return err
		}
		if err := db.Create(&inv).Error; err != nil {
			if ok, _ := database.IsCode(err, database.CodeUniqueViolation); ok {
				return ErrOpenInvitation.WithField("email").Wrap(err)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, wrap("invite staff", err)
	}
	return &Invited{Invitation: inv, Token: token}, nil
}

// Invitations lists the open invitations of the caller's business.
func (s *Service) Invitations(ctx context.Context, p *auth.Principal) ([]models.Invitation, error) {
	var out []models.Invitation
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Where("tenant_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", p.TenantID, s.now()).
			Order("created_at").Limit(500).Find(&out).Error
	})
	return out, wrap("invitations", err)
}

// RevokeInvitation withdraws an open invitation.
func (s *Service) RevokeInvitation(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	return wrap("revoke invitation", s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		var inv models.Invitation
		err := db.Where("tenant_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL", p.TenantID, id).First(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrInviteNotFound.WithField("id")
		}
		if err != nil {
			return err
		}
		if !canManage(p.Role, inv.Role) {
			return ErrRoleTooHigh
		}
		return db.Model(&inv).Where("tenant_id = ? AND id = ?", p.TenantID, id).Update("revoked_at", s.now()).Error
	}))
}

// AcceptInvitation joins the invitation's business. A new person gives a name and a password; a
// person who already has an account proves it with its password.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password string) (*Session, error) {
	accepted, err := s.attempt(ctx, s.ipBucket(ctx, "invitation-ip", s.limits.InvitationIP))
	if err != nil {
		return nil, wrap("accept invitation", err)
	}
	tenantID, hash, ok := parseOpaqueToken("inv", token)
	if !ok {
		return nil, ErrBadInvitation.WithField("token")
	}
	inv, err := s.openInvitation(ctx, tenantID, hash)
	if err != nil {
		return nil, err
	}
	// Hash outside the transaction: argon2id takes tens of milliseconds.
	user, isNew, err := s.invitee(ctx, inv, name, password)
	if err != nil {
		return nil, err
	}
	sess, err := s.join(ctx, inv, user, isNew)
	if err != nil {
		return nil, wrap("accept invitation", err)
	}
	accepted()
	return sess, nil
}

// openInvitation is the open (not accepted, revoked or expired) invitation of tenantID whose token
// hashes to hash.
func (s *Service) openInvitation(ctx context.Context, tenantID uuid.UUID, hash []byte) (models.Invitation, error) {
	var inv models.Invitation
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		return tx.Gorm().Where("token_hash = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", hash, s.now()).First(&inv).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return inv, ErrBadInvitation.WithField("token")
	}
	return inv, wrap("accept invitation", err)
}

// invitee is the user who accepts inv: an existing account of the invited e-mail, proved by its
// password (a log-in, counted in the log-in buckets, or invitations would be a way around their
// limits), or a new account with name and password (isNew).
func (s *Service) invitee(ctx context.Context, inv models.Invitation, name, password string) (user models.User, isNew bool, err error) {
	var existing []userRow
	if err := s.data.Gorm().WithContext(ctx).Raw(`SELECT id, password_hash FROM auth_find_user_by_email(?)`, inv.Email).Scan(&existing).Error; err != nil {
		return user, false, wrap("accept invitation", err)
	}
	user = models.User{ID: uuid.New(), Email: inv.Email}
	if len(existing) == 1 {
		proved, err := s.attempt(ctx, s.logInBuckets(ctx, inv.Email)...)
		if err != nil {
			return user, false, wrap("accept invitation", err)
		}
		ok, err := auth.VerifyPassword(ctx, password, existing[0].PasswordHash)
		if err != nil || !ok {
			return user, false, ErrBadCredentials.WithField("password")
		}
		proved()
		user.ID = existing[0].ID
		return user, false, nil
	}
	var problems apperr.Problems
	user.Name, err = ValidateName(name, "name")
	problems.Add(err)
	problems.Add(auth.CheckPasswordStrength(password, inv.Email, "password"))
	if err := problems.Err(); err != nil {
		return user, true, err
	}
	if user.PasswordHash, err = auth.HashPassword(ctx, password, s.argon); err != nil {
		return user, true, wrap("accept invitation", err)
	}
	return user, true, nil
}

// join makes user a member of inv's tenant with inv's role and starts a session there. The
// invitation is claimed first, under lock, so two acceptances cannot both succeed.
func (s *Service) join(ctx context.Context, inv models.Invitation, user models.User, isNew bool) (*Session, error) {
	var sess *Session
	err := s.data.AsUser(ctx, inv.TenantID, user.ID, func(tx *database.Tx) error {
		db := tx.Gorm()
		res := db.Model(&models.Invitation{}).
			Where("tenant_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.TenantID, inv.ID).
			Update("accepted_at", s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrBadInvitation.WithField("token")
		}
		if isNew {
			if err := db.Create(&user).Error; err != nil {
				return translateUnique(err)
			}
		}
		m := models.Membership{TenantID: inv.TenantID, UserID: user.ID, Role: inv.Role}
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&m).Error; err != nil {
			return err
		}
		var tenant models.Tenant
		if err := db.First(&tenant, "id = ?", inv.TenantID).Error; err != nil {
			return err
		}
		if err := db.First(&user, "id = ?", user.ID).Error; err != nil {
			return err
		}
		var role string
		if err := db.Raw(`SELECT role FROM memberships WHERE tenant_id = ? AND user_id = ?`, inv.TenantID, user.ID).Scan(&role).Error; err != nil {
			return err
		}
		var err error
		sess, err = s.startSession(db, tenant, user, auth.Role(role), uuid.New())
		return err
	})
	return sess, err
}

// Members lists the caller's business's members with their users.
func (s *Service) Members(ctx context.Context, p *auth.Principal) ([]models.Membership, error) {
	var out []models.Membership
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		return db.Preload("User").Where("tenant_id = ?", p.TenantID).Order("created_at").Limit(1000).Find(&out).Error
	})
	return out, wrap("members", err)
}

// UpdateMemberRole changes a member's role, keeping at least one OWNER.
func (s *Service) UpdateMemberRole(ctx context.Context, p *auth.Principal, userID uuid.UUID, role auth.Role) (*models.Membership, error) {
	if !role.Valid() {
		return nil, errUnknownRole
	}
	var m models.Membership
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		if err := s.lockMember(db, p, userID, &m); err != nil {
			return err
		}
		keepOwner, err := roleChange(p.Role, m.Role, role)
		if err != nil {
			return err
		}
		if keepOwner {
			if err := ensureAnotherOwner(db, p.TenantID, userID); err != nil {
				return err
			}
		}
		m.Role = role
		m.UpdatedAt = s.now()
		if err := db.Model(&models.Membership{}).Where("tenant_id = ? AND user_id = ?", p.TenantID, userID).
			Updates(map[string]any{"role": m.Role, "updated_at": m.UpdatedAt}).Error; err != nil {
			return err
		}
		// The new role applies to the member's next request (auth.Authority reads the membership);
		// its open WebSocket connections hear of it from the event.
		if err := publishMembershipChanged(tx, p.TenantID, userID); err != nil {
			return err
		}
		return db.Preload("User").First(&m, "tenant_id = ? AND user_id = ?", p.TenantID, userID).Error
	})
	if err != nil {
		return nil, wrap("update member role", err)
	}
	return &m, nil
}

// RemoveMember takes a person out of the business; its refresh tokens go with the membership.
func (s *Service) RemoveMember(ctx context.Context, p *auth.Principal, userID uuid.UUID) error {
	return wrap("remove member", s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		db := tx.Gorm()
		var m models.Membership
		if err := s.lockMember(db, p, userID, &m); err != nil {
			return err
		}
		keepOwner, err := removal(p.Role, m.Role)
		if err != nil {
			return err
		}
		if keepOwner {
			if err := ensureAnotherOwner(db, p.TenantID, userID); err != nil {
				return err
			}
		}
		// The refresh tokens go by the foreign key (ON DELETE CASCADE); the member's next request is
		// refused (auth.ErrNotMember), and the event closes its open WebSocket connections.
		if err := db.Where("tenant_id = ? AND user_id = ?", p.TenantID, userID).Delete(&models.Membership{}).Error; err != nil {
			return err
		}
		return publishMembershipChanged(tx, p.TenantID, userID)
	}))
}

func (s *Service) lockMember(tx *gorm.DB, p *auth.Principal, userID uuid.UUID, m *models.Membership) error {
	// Lock every OWNER row too, so two owners demoting each other concurrently cannot leave none.
	if err := tx.Exec(`SELECT 1 FROM memberships WHERE tenant_id = ? AND role = 'OWNER' FOR UPDATE`, p.TenantID).Error; err != nil {
		return err
	}
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(m, "tenant_id = ? AND user_id = ?", p.TenantID, userID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrMemberNotFound.WithField("userId")
	}
	return err
}

func ensureAnotherOwner(tx *gorm.DB, tenantID, userID uuid.UUID) error {
	var others int64
	if err := tx.Raw(`SELECT count(*) FROM memberships WHERE tenant_id = ? AND role = 'OWNER' AND user_id <> ?`, tenantID, userID).
		Scan(&others).Error; err != nil {
		return err
	}
	return lastOwner(others)
}
