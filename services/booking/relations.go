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
