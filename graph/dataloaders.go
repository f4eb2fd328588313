package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/paging"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/tenancy"
)

// A reservation's relations (service, staff member, history, payments) are read up front by
// booking.AttachRelations (attach.go), a free slot's staff member comes with the availability read;
// the fields of other parents — a staff member's services and hours, a reservation's business and
// its payment methods — are loaded in batches through the domains' read methods (the same SQL as
// the relations: booking.ServicesByIDs is booking.QueueServicesByIDs in a transaction of its own):
// one query per kind of field per response, whatever the number of rows, instead of one per row.
// Loaders are made fresh for every response (AroundResponses), so nothing cached outlives a query,
// a mutation or one event of a subscription.
//
// Keys carry the tenant of the parent object: the parent was authorised when it was loaded, and its
// children belong to the same tenant (the foreign keys include tenant_id). Public results (a new
// reservation's payload) have no principal to take the tenant from, so the key is the only source.

type tenantKey struct {
	TenantID uuid.UUID
	ID       uuid.UUID
}

// Loaders are one response's batch loaders.
type Loaders struct {
	Service       *dataloadgen.Loader[tenantKey, *models.Service]
	StaffServices *dataloadgen.Loader[tenantKey, []uuid.UUID]
	Weekly        *dataloadgen.Loader[tenantKey, []models.WeeklyInterval]
	// Business is a reservation's business profile, by tenant id: a page of one tenant's
	// reservations reads its tenant once.
	Business *dataloadgen.Loader[uuid.UUID, *models.Tenant]
	// PublicMethods is a business profile's enabled payment methods, by tenant id: every
	// reservation on a page shares its business's.
	PublicMethods *dataloadgen.Loader[uuid.UUID, []models.PaymentMethod]

	// The customers' and booking fields' loaders (customer_loaders.go), made on first use.
	recordsOnce sync.Once
	records     *recordLoaders
}

// loaderWait is how long a loader collects keys before it queries: gqlgen resolves sibling fields
// concurrently, so a page's worth of keys arrives well within it.
const loaderWait = 5 * time.Millisecond

// NewLoaders builds the loaders of one response.
func NewLoaders(b *booking.Service, t *tenancy.Service, p *payments.Service) *Loaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(paging.MaxSize * 2)}
	return &Loaders{
		Service:       dataloadgen.NewMappedLoader(byTenant(b.ServicesByIDs, ptr[models.Service]), opts...),
		StaffServices: dataloadgen.NewLoader(listByTenant(b.ServiceIDsByStaff), opts...),
		Weekly:        dataloadgen.NewLoader(listByTenant(b.WeeklyByStaff), opts...),
		Business:      dataloadgen.NewLoader(tenantsByID(t), opts...),
		PublicMethods: dataloadgen.NewLoader(enabledMethodsByTenant(p), opts...),
	}
}

// byTenant adapts a per-tenant batch read to a loader of single objects.
func byTenant[V, Out any](fetch func(context.Context, uuid.UUID, []uuid.UUID) (map[uuid.UUID]V, error), convert func(V) Out) func(context.Context, []tenantKey) (map[tenantKey]Out, error) {
	return func(ctx context.Context, keys []tenantKey) (map[tenantKey]Out, error) {
		out := make(map[tenantKey]Out, len(keys))
		for tenantID, ids := range groupByTenant(keys) {
			found, err := fetch(ctx, tenantID, ids)
			if err != nil {
				return nil, err
			}
			for id, v := range found {
				out[tenantKey{TenantID: tenantID, ID: id}] = convert(v)
			}
		}
		return out, nil
	}
}

// listByTenant adapts a per-tenant batch read of lists to a loader where a missing key is an empty list.
func listByTenant[V any](fetch func(context.Context, uuid.UUID, []uuid.UUID) (map[uuid.UUID][]V, error)) func(context.Context, []tenantKey) ([][]V, []error) {
	return func(ctx context.Context, keys []tenantKey) ([][]V, []error) {
		values := make([][]V, len(keys))
		errs := make([]error, len(keys))
		found := map[tenantKey][]V{}
		for tenantID, ids := range groupByTenant(keys) {
			lists, err := fetch(ctx, tenantID, ids)
			if err != nil {
				for i := range errs {
					errs[i] = err
				}
				return values, errs
			}
			for id, list := range lists {
				found[tenantKey{TenantID: tenantID, ID: id}] = list
			}
		}
		for i, k := range keys {
			values[i] = found[k]
		}
		return values, errs
	}
}

func groupByTenant(keys []tenantKey) map[uuid.UUID][]uuid.UUID {
	groups := map[uuid.UUID][]uuid.UUID{}
	for _, k := range keys {
		groups[k.TenantID] = append(groups[k.TenantID], k.ID)
	}
	return groups
}

type loadersKey struct{}

// WithLoaders gives every response its own loaders (register with handler.Server.AroundResponses).
func WithLoaders(b *booking.Service, t *tenancy.Service, p *payments.Service) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(context.WithValue(ctx, loadersKey{}, NewLoaders(b, t, p)))
	}
}

// loaders returns the response's loaders; without the middleware (a resolver called directly) each
// call gets its own, which is correct but does not batch.
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.Booking, r.Tenancy, r.Payments)
}

// tenantsByID reads each tenant in its own scope (RLS shows a transaction one tenant only); a
// response's reservations almost always share one.
func tenantsByID(t *tenancy.Service) func(context.Context, []uuid.UUID) ([]*models.Tenant, []error) {
	return func(ctx context.Context, ids []uuid.UUID) ([]*models.Tenant, []error) {
		out := make([]*models.Tenant, len(ids))
		errs := make([]error, len(ids))
		for i, id := range ids {
			out[i], errs[i] = t.Tenant(ctx, id)
		}
		return out, errs
	}
}

// enabledMethodsByTenant reads each tenant's customer-visible payment methods in its own scope.
func enabledMethodsByTenant(p *payments.Service) func(context.Context, []uuid.UUID) ([][]models.PaymentMethod, []error) {
	return func(ctx context.Context, ids []uuid.UUID) ([][]models.PaymentMethod, []error) {
		out := make([][]models.PaymentMethod, len(ids))
		errs := make([]error, len(ids))
		for i, id := range ids {
			out[i], errs[i] = p.Methods(ctx, id, true)
		}
		return out, errs
	}
}
