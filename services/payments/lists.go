package payments

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/paging"
)

// The orderings of the payments, refunds and notifications lists.
const (
	NewestFirst = "" // the default
	OldestFirst = "oldest"
)

// newestFirst are the orderings of a list named list by its time column: newest first (the
// default), or oldest first; ties broken by the id (indexes of migration 00015).
func newestFirst[T any](list, column string, key paging.Key[T]) paging.Orders[T] {
	return paging.Orders[T]{
		NewestFirst: paging.By(list+"."+column+".desc", column, paging.Time, true, key),
		OldestFirst: paging.By(list+"."+column, column, paging.Time, false, key),
	}
}

var (
	paymentOrders = newestFirst("payments", "created_at",
		func(p *models.Payment) (any, uuid.UUID) { return p.CreatedAt, p.ID })
	refundOrders = newestFirst("refunds", "created_at",
		func(r *models.Refund) (any, uuid.UUID) { return r.CreatedAt, r.ID })
	notificationOrders = newestFirst("notifications", "received_at",
		func(n *models.ImojeNotification) (any, uuid.UUID) { return n.ReceivedAt, n.ID })
)

// PaymentFilter narrows the business's payments; zero fields match everything.
type PaymentFilter struct {
	Statuses []models.PaymentState
	Channels []string
	From, To *time.Time // created at or after From, before To
}

// RefundFilter narrows the business's refunds.
type RefundFilter struct {
	Statuses []string
	From, To *time.Time // requested at or after From, before To
}

// NotificationFilter narrows the imoje notifications kept.
type NotificationFilter struct {
	Outcomes []string
	From, To *time.Time // received at or after From, before To
}

// PaymentsPage is a page of the business's payments (staff).
func (s *Service) PaymentsPage(ctx context.Context, p *auth.Principal, f PaymentFilter, order string, args paging.Args) (*paging.Page[models.Payment], error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	where := since("created_at", f.From, f.To)
	if len(f.Statuses) > 0 {
		where.Where("status = ANY(?)", texts(f.Statuses))
	}
	if len(f.Channels) > 0 {
		where.Where("channel = ANY(?)", f.Channels)
	}
	return page(ctx, s, p.TenantID, "payments", where, paymentOrders.Pick(order), args)
}

// RefundsPage is a page of the business's refunds (staff).
func (s *Service) RefundsPage(ctx context.Context, p *auth.Principal, f RefundFilter, order string, args paging.Args) (*paging.Page[models.Refund], error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	where := since("created_at", f.From, f.To)
	if len(f.Statuses) > 0 {
		where.Where("status = ANY(?)", f.Statuses)
	}
	return page(ctx, s, p.TenantID, "refunds", where, refundOrders.Pick(order), args)
}

// NotificationsPage is a page of the verified imoje notifications the business received and kept,
// with their outcome (OWNER, ADMIN: the bodies carry the payers' data).
func (s *Service) NotificationsPage(ctx context.Context, p *auth.Principal, f NotificationFilter, order string, args paging.Args) (*paging.Page[models.ImojeNotification], error) {
	if !p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return nil, apperr.ErrForbidden
	}
	where := since("received_at", f.From, f.To)
	if len(f.Outcomes) > 0 {
		where.Where("outcome = ANY(?)", f.Outcomes)
	}
	return page(ctx, s, p.TenantID, "imoje_notifications", where, notificationOrders.Pick(order), args)
}

// since is the tenant's rows whose column lies in [from, to).
func since(column string, from, to *time.Time) paging.Filter {
	var where paging.Filter
	where.Where("tenant_id = $1")
	if from != nil {
		where.Where(column+" >= ?", *from)
	}
	if to != nil {
		where.Where(column+" < ?", *to)
	}
	return where
}

func page[T any](ctx context.Context, s *Service, tenantID uuid.UUID, table string, where paging.Filter, o paging.Order[T], args paging.Args) (*paging.Page[T], error) {
	req, err := paging.Parse(args, o.Ordering)
	if err != nil {
		return nil, err
	}
	var out paging.Page[T]
	err = s.db.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		paging.QueuePage(tx, table, where, o, req, &out)
		return nil
	})
	if err != nil {
		return nil, wrap(table, err)
	}
	return &out, nil
}

func texts[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// RefundsByIDs returns the refunds with these ids that p may read: staff any of the business's, a
// customer token those of its reservation's payments (booking.Scope); the others are left out.
func (s *Service) RefundsByIDs(ctx context.Context, p *auth.Principal, ids []uuid.UUID) ([]models.Refund, error) {
	if p == nil {
		return nil, apperr.ErrUnauthenticated
	}
	var rows []models.Refund
	var reservationOf map[uuid.UUID]models.Payment
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		rows, reservationOf = nil, map[uuid.UUID]models.Payment{}
		database.QueueRows(tx, `SELECT `+database.Columns[models.Refund]()+` FROM refunds WHERE tenant_id = $1 AND id = ANY($2)`, []any{ids}, &rows)
		database.QueueRowsByKey(tx, `SELECT `+database.Columns[models.Payment]()+` FROM payments
			WHERE tenant_id = $1 AND id IN (SELECT payment_id FROM refunds WHERE tenant_id = $1 AND id = ANY($2))`,
			[]any{ids}, func(p models.Payment) uuid.UUID { return p.ID }, reservationOf)
		return nil
	})
	if err != nil {
		return nil, wrap("refunds by id", err)
	}
	out := rows[:0]
	for _, r := range rows {
		if _, err := booking.Scope(p, reservationOf[r.PaymentID].ReservationID); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// NotificationsByIDs returns the kept imoje notifications with these ids (OWNER, ADMIN).
func (s *Service) NotificationsByIDs(ctx context.Context, p *auth.Principal, ids []uuid.UUID) ([]models.ImojeNotification, error) {
	if !p.HasRole(auth.RoleOwner, auth.RoleAdmin) {
		return nil, apperr.ErrForbidden
	}
	var rows []models.ImojeNotification
	err := s.db.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		rows = nil
		database.QueueRows(tx, `SELECT `+database.Columns[models.ImojeNotification]()+` FROM imoje_notifications WHERE tenant_id = $1 AND id = ANY($2)`, []any{ids}, &rows)
		return nil
	})
	return rows, wrap("notifications by id", err)
}
