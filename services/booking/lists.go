package booking

import (
	"context"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/paging"
)

// The orderings of the catalogue's lists (services, staff members), besides ByCreatedAt and
// ByCreatedAtDesc.
const (
	ByName          = "name" // by name, A to Z (the default)
	ByNameDesc      = "name.desc"
	serviceList     = "services."
	staffMemberList = "staffMembers."
)

// catalogueOrders are the orderings of a catalogue list named list, of rows whose name and creation
// time key returns.
func catalogueOrders[T any](list string, name func(*T) string, created func(*T) (any, uuid.UUID), id func(*T) uuid.UUID) paging.Orders[T] {
	byName := func(t *T) (any, uuid.UUID) { return name(t), id(t) }
	o := func(order, column string, kind paging.Kind, desc bool, key paging.Key[T]) paging.Order[T] {
		return paging.By(list+order, column, kind, desc, key)
	}
	return paging.Orders[T]{
		"":              o(ByName, "name", paging.Text, false, byName),
		ByName:          o(ByName, "name", paging.Text, false, byName),
		ByNameDesc:      o(ByNameDesc, "name", paging.Text, true, byName),
		ByCreatedAt:     o(ByCreatedAt, "created_at", paging.Time, false, created),
		ByCreatedAtDesc: o(ByCreatedAtDesc, "created_at", paging.Time, true, created),
	}
}

var (
	serviceOrders = catalogueOrders(serviceList,
		func(s *models.Service) string { return s.Name },
		func(s *models.Service) (any, uuid.UUID) { return s.CreatedAt, s.ID },
		func(s *models.Service) uuid.UUID { return s.ID })
	staffMemberOrders = catalogueOrders(staffMemberList,
		func(m *models.StaffMember) string { return m.Name },
		func(m *models.StaffMember) (any, uuid.UUID) { return m.CreatedAt, m.ID },
		func(m *models.StaffMember) uuid.UUID { return m.ID })
)

// ServicesPage is a page of the tenant's services (archived ones only when asked), in one round trip.
func (s *Service) ServicesPage(ctx context.Context, tenantID uuid.UUID, includeArchived bool, order string, args paging.Args) (*paging.Page[models.Service], error) {
	return cataloguePage(ctx, s, tenantID, "services", serviceOrders.Pick(order), includeArchived, args)
}

// StaffMembersPage is a page of the tenant's staff members (archived ones only when asked).
func (s *Service) StaffMembersPage(ctx context.Context, tenantID uuid.UUID, includeArchived bool, order string, args paging.Args) (*paging.Page[models.StaffMember], error) {
	return cataloguePage(ctx, s, tenantID, "staff_members", staffMemberOrders.Pick(order), includeArchived, args)
}

func cataloguePage[T any](ctx context.Context, s *Service, tenantID uuid.UUID, table string, o paging.Order[T], includeArchived bool, args paging.Args) (*paging.Page[T], error) {
	req, err := paging.Parse(args, o.Ordering)
	if err != nil {
		return nil, err
	}
	var where paging.Filter
	where.Where("tenant_id = $1")
	if !includeArchived {
		where.Where("archived_at IS NULL")
	}
	var page paging.Page[T]
	err = s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		paging.QueuePage(tx, table, where, o, req, &page)
		return nil
	})
	if err != nil {
		return nil, wrap(table, err)
	}
	return &page, nil
}

// TimeOffByIDs reads time off of the tenant by id.
func (s *Service) TimeOffByIDs(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) ([]models.TimeOff, error) {
	var rows []models.TimeOff
	err := s.Read(ctx, tenantID, func(tx *database.Tx) {
		rows = nil
		database.QueueRows(tx, `SELECT `+database.Columns[models.TimeOff]()+` FROM time_off WHERE tenant_id = $1 AND id = ANY($2)`, []any{ids}, &rows)
	})
	return rows, wrap("time off by id", err)
}
