package tenancy

import "github.com/slotpay/slotpay/services/auth"

// Who may invite, change and remove whom, decided from the roles alone; the transactions that
// apply the decisions (members.go) lock the member and every OWNER first, and count the other
// OWNERs when a decision says one must remain.

// canManage: a member may grant or manage roles up to its own, and only an OWNER manages OWNERs.
func canManage(actor auth.Role, target auth.Role) bool {
	return actor.Rank() >= target.Rank() && (target != auth.RoleOwner || actor == auth.RoleOwner)
}

// roleChange decides whether actor may move a member from role from to role to. keepOwner is true
// when the change takes an OWNER away: the business must then have another one (lastOwner).
func roleChange(actor, from, to auth.Role) (keepOwner bool, err error) {
	if !canManage(actor, from) || !canManage(actor, to) {
		return false, ErrRoleTooHigh
	}
	return from == auth.RoleOwner && to != auth.RoleOwner, nil
}

// removal decides whether actor may remove a member of role; keepOwner as for roleChange.
func removal(actor, role auth.Role) (keepOwner bool, err error) {
	if !canManage(actor, role) {
		return false, ErrRoleTooHigh
	}
	return role == auth.RoleOwner, nil
}

// lastOwner refuses a change that takes an OWNER away when otherOwners (the business's OWNERs
// besides the member) is zero: a business keeps at least one.
func lastOwner(otherOwners int64) error {
	if otherOwners == 0 {
		return ErrLastOwner
	}
	return nil
}
