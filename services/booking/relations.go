package booking

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
)

// Relations says which related rows of reservations AttachRelations reads: the service, the staff
// member, the history and the payments. Payments belong to the payments domain, which builds on
// booking: the caller passes its read (payments.QueuePaymentsOf), nil when not wanted.
type Relations struct {
	Service     bool
	StaffMember bool
	History     bool
	Payments    func(tx *database.Tx, reservationIDs []uuid.UUID, out map[uuid.UUID][]models.Payment)
}

func (w Relations) none() bool {
	return !w.Service && !w.StaffMember && !w.History && w.Payments == nil
}

// AttachRelations reads the relations asked for of rows and sets them on the rows (the plain fields
// of models.Reservation): one round trip per tenant — one transaction that only queues, one query
// per kind — whatever the number of rows. Each row's tenant scopes its reads: the row was
// authorised when it was read, and its relations belong to the same tenant (the foreign keys
// include tenant_id).
func (s *Service) AttachRelations(ctx context.Context, rows []*models.Reservation, want Relations) error {
	if len(rows) == 0 || want.none() {
		return nil
	}
	byTenant := map[uuid.UUID][]*models.Reservation{}
	for _, r := range rows {
		byTenant[r.TenantID] = append(byTenant[r.TenantID], r)
	}
	for tenantID, group := range byTenant {
		var rel relationRows
		err := s.Read(ctx, tenantID, func(tx *database.Tx) {
			rel = queueRelations(tx, group, want)
		})
		if err != nil {
			return wrap("reservation relations", err)
		}
		rel.attach(group, want)
	}
	return nil
}

// The GraphQL edge's batch reads of a page's relations. Each has a Queue form that adds the read to
// a tenant transaction, so a page's nested objects of every kind come in one round trip (see
// AttachRelations); the plain form is a transaction with that one read. The queries name the
// tenant ($1) too, as every query of the application does; row-level security applies on top.

// QueueServicesByIDs queues a read of services of tx's tenant by id, archived ones too, into out.
func QueueServicesByIDs(tx *database.Tx, ids []uuid.UUID, out map[uuid.UUID]models.Service) {
	database.QueueRowsByKey(tx, `SELECT `+database.Columns[models.Service]()+` FROM services WHERE tenant_id = $1 AND id = ANY($2)`,
		[]any{ids}, func(r models.Service) uuid.UUID { return r.ID }, out)
}

// QueueStaffByIDs queues a read of staff members of tx's tenant by id into out.
func QueueStaffByIDs(tx *database.Tx, ids []uuid.UUID, out map[uuid.UUID]models.StaffMember) {
	database.QueueRowsByKey(tx, `SELECT `+database.Columns[models.StaffMember]()+` FROM staff_members WHERE tenant_id = $1 AND id = ANY($2)`,
		[]any{ids}, func(r models.StaffMember) uuid.UUID { return r.ID }, out)
}

// QueueHistoryByReservations queues a read of the history of several reservations of tx's tenant,
// oldest first, into out.
func QueueHistoryByReservations(tx *database.Tx, ids []uuid.UUID, out map[uuid.UUID][]models.ReservationHistory) {
	database.QueueRowsGrouped(tx, `SELECT `+database.Columns[models.ReservationHistory]()+` FROM reservation_history WHERE tenant_id = $1 AND reservation_id = ANY($2) ORDER BY seq`,
		[]any{ids}, func(r models.ReservationHistory) uuid.UUID { return r.ReservationID }, out)
}

// ServicesByIDs loads services of one tenant by id (for the GraphQL loaders), archived ones too.
func (s *Service) ServicesByIDs(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]models.Service, error) {
	var out map[uuid.UUID]models.Service
	err := s.Read(ctx, tenantID, func(tx *database.Tx) {
		out = make(map[uuid.UUID]models.Service, len(ids))
		QueueServicesByIDs(tx, ids, out)
	})
	return out, wrap("services by id", err)
}

// HistoryByReservations loads the history of several reservations of one tenant, oldest first.
func (s *Service) HistoryByReservations(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]models.ReservationHistory, error) {
	var out map[uuid.UUID][]models.ReservationHistory
	err := s.Read(ctx, tenantID, func(tx *database.Tx) {
		out = make(map[uuid.UUID][]models.ReservationHistory, len(ids))
		QueueHistoryByReservations(tx, ids, out)
	})
	return out, wrap("reservation history", err)
}

// Read runs the reads queue adds in one round trip scoped to tenantID (a database.Tx that only
// queues: no BEGIN, no COMMIT).
func (s *Service) Read(ctx context.Context, tenantID uuid.UUID, queue func(tx *database.Tx)) error {
	return s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		queue(tx)
		return nil
	})
}

// relationRows are the related rows of one tenant's reservations, by key.
type relationRows struct {
	services map[uuid.UUID]models.Service
	staff    map[uuid.UUID]models.StaffMember
	history  map[uuid.UUID][]models.ReservationHistory
	payments map[uuid.UUID][]models.Payment
}

// queueRelations queues the reads want asks for of group (reservations of tx's tenant).
func queueRelations(tx *database.Tx, group []*models.Reservation, want Relations) relationRows {
	serviceIDs, staffIDs := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	own := make([]uuid.UUID, len(group))
	for i, r := range group {
		serviceIDs[r.ServiceID] = true
		staffIDs[r.StaffMemberID] = true
		own[i] = r.ID
	}
	rel := relationRows{services: map[uuid.UUID]models.Service{}, staff: map[uuid.UUID]models.StaffMember{},
		history: map[uuid.UUID][]models.ReservationHistory{}, payments: map[uuid.UUID][]models.Payment{}}
	if want.Service {
		QueueServicesByIDs(tx, slices.Collect(maps.Keys(serviceIDs)), rel.services)
	}
	if want.StaffMember {
		QueueStaffByIDs(tx, slices.Collect(maps.Keys(staffIDs)), rel.staff)
	}
	if want.History {
		QueueHistoryByReservations(tx, own, rel.history)
	}
	if want.Payments != nil {
		want.Payments(tx, own, rel.payments)
	}
	return rel
}

// attach sets what was read on the rows; a list without rows is empty, not nil (payments [], not
// null).
func (rel relationRows) attach(group []*models.Reservation, want Relations) {
	for _, r := range group {
		if want.Service {
			if v, ok := rel.services[r.ServiceID]; ok {
				r.Service = &v
			}
		}
		if want.StaffMember {
			if v, ok := rel.staff[r.StaffMemberID]; ok {
				r.StaffMember = &v
			}
		}
		if want.History {
			r.History = nonNil(rel.history[r.ID])
		}
		if want.Payments != nil {
			r.Payments = nonNil(rel.payments[r.ID])
		}
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
