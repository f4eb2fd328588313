package ws

import (
	"testing"

	"github.com/slotpay/slotpay/models"
)

func TestRolesAdmit(t *testing.T) {
	t.Parallel()
	admins := []models.Role{models.RoleOwner, models.RoleAdmin}
	tests := []struct {
		name  string
		roles []models.Role
		role  models.Role
		want  bool
	}{
		{"unrestricted, any role", nil, models.RoleStaff, true},
		{"listed", admins, models.RoleAdmin, true},
		{"demoted below the operation", admins, models.RoleStaff, false},
		{"no role admitted", []models.Role{}, models.RoleOwner, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := rolesAdmit(tt.roles, tt.role); got != tt.want {
				t.Fatalf("rolesAdmit(%v, %s) = %v", tt.roles, tt.role, got)
			}
		})
	}
}
