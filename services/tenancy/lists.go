package tenancy

import (
	"context"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/paging"
)

// The orderings of the members list.
const (
	ByJoined     = "createdAt" // who joined first, first (the default)
	ByJoinedDesc = "createdAt.desc"
)

func membershipJoined(m *models.Membership) (any, uuid.UUID) { return m.CreatedAt, m.UserID }

// memberOrders break ties by the user's id: a membership's key is (tenant, user).
var memberOrders = paging.Orders[models.Membership]{
	"":           {Ordering: paging.Ordering{Name: "members.createdAt", Column: "created_at", Tie: "user_id", Kind: paging.Time}, Key: membershipJoined},
	ByJoined:     {Ordering: paging.Ordering{Name: "members.createdAt", Column: "created_at", Tie: "user_id", Kind: paging.Time}, Key: membershipJoined},
	ByJoinedDesc: {Ordering: paging.Ordering{Name: "members.createdAt.desc", Column: "created_at", Tie: "user_id", Kind: paging.Time, Desc: true}, Key: membershipJoined},
}

// MembersPage is a page of the caller's business's members with their users (Members, a page at a
// time): the page in one round trip, their users in a second.
func (s *Service) MembersPage(ctx context.Context, p *auth.Principal, order string, args paging.Args) (*paging.Page[models.Membership], error) {
	o := memberOrders.Pick(order)
	req, err := paging.Parse(args, o.Ordering)
	if err != nil {
		return nil, err
	}
	var where paging.Filter
	where.Where("tenant_id = $1")
	var page paging.Page[models.Membership]
	err = s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		paging.QueuePage(tx, "memberships", where, o, req, &page)
		if err := tx.Send(); err != nil || len(page.Rows) == 0 {
			return err
		}
		return attachUsers(tx, page.Rows)
	})
	if err != nil {
		return nil, wrap("members page", err)
	}
	return &page, nil
}

// attachUsers sets each membership's User.
func attachUsers(tx *database.Tx, rows []models.Membership) error {
	ids := make([]uuid.UUID, len(rows))
	for i, m := range rows {
		ids[i] = m.UserID
	}
	var users []models.User
	if err := tx.Gorm().Where("id IN ?", ids).Find(&users).Error; err != nil {
		return err
	}
	byID := make(map[uuid.UUID]*models.User, len(users))
	for i := range users {
		byID[users[i].ID] = &users[i]
	}
	for i := range rows {
		rows[i].User = byID[rows[i].UserID]
	}
	return nil
}
