package database

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// InTenant runs fn in one transaction whose row-level-security scope is tenantID: every table's
// policy compares tenant_id with app.tenant_id, set here with is_local = true so it ends with the
// transaction and can never leak to the next user of the pooled connection. gorm statements of
// tenant-owned models in fn are also scoped to tenantID by the application (scope.go).
func InTenant(ctx context.Context, db *gorm.DB, tenantID uuid.UUID, fn func(tx *gorm.DB) error) error {
	return db.WithContext(withTenantScope(ctx, tenantID)).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT set_config('app.tenant_id', ?, true)`, tenantID.String()).Error; err != nil {
			return err
		}
		return fn(tx)
	})
}

// AsUser is InTenant for a signed-in user: it also sets app.user_id, which lets the user read its own
// row of users. tenantID may be uuid.Nil (no tenant yet, e.g. during log-in).
func AsUser(ctx context.Context, db *gorm.DB, tenantID, userID uuid.UUID, fn func(tx *gorm.DB) error) error {
	return db.WithContext(withTenantScope(ctx, tenantID)).Transaction(func(tx *gorm.DB) error {
		tenant := ""
		if tenantID != uuid.Nil {
			tenant = tenantID.String()
		}
		if err := tx.Exec(`SELECT set_config('app.tenant_id', ?, true), set_config('app.user_id', ?, true)`, tenant, userID.String()).Error; err != nil {
			return err
		}
		return fn(tx)
	})
}
