package models

import (
	"fmt"
	"io"
	"strconv"
)

// Role is a member's role in a tenant. It is also the GraphQL enum Role.
type Role string

// The roles a member can have.
const (
	RoleOwner Role = "OWNER"
	RoleAdmin Role = "ADMIN"
	RoleStaff Role = "STAFF"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleStaff }

// Rank orders roles: OWNER > ADMIN > STAFF.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleStaff:
		return 1
	}
	return 0
}

// MarshalGQL writes the enum value.
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads the enum value.
func (r *Role) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !Role(s).Valid() {
		return fmt.Errorf("%v is not a valid Role", v)
	}
	*r = Role(s)
	return nil
}
