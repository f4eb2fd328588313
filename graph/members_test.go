package graph

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/auth"
)

type membershipsFunc func(ctx context.Context, tenantID, userID uuid.UUID) (auth.Role, error)

func (f membershipsFunc) MemberRole(ctx context.Context, tenantID, userID uuid.UUID) (auth.Role, error) {
	return f(ctx, tenantID, userID)
}

// publicCallersOnly is the membership source of a handler that only public callers reach in the
// test: reading a membership fails the test.
func publicCallersOnly(t *testing.T) auth.Memberships {
	return membershipsFunc(func(context.Context, uuid.UUID, uuid.UUID) (auth.Role, error) {
		t.Error("a membership was read for a public caller")
		return "", auth.ErrNotMember
	})
}
