package database

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Row-level security is the net; the application scopes its queries as well. Inside InTenant (and
// AsUser with a tenant), every gorm query, update and delete of a model that has a TenantID field
// gets `<table>.tenant_id = <the transaction's tenant>` added, whatever its author wrote, so a query
// that forgot the tenant cannot read or touch another tenant's rows even where RLS were off (a
// superuser connection, a policy dropped by mistake). Raw SQL is written with its tenant condition
// by hand.

type tenantScopeKey struct{}

func withTenantScope(ctx context.Context, tenantID uuid.UUID) context.Context {
	return context.WithValue(ctx, tenantScopeKey{}, tenantID)
}

func tenantScopeOf(ctx context.Context) (uuid.UUID, bool) {
	id, ok := ctx.Value(tenantScopeKey{}).(uuid.UUID)
	return id, ok && id != uuid.Nil
}

func scopeToTenant(db *gorm.DB) {
	st := db.Statement
	if st.Schema == nil || st.Context == nil {
		return
	}
	tenantID, ok := tenantScopeOf(st.Context)
	if !ok {
		return
	}
	if f := st.Schema.LookUpField("TenantID"); f == nil || f.DBName != "tenant_id" {
		return
	}
	st.AddClause(clause.Where{Exprs: []clause.Expression{
		clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "tenant_id"}, Value: tenantID},
	}})
}

// registerTenantScope installs scopeToTenant on a gorm handle (Open does it).
func registerTenantScope(db *gorm.DB) error {
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("slotpay:tenant_scope", scopeToTenant),
		cb.Update().Before("gorm:update").Register("slotpay:tenant_scope", scopeToTenant),
		cb.Delete().Before("gorm:delete").Register("slotpay:tenant_scope", scopeToTenant),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
