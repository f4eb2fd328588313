// Package models holds the gorm structs shared by services: plain data mapped onto the SQL schema in
// migrations/ (no AutoMigrate; the schema is written in SQL).
package models

import (
	"time"

	"github.com/google/uuid"
)

// Tenant is a business using slotpay.
type Tenant struct {
	ID       uuid.UUID `gorm:"type:uuid;primaryKey"`
	Name     string
	Slug     string
	TimeZone string
	Currency string
	Locale   string
	// The public profile (migration 00009); nil is "not given".
	AddressLine1       *string
	AddressLine2       *string
	City               *string
	PostalCode         *string
	Country            *string
	ContactEmail       *string
	Phone              *string
	LogoURL            *string `gorm:"column:logo_url"`
	CancellationPolicy *string
	// The cancellation and change rules (migration 00010).
	CancellationRules
	CreatedAt time.Time
	UpdatedAt time.Time
}

// User is a person who can sign in; it may belong to several tenants.
type User struct {
	ID           uuid.UUID `gorm:"type:uuid;primaryKey"`
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Membership gives a user a role in a tenant.
type Membership struct {
	TenantID  uuid.UUID `gorm:"type:uuid;primaryKey"`
	UserID    uuid.UUID `gorm:"type:uuid;primaryKey"`
	Role      Role
	CreatedAt time.Time
	UpdatedAt time.Time
	User      *User `gorm:"foreignKey:UserID;references:ID"`
}

// Invitation asks a person to join a tenant with a role.
type Invitation struct {
	TenantID   uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID         uuid.UUID `gorm:"type:uuid;primaryKey"`
	Email      string
	Role       Role
	TokenHash  []byte
	InvitedBy  uuid.UUID `gorm:"type:uuid"`
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}

// RefreshToken is one link of a rotating refresh-token family; only its hash is stored.
type RefreshToken struct {
	TenantID  uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID        uuid.UUID `gorm:"type:uuid;primaryKey"`
	UserID    uuid.UUID `gorm:"type:uuid"`
	FamilyID  uuid.UUID `gorm:"type:uuid"`
	TokenHash []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}
