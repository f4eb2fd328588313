package tenancy

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/events"
)

var _ auth.Memberships = (*Service)(nil)

// MemberRole returns userID's current role in tenantID, or auth.ErrNotMember: what every staff
// request is authorised by (auth.Authority). One round trip, in the tenant's row-level-security
// scope: a transaction that only queues the tenant's setting and a primary-key look-up of
// memberships (tenant_id, user_id).
func (s *Service) MemberRole(ctx context.Context, tenantID, userID uuid.UUID) (auth.Role, error) {
	var role auth.Role
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		tx.Queue(`SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, userID).
			QueryRow(func(row pgx.Row) error { return row.Scan(&role) })
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", auth.ErrNotMember
	}
	if err != nil {
		return "", wrap("member role", err)
	}
	return role, nil
}

// publishMembershipChanged tells every instance, when tx commits, that userID's membership of
// tenantID changed, so open WebSocket connections of that member read it again at once.
func publishMembershipChanged(tx *database.Tx, tenantID, userID uuid.UUID) error {
	return events.Publish(tx, events.Event{Kind: events.MembershipChanged, TenantID: tenantID, UserID: userID})
}
