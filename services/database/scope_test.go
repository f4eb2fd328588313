package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// TestApplicationScopesQueriesToTheTenant runs on the superuser connection, where row-level security
// does not apply, to prove the application's own scoping: inside InTenant(B), gorm cannot read,
// update or delete A's rows even when the query names them by id and forgets the tenant.
func TestApplicationScopesQueriesToTheTenant(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	ownerDB, err := database.Open(ctx, db.OwnerURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer ownerDB.Close()
	owner := ownerDB.Gorm()
	a, b := uuid.New(), uuid.New()
	methodOf := map[uuid.UUID]uuid.UUID{a: uuid.New(), b: uuid.New()}
	for i, tenant := range []uuid.UUID{a, b} {
		if err := owner.Exec(`INSERT INTO tenants (id, name, slug, time_zone, currency, locale) VALUES (?, 'T', ?, 'UTC', 'PLN', 'pl-PL')`,
			tenant, []string{"scope-a", "scope-b"}[i]).Error; err != nil {
			t.Fatal(err)
		}
		if err := owner.Create(&models.PaymentMethod{TenantID: tenant, ID: methodOf[tenant], Kind: models.MethodOnSite, DisplayName: "On site", Enabled: true}).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Without a tenant scope the superuser sees A's method: what follows is the application's doing.
	var m models.PaymentMethod
	if err := owner.First(&m, "id = ?", methodOf[a]).Error; err != nil {
		t.Fatalf("control read: %v", err)
	}
	err = ownerDB.InTenant(ctx, b, func(t2 *database.Tx) error {
		tx := t2.Gorm()
		var got models.PaymentMethod
		if err := tx.First(&got, "id = ?", methodOf[a]).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Errorf("B read A's method by id: %v", err)
		}
		var all []models.PaymentMethod
		if err := tx.Find(&all).Error; err != nil || len(all) != 1 || all[0].TenantID != b {
			t.Errorf("B lists %+v (%v)", all, err)
		}
		res := tx.Model(&models.PaymentMethod{}).Where("id = ?", methodOf[a]).Update("display_name", "pwned")
		if res.Error != nil || res.RowsAffected != 0 {
			t.Errorf("B updated A's method: %d rows (%v)", res.RowsAffected, res.Error)
		}
		res = tx.Where("id = ?", methodOf[a]).Delete(&models.PaymentMethod{})
		if res.Error != nil || res.RowsAffected != 0 {
			t.Errorf("B deleted A's method: %d rows (%v)", res.RowsAffected, res.Error)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.First(&m, "id = ?", methodOf[a]).Error; err != nil || m.DisplayName != "On site" {
		t.Fatalf("A's method after B's attempts: %+v (%v)", m, err)
	}
}
