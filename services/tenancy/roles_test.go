package tenancy

import (
	"errors"
	"testing"

	"github.com/slotpay/slotpay/services/auth"
)

const (
	owner = auth.RoleOwner
	admin = auth.RoleAdmin
	staff = auth.RoleStaff
)

func TestCanManage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		actor, target auth.Role
		want          bool
	}{
		{owner, owner, true},
		{owner, admin, true},
		{owner, staff, true},
		{admin, owner, false}, // only an OWNER manages OWNERs
		{admin, admin, true},
		{admin, staff, true},
		{staff, owner, false},
		{staff, admin, false},
		{staff, staff, true},
		{"", staff, false}, // no role ranks below every role
		{owner, "GOD", true},
	} {
		if got := canManage(c.actor, c.target); got != c.want {
			t.Errorf("canManage(%q, %q) = %v, want %v", c.actor, c.target, got, c.want)
		}
	}
}

func TestRoleChange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name            string
		actor, from, to auth.Role
		keepOwner       bool
		err             error
	}{
		{"an owner demotes an owner: another must remain", owner, owner, admin, true, nil},
		{"an owner demotes an owner to staff", owner, owner, staff, true, nil},
		{"an owner keeps an owner an owner", owner, owner, owner, false, nil},
		{"an owner promotes an admin to owner", owner, admin, owner, false, nil},
		{"an owner demotes an admin", owner, admin, staff, false, nil},
		{"an admin promotes staff to admin", admin, staff, admin, false, nil},
		{"an admin demotes an admin", admin, admin, staff, false, nil},
		{"an admin cannot promote to owner", admin, staff, owner, false, ErrRoleTooHigh},
		{"an admin cannot demote an owner", admin, owner, staff, false, ErrRoleTooHigh},
		{"staff cannot promote staff", staff, staff, admin, false, ErrRoleTooHigh},
		{"staff cannot touch an admin", staff, admin, staff, false, ErrRoleTooHigh},
	} {
		keepOwner, err := roleChange(c.actor, c.from, c.to)
		if keepOwner != c.keepOwner || !errors.Is(err, c.err) {
			t.Errorf("%s: keepOwner %v, err %v; want %v, %v", c.name, keepOwner, err, c.keepOwner, c.err)
		}
	}
}

func TestRemoval(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		actor, role auth.Role
		keepOwner   bool
		err         error
	}{
		{"an owner removes an owner: another must remain", owner, owner, true, nil},
		{"an owner removes an admin", owner, admin, false, nil},
		{"an owner removes staff", owner, staff, false, nil},
		{"an admin cannot remove an owner", admin, owner, false, ErrRoleTooHigh},
		{"an admin removes an admin", admin, admin, false, nil},
		{"an admin removes staff", admin, staff, false, nil},
		{"staff cannot remove an admin", staff, admin, false, ErrRoleTooHigh},
		{"staff removes staff", staff, staff, false, nil},
	} {
		keepOwner, err := removal(c.actor, c.role)
		if keepOwner != c.keepOwner || !errors.Is(err, c.err) {
			t.Errorf("%s: keepOwner %v, err %v; want %v, %v", c.name, keepOwner, err, c.keepOwner, c.err)
		}
	}
}

func TestLastOwner(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		others int64
		want   error
	}{
		{0, ErrLastOwner},
		{1, nil},
		{3, nil},
	} {
		if err := lastOwner(c.others); !errors.Is(err, c.want) {
			t.Errorf("lastOwner(%d) = %v, want %v", c.others, err, c.want)
		}
	}
}
