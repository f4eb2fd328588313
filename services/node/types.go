package node

import (
	"context"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/tenancy"
)

// types is the one table of node types: a new type with a global id is one entry here (and
// `implements Node` on its GraphQL type). Each Load reads through its domain and applies the same
// rule as the type's own query field: staff-only lists answer staff only, OWNER/ADMIN ones those
// roles only; reservations, payments and refunds also answer their reservation's customer token
// (booking.Scope, inside the domain reads).
//
// Membership is not a node: its row's key is (tenant, user), it has no id of its own, and the
// user's id is the User's. A User is a node only as a member of the caller's business (its probe
// is the memberships of the tenant), so staff resolve their colleagues and no one else; its id is
// the account's UUID, which no other table uses.
func types(b *booking.Service, pay *payments.Service, t *tenancy.Service, c *customers.Service) []Type {
	return []Type{
		{Name: "Customer", Table: "customers", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff(nil, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				found, err := c.ByIDs(ctx, p.TenantID, ids)
				return values(found), err
			})},
		{Name: "Reservation", Table: "reservations", IDColumn: "id", TenantColumn: "tenant_id",
			Load: each(b.Reservation)},
		{Name: "Service", Table: "services", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff(nil, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				found, err := b.ServicesByIDs(ctx, p.TenantID, ids)
				return values(found), err
			})},
		{Name: "StaffMember", Table: "staff_members", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff(nil, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				found := map[uuid.UUID]models.StaffMember{}
				err := b.Read(ctx, p.TenantID, func(tx *database.Tx) { booking.QueueStaffByIDs(tx, ids, found) })
				return values(found), err
			})},
		{Name: "TimeOff", Table: "time_off", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff(nil, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				rows, err := b.TimeOffByIDs(ctx, p.TenantID, ids)
				return keyed(rows, func(o *models.TimeOff) uuid.UUID { return o.ID }), err
			})},
		{Name: "Payment", Table: "payments", IDColumn: "id", TenantColumn: "tenant_id",
			Load: each(pay.Payment)},
		{Name: "Refund", Table: "refunds", IDColumn: "id", TenantColumn: "tenant_id",
			Load: func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				rows, err := pay.RefundsByIDs(ctx, p, ids)
				return keyed(rows, func(r *models.Refund) uuid.UUID { return r.ID }), err
			}},
		{Name: "PaymentMethod", Table: "payment_methods", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff(nil, each(func(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.PaymentMethod, error) {
				return pay.Method(ctx, p.TenantID, id)
			}))},
		{Name: "PaymentNotification", Table: "imoje_notifications", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff([]auth.Role{auth.RoleOwner, auth.RoleAdmin}, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				rows, err := pay.NotificationsByIDs(ctx, p, ids)
				return keyed(rows, func(n *models.ImojeNotification) uuid.UUID { return n.ID }), err
			})},
		{Name: "Invitation", Table: "invitations", IDColumn: "id", TenantColumn: "tenant_id",
			Load: staff([]auth.Role{auth.RoleOwner, auth.RoleAdmin}, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				open, err := t.Invitations(ctx, p) // the open ones, as the invitations field lists them
				return only(keyed(open, func(i *models.Invitation) uuid.UUID { return i.ID }), ids), err
			})},
		{Name: "Tenant", Table: "tenants", IDColumn: "id", TenantColumn: "id",
			Load: staff(nil, each(func(ctx context.Context, p *auth.Principal, _ uuid.UUID) (*models.Tenant, error) {
				return t.Tenant(ctx, p.TenantID)
			}))},
		{Name: "User", Table: "memberships", IDColumn: "user_id", TenantColumn: "tenant_id",
			Load: staff(nil, func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
				members, err := t.Members(ctx, p)
				users := map[uuid.UUID]any{}
				for _, m := range members {
					if m.User != nil {
						users[m.UserID] = m.User
					}
				}
				return only(users, ids), err
			})},
	}
}

func values[T any](m map[uuid.UUID]T) map[uuid.UUID]any {
	out := make(map[uuid.UUID]any, len(m))
	for id, v := range m {
		out[id] = &v
	}
	return out
}

// only keeps the entries of m whose id is one of ids.
func only(m map[uuid.UUID]any, ids []uuid.UUID) map[uuid.UUID]any {
	out := make(map[uuid.UUID]any, len(ids))
	for _, id := range ids {
		if v, ok := m[id]; ok {
			out[id] = v
		}
	}
	return out
}

// TypeNames are the names of the node types, in the table's order (the schema's Node
// implementations must be exactly these: graph's TestNodeTypesAreRegistered).
func TypeNames() []string {
	ts := types(nil, nil, nil, nil) // the loads are not called
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}
